"""The quality measures on frames small enough to check by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from fraudops_ml.quality import drift, kpis, window


def day_frame(rows: list[tuple[int, float, float, bool, int]]) -> pd.DataFrame:
    """(customer, amount, score, flagged, fraud) rows."""
    return pd.DataFrame(
        rows, columns=["customer_id", "tx_amount", "fraud_probability", "is_fraud", "tx_fraud"]
    )


DAY = day_frame(
    [
        (1, 100.0, 0.9, True, 1),  # fraud caught
        (1, 50.0, 0.2, False, 1),  # fraud missed (same card)
        (2, 30.0, 0.8, True, 0),  # genuine flagged
        (3, 70.0, 0.3, False, 1),  # fraud missed
        (4, 10.0, 0.1, False, 0),
    ]
)


def test_a_day_counts_money_and_rates_by_the_serving_decision() -> None:
    found = kpis.day_kpis(DAY, known_compromised=set(), top_k=2)
    assert (found.transactions, found.frauds) == (5, 3)
    assert found.fraud_amount_caught == 100.0
    assert found.fraud_amount_missed == 120.0
    assert found.genuine_amount_flagged == 30.0
    assert found.precision == 0.5  # 1 of the 2 flagged
    assert found.recall == pytest.approx(1 / 3)
    # Cards by their highest score: 1 (0.9, fraud), 2 (0.8), 3 (0.3, fraud), 4: top 2 hold one.
    assert found.card_precision_at_100 == 0.5
    # Pairs (fraud, genuine) ranked right: 0.9 beats both, 0.2 beats 0.1, 0.3 beats 0.1: 4 of 6.
    assert found.auc_roc == pytest.approx(4 / 6)


def test_a_card_already_known_compromised_is_not_among_the_top_k() -> None:
    found = kpis.day_kpis(DAY, known_compromised={1}, top_k=2)
    # Without card 1 the top 2 are cards 2 (genuine) and 3 (fraud).
    assert found.card_precision_at_100 == 0.5
    assert kpis.day_kpis(DAY, known_compromised={1, 3}, top_k=2).card_precision_at_100 == 0.0


def test_undefined_rates_are_nan_not_zero() -> None:
    genuine = day_frame([(1, 5.0, 0.1, False, 0), (2, 6.0, 0.2, False, 0)])
    found = kpis.day_kpis(genuine, set(), top_k=100)
    assert math.isnan(found.precision)
    assert math.isnan(found.recall)
    assert math.isnan(found.auc_roc)
    assert math.isnan(kpis.average_precision(np.array([0, 0]), np.array([0.1, 0.2])))


def test_bins_hold_values_up_to_and_including_their_upper_edge() -> None:
    assert drift.shares([0.0, 1.0, 1.5, 2.0, 3.0], [1.0, 2.0]).tolist() == [0.4, 0.4, 0.2]


def test_a_binary_input_gets_its_two_values_as_bins() -> None:
    reference = drift.reference_of(np.r_[np.zeros(700), np.ones(300)])
    assert reference.edges == (0.0, 1.0)
    assert reference.proportions == (0.7, 0.3, 0.0)


def test_psi_and_js_are_zero_for_the_same_distribution_and_grow_with_the_shift() -> None:
    rng = np.random.default_rng(7)
    reference = drift.reference_of(rng.normal(size=20_000))
    same = drift.drift(reference, rng.normal(size=20_000))
    shifted = drift.drift(reference, rng.normal(0.5, size=20_000))
    assert same.psi < 0.01
    assert same.js_distance < 0.03
    assert shifted.psi > 0.2
    assert shifted.js_distance > 0.15


def test_psi_matches_its_formula_and_survives_an_empty_bin() -> None:
    expected, actual = [0.5, 0.5, 0.0], [0.25, 0.25, 0.5]
    by_hand = 2 * (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.5 - drift.EPSILON) * math.log(
        0.5 / drift.EPSILON
    )
    assert drift.psi(expected, actual) == pytest.approx(by_hand)
    assert 0 < drift.js_distance(expected, actual) <= 1


def test_a_day_is_final_exactly_when_its_last_label_is_due() -> None:
    # Day 10-12 ends 10-13 00:00; its labels are all known by 10-20 00:00 (7-day delay).
    at = dt.datetime(2018, 10, 20)
    assert window.last_final_day(at, 7) == dt.date(2018, 10, 12)
    assert window.last_final_day(at - dt.timedelta(seconds=1), 7) == dt.date(2018, 10, 11)
    span = window.span(at, 7, 3, None)
    assert span.final == (dt.date(2018, 10, 10), dt.date(2018, 10, 11), dt.date(2018, 10, 12))
    assert span.open == tuple(dt.date(2018, 10, d) for d in range(13, 21))
    assert window.span(at, 7, 3, dt.date(2018, 10, 11)).final[0] == dt.date(2018, 10, 11)
