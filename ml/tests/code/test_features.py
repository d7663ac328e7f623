"""Feature values on small hand-computed examples, and against pandas rolling as an oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fraudops_ml.features import (
    add_features,
    customer_spending_features,
    is_night,
    is_weekend,
    terminal_risk_features,
)

DAY = 86_400
START = pd.Timestamp("2018-04-01")  # a Sunday


def frame(rows: list[tuple[int, int, int, float, int]]) -> pd.DataFrame:
    """Rows of (customer_id, terminal_id, tx_time_seconds, tx_amount, tx_fraud)."""
    df = pd.DataFrame(
        rows, columns=["customer_id", "terminal_id", "tx_time_seconds", "tx_amount", "tx_fraud"]
    )
    df["tx_datetime"] = START + pd.to_timedelta(df["tx_time_seconds"], unit="s")
    df["tx_time_days"] = df["tx_time_seconds"] // DAY
    df["transaction_id"] = np.arange(len(df))
    df["tx_fraud_scenario"] = df["tx_fraud"]
    return df


def test_weekend_and_night_flags() -> None:
    dt = pd.Series(
        pd.to_datetime(
            [
                "2018-04-01 06:59:59",  # Sunday, night
                "2018-04-02 07:00:00",  # Monday, day
                "2018-04-07 12:00:00",  # Saturday, day
                "2018-04-06 00:00:00",  # Friday, night
            ]
        )
    )
    assert is_weekend(dt).tolist() == [1, 0, 1, 0]
    assert is_night(dt).tolist() == [1, 0, 0, 1]


def test_customer_window_edges_and_ties() -> None:
    # customer 1: t=0 (10), t=DAY-1 (20), t=DAY (30), t=DAY (60, same second), t=8*DAY (5)
    # customer 2 interleaved must not leak into customer 1.
    df = frame(
        [
            (1, 0, 0, 10.0, 0),
            (2, 0, 10, 1000.0, 0),
            (1, 0, DAY - 1, 20.0, 0),
            (1, 0, DAY, 30.0, 0),
            (1, 0, DAY, 60.0, 0),
            (1, 0, 8 * DAY, 5.0, 0),
        ]
    )
    f = customer_spending_features(df)
    assert f["customer_id_nb_tx_1day_window"].tolist() == [1, 1, 2, 2, 3, 1]
    # (DAY - 1 day, DAY] excludes t=0; ties: the first row at t=DAY does not see the second.
    assert f["customer_id_avg_amount_1day_window"].tolist() == pytest.approx(
        [10, 1000, 15, 25, (20 + 30 + 60) / 3, 5]
    )
    assert f["customer_id_nb_tx_7day_window"].tolist() == [1, 1, 2, 3, 4, 1]
    # 30-day window at 8*DAY holds everything of customer 1.
    assert f["customer_id_nb_tx_30day_window"].tolist()[-1] == 5
    assert f["customer_id_avg_amount_30day_window"].tolist()[-1] == pytest.approx(125 / 5)


def test_terminal_delay_window_edges_and_zero_risk() -> None:
    df = frame(
        [
            (1, 9, 0, 10.0, 1),  # fraud at terminal 9
            (2, 9, DAY, 10.0, 0),  # genuine, one day later
            (3, 9, 7 * DAY, 10.0, 0),  # window (-1d, 0d]: holds t=0
            (4, 9, 8 * DAY, 10.0, 0),  # window (0, 1d]: holds t=DAY only
            (5, 9, 8 * DAY + 1, 10.0, 0),  # window (1s, 1d+1s]: holds t=DAY
            (6, 9, 9 * DAY + 1, 10.0, 0),  # window (1d+1s, 2d+1s]: empty -> risk 0
            (7, 4, 7 * DAY, 10.0, 0),  # other terminal: nothing before
        ]
    )
    f = terminal_risk_features(df)
    assert f["terminal_id_nb_tx_1day_window"].tolist() == [0, 0, 1, 1, 1, 0, 0]
    assert f["terminal_id_risk_1day_window"].tolist() == [0, 0, 1.0, 0, 0, 0, 0]
    # 7-day window (t-14d, t-7d]: at 8*DAY holds t=0 and t=DAY -> risk 1/2.
    assert f["terminal_id_nb_tx_7day_window"].tolist() == [0, 0, 1, 2, 2, 2, 0]
    assert f["terminal_id_risk_7day_window"].tolist() == pytest.approx([0, 0, 1, 0.5, 0.5, 0.5, 0])
    # the current transaction and anything inside the delay never count
    assert f["terminal_id_nb_tx_30day_window"].tolist() == [0, 0, 1, 2, 2, 2, 0]


def rolling_reference(df: pd.DataFrame) -> pd.DataFrame:
    """The handbook's pandas implementation, per entity with time-based rolling windows."""
    out = []
    for _, g in df.groupby("customer_id", sort=False):
        g = g.set_index("tx_datetime")
        r = pd.DataFrame({"transaction_id": g["transaction_id"].to_numpy()})
        for w in (1, 7, 30):
            r[f"customer_id_nb_tx_{w}day_window"] = (
                g["tx_amount"].rolling(f"{w}D").count().to_numpy()
            )
            r[f"customer_id_avg_amount_{w}day_window"] = (
                g["tx_amount"].rolling(f"{w}D").mean().to_numpy()
            )
        out.append(r)
    cust = pd.concat(out)
    out = []
    for _, g in df.groupby("terminal_id", sort=False):
        g = g.set_index("tx_datetime")
        r = pd.DataFrame({"transaction_id": g["transaction_id"].to_numpy()})
        fraud_delay = g["tx_fraud"].rolling("7D").sum()
        count_delay = g["tx_fraud"].rolling("7D").count()
        for w in (1, 7, 30):
            frauds = g["tx_fraud"].rolling(f"{7 + w}D").sum() - fraud_delay
            count = g["tx_fraud"].rolling(f"{7 + w}D").count() - count_delay
            r[f"terminal_id_nb_tx_{w}day_window"] = count.to_numpy()
            r[f"terminal_id_risk_{w}day_window"] = (frauds / count).fillna(0).to_numpy()
        out.append(r)
    term = pd.concat(out)
    return cust.merge(term, on="transaction_id").set_index("transaction_id").sort_index()


@pytest.mark.parametrize("cents", [True, False], ids=["2-decimal amounts", "any amounts"])
def test_matches_pandas_rolling_on_random_data(cents: bool, feature_order: list[str]) -> None:
    rng = np.random.default_rng(3)
    n = 3000
    seconds = np.sort(rng.integers(0, 60 * DAY, n))
    seconds[100:110] = seconds[100]  # ties
    amounts = rng.uniform(0, 200, n)
    df = frame(
        list(
            zip(
                rng.integers(0, 30, n).tolist(),
                rng.integers(0, 20, n).tolist(),
                seconds.tolist(),
                (np.round(amounts, 2) if cents else amounts).tolist(),
                (rng.random(n) < 0.1).astype(int).tolist(),
                strict=True,
            )
        )
    )
    ours = add_features(df).set_index("transaction_id").sort_index()
    reference = rolling_reference(df)
    for column in reference.columns:
        np.testing.assert_allclose(ours[column], reference[column], rtol=1e-9, err_msg=column)
    assert set(feature_order) <= set(ours.columns)
