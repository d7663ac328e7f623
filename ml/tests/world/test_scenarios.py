"""Each scenario changes the world from its start day, not before; steady changes nothing."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from fraudops_ml.world import scenarios
from fraudops_ml.world.days import WorldBasis, simulate_day, terminals_compromised_on
from fraudops_ml.world.scenarios import Scenario

START_OFFSET = 2


def days(basis: WorldBasis, scenario: Scenario) -> list[pd.DataFrame]:
    """The first four world days under ``scenario``."""
    return [simulate_day(basis, scenario, basis.first_day + d) for d in range(4)]


@pytest.fixture(scope="module")
def baseline(basis: WorldBasis) -> list[pd.DataFrame]:
    """The steady world's first four days."""
    return days(basis, Scenario("steady", basis.first_day + START_OFFSET))


@pytest.mark.parametrize("name", scenarios.SCENARIOS)
def test_nothing_changes_before_the_start_day(
    basis: WorldBasis, baseline: list[pd.DataFrame], name: str
) -> None:
    changed = days(basis, Scenario(name, basis.first_day + START_OFFSET))
    for before in range(START_OFFSET):
        assert_frame_equal(changed[before], baseline[before])
    same = [changed[d].equals(baseline[d]) for d in range(START_OFFSET, 4)]
    assert same == ([True, True] if name == scenarios.STEADY else [False, False])


def test_steady_is_the_world_without_a_scenario(
    basis: WorldBasis, baseline: list[pd.DataFrame]
) -> None:
    # A scenario whose start day never comes is no scenario at all.
    never = days(basis, Scenario("card-testing", 10**6))
    for steady_day, plain_day in zip(baseline, never, strict=True):
        assert_frame_equal(steady_day, plain_day)


def test_card_testing_adds_bursts_of_small_frauds_on_few_cards(
    basis: WorldBasis, baseline: list[pd.DataFrame]
) -> None:
    changed = days(basis, Scenario("card-testing", basis.first_day + START_OFFSET))
    tests = [d[d["tx_fraud_scenario"] == scenarios.CARD_TESTING_FRAUD_SCENARIO] for d in changed]
    assert [len(t) > 0 for t in tests] == [False, False, True, True]
    day = tests[START_OFFSET]
    assert day["tx_amount"].max() <= scenarios.CARD_TESTING_MAX_AMOUNT
    assert day["customer_id"].nunique() == 2  # 2 cards per 1000 customers
    assert (day["tx_fraud"] == 1).all()
    # The genuine transactions of the day are untouched.
    genuine = changed[START_OFFSET][changed[START_OFFSET]["tx_fraud_scenario"] != 4]
    assert_frame_equal(
        genuine.reset_index(drop=True), baseline[START_OFFSET].reset_index(drop=True)
    )


def test_terminal_wave_compromises_more_terminals_per_day(basis: WorldBasis) -> None:
    wave = Scenario("terminal-wave", basis.first_day + START_OFFSET)
    per_day = [len(terminals_compromised_on(basis, wave, basis.first_day + d)) for d in range(4)]
    base = basis.config.compromised_terminals_per_day
    factor = scenarios.TERMINAL_WAVE_FACTOR
    assert per_day == [base, base, base * factor, base * factor]


def test_spending_shift_grows_amounts_weekly_from_its_day(
    basis: WorldBasis, baseline: list[pd.DataFrame]
) -> None:
    changed = days(basis, Scenario("spending-shift", basis.first_day + START_OFFSET))
    ratios = [
        changed[d]["tx_amount"].median() / baseline[d]["tx_amount"].median() for d in range(4)
    ]
    growth = scenarios.SPENDING_SHIFT_WEEKLY_GROWTH
    assert ratios[:2] == [1.0, 1.0]
    assert ratios[2] == pytest.approx((1 + growth) ** (1 / 7), rel=0.01)
    assert ratios[3] == pytest.approx((1 + growth) ** (2 / 7), rel=0.01)


def test_an_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scenario"):
        Scenario("meteor", 0)
