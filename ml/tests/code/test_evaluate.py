"""Evaluation metrics and the split protocol on hand-computed examples."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fraudops_ml.evaluate import (
    best_f1_threshold,
    card_precision_top_k,
    get_train_test_set,
    make_split,
    performance_metrics,
)


def predictions(rows: list[tuple[int, int, int, float]]) -> pd.DataFrame:
    """Rows of (tx_time_days, customer_id, tx_fraud, prediction)."""
    return pd.DataFrame(rows, columns=["tx_time_days", "customer_id", "tx_fraud", "prediction"])


def test_card_precision_groups_by_card_and_removes_detected_cards() -> None:
    df = predictions(
        [
            # day 0: card 1 (fraud, two tx, max prediction 0.9), card 2 genuine 0.8, card 3 fraud
            (0, 1, 1, 0.9),
            (0, 1, 0, 0.2),
            (0, 2, 0, 0.8),
            (0, 3, 1, 0.1),
            # day 1: card 1 again on top (already detected -> removed), card 3 fraud 0.7, card 4 0.6
            (1, 1, 1, 0.99),
            (1, 3, 1, 0.7),
            (1, 4, 0, 0.6),
        ]
    )
    # k=2. day 0: top cards 1 (fraud), 2 -> 1/2. day 1 without card 1: 3 (fraud), 4 -> 1/2.
    per_day, mean = card_precision_top_k(df, top_k=2)
    assert per_day == [0.5, 0.5]
    assert mean == 0.5
    # without removal, day 1's top-2 is cards 1 and 3, both fraud -> 1.0
    per_day, mean = card_precision_top_k(df, top_k=2, remove_detected_compromised_cards=False)
    assert per_day == [0.5, 1.0]
    assert mean == pytest.approx(0.75)


def test_card_precision_divides_by_k_even_with_few_cards() -> None:
    df = predictions([(0, 1, 1, 0.9), (0, 2, 0, 0.1)])
    assert card_precision_top_k(df, top_k=100)[1] == pytest.approx(0.01)


def test_performance_metrics_on_a_perfect_and_a_reversed_ranking() -> None:
    frame = pd.DataFrame(
        {"tx_fraud": [0, 0, 1, 1], "customer_id": [1, 2, 3, 4], "tx_time_days": [0, 0, 0, 0]}
    )
    perfect = performance_metrics(frame, [0.1, 0.2, 0.8, 0.9], top_k=2)
    assert (perfect.auc_roc, perfect.average_precision, perfect.card_precision_at_100) == (
        1.0,
        1.0,
        1.0,
    )
    reversed_ = performance_metrics(frame, [0.9, 0.8, 0.2, 0.1], top_k=2)
    assert reversed_.auc_roc == 0.0
    assert reversed_.card_precision_at_100 == 0.0
    # AP of ranking [0,0,1,1]: precision at the two positives is 1/3 and 2/4.
    assert reversed_.average_precision == pytest.approx((1 / 3 + 2 / 4) / 2)


def test_best_f1_threshold() -> None:
    labels = np.array([0, 0, 1, 0, 1, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.8, 0.9])
    threshold, f1 = best_f1_threshold(labels, scores)
    # >= 0.8: P=1, R=2/3, F1=0.8; >= 0.3: P=3/4, R=1, F1=6/7 (best)
    assert threshold == pytest.approx(0.3)
    assert f1 == pytest.approx(6 / 7)


def make_tx(rows: list[tuple[int, int, int]]) -> pd.DataFrame:
    """Rows of (day, customer_id, tx_fraud) at noon of 2018-04-01 + day."""
    df = pd.DataFrame(rows, columns=["tx_time_days", "customer_id", "tx_fraud"])
    df["tx_datetime"] = pd.Timestamp("2018-04-01 12:00") + pd.to_timedelta(df["tx_time_days"], "D")
    df["transaction_id"] = np.arange(len(df))
    return df


def test_split_removes_known_compromised_cards() -> None:
    # train days 0-1, delay 2 days (2, 3), test days 4-5
    tx = make_tx(
        [
            (0, 1, 1),  # card 1 fraud in training -> never in test
            (1, 2, 0),
            (2, 3, 1),  # card 3 fraud on delay day 2 -> known from test day 5 (day 5 - 2 - 1)
            (3, 4, 1),  # card 4 fraud on delay day 3 -> known only after the test window
            (4, 1, 0),
            (4, 3, 0),
            (4, 4, 0),
            (4, 5, 0),
            (5, 1, 0),
            (5, 3, 0),
            (5, 4, 0),
            (5, 5, 0),
            (6, 5, 0),  # after the test window
        ]
    )
    train, test = get_train_test_set(tx, dt.date(2018, 4, 1), 2, 2, 2)
    assert train["transaction_id"].tolist() == [0, 1]
    got = sorted(zip(test["tx_time_days"], test["customer_id"], strict=True))
    assert got == [(4, 3), (4, 4), (4, 5), (5, 4), (5, 5)]


def test_make_split_dates() -> None:
    split = make_split(dt.date(2018, 7, 25))
    assert (split.train_end, split.test_start, split.test_end) == (
        dt.date(2018, 8, 1),
        dt.date(2018, 8, 8),
        dt.date(2018, 8, 15),
    )
