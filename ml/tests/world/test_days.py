"""A world day continues the historic dataset and depends only on (seed, day, scenario)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from fraudops_ml import data
from fraudops_ml.simulate import FraudSchedule, Simulation, simulate
from fraudops_ml.world.days import WorldBasis, active_compromises, simulate_day
from fraudops_ml.world.scenarios import Scenario

STEADY = Scenario("steady", 0)


# The small preset's digest before simulate() learnt to record its fraud schedule (and that
# of the default preset, checked by the world at start against the cache, is
# sha256:f27f7e1d...b167): recording must not change a single draw.
SMALL_DIGEST = "sha256:b9fa333be15a8384a31a5d913beb823d3fd8e3fd381a698e016feb1479686029"


def test_recording_the_schedule_changes_no_dataset(history: pd.DataFrame) -> None:
    assert data.frame_sha256(history) == SMALL_DIGEST
    assert data.frame_sha256(simulate(data.PRESETS["small"]).transactions) == SMALL_DIGEST


def test_the_schedule_is_what_the_labels_show(
    replayed: tuple[Simulation, FraudSchedule], history: pd.DataFrame
) -> None:
    schedule = replayed[1]
    config = data.PRESETS["small"]
    assert len(schedule.terminals) == config.n_days - 1
    # Every scenario-2 fraud of day d is at a terminal compromised in the 28 days up to d.
    frauds = history[history["tx_fraud_scenario"] == 2]
    for day, group in frauds.groupby("tx_time_days"):
        lo = max(0, int(day) - config.terminal_compromise_days + 1)
        chosen = np.concatenate(schedule.terminals[lo : int(day) + 1])
        assert set(group["terminal_id"]) <= set(chosen.tolist())


def test_historic_compromises_carry_into_the_first_world_days(basis: WorldBasis) -> None:
    first = basis.first_day
    terminals, cards = active_compromises(basis, STEADY, first)
    config = basis.config
    carried_terminals = basis.history_terminals[first - config.terminal_compromise_days + 1 :]
    carried_cards = basis.history_customers[first - config.customer_compromise_days + 1 :]
    assert set(np.concatenate(carried_terminals).tolist()) <= set(terminals.tolist())
    assert set(np.concatenate(carried_cards).tolist()) <= set(cards.tolist())
    # One day later, the oldest carried compromise has expired (unless drawn again).
    later, _ = active_compromises(basis, STEADY, first + 1)
    expired = set(carried_terminals[0].tolist()) - set(np.concatenate(carried_terminals[1:]))
    assert expired
    assert not expired & set(later.tolist())
    # Transactions at a compromised terminal are frauds (scenario 2 or a later one).
    day = simulate_day(basis, STEADY, first)
    at_compromised = day[day["terminal_id"].isin(terminals)]
    assert len(at_compromised) > 0
    assert (at_compromised["tx_fraud_scenario"] >= 2).all()


def test_a_day_is_the_same_whichever_day_the_world_started_at(basis: WorldBasis) -> None:
    day = basis.first_day + 5
    alone = simulate_day(basis, STEADY, day)
    for earlier in range(basis.first_day, day):
        simulate_day(basis, STEADY, earlier)
    assert_frame_equal(simulate_day(basis, STEADY, day), alone)
    assert not simulate_day(basis, STEADY, day + 1).equals(alone)


def test_world_days_look_like_the_historic_days(basis: WorldBasis, history: pd.DataFrame) -> None:
    last_week = history[history["tx_time_days"] >= basis.first_day - 7]
    world = pd.concat([simulate_day(basis, STEADY, basis.first_day + d) for d in range(7)])
    assert abs(len(world) / len(last_week) - 1) < 0.05
    assert abs(world["tx_fraud"].mean() - last_week["tx_fraud"].mean()) < 0.01
    assert abs(world["tx_amount"].mean() / last_week["tx_amount"].mean() - 1) < 0.05
    assert world["tx_time_seconds"].is_monotonic_increasing
    assert (world["tx_time_days"] == world["tx_time_seconds"] // 86_400).all()
