"""The handbook's 15 model inputs (chapter 3.3), vectorised.

Customer features use pandas' time-based rolling semantics per customer: the window is
(t - w days, t], the current transaction is included and later transactions with the same
timestamp are not (ties follow the row order). Terminal features look at
(t - (delay + w), t - delay] so that only labels known after the delay are used; the risk is
frauds / transactions, 0 when the window holds no transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraudops_ml.contracts import model_features

SECONDS_PER_DAY = 86_400
WINDOWS_DAYS = (1, 7, 30)
DELAY_DAYS = 7

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def is_weekend(dt: pd.Series) -> pd.Series:
    """1 for Saturday or Sunday, else 0.

    Args:
        dt: datetimes.

    Returns:
        int64 series.
    """
    flags: pd.Series = (dt.dt.day_of_week >= 5).astype(np.int64)
    return flags


def is_night(dt: pd.Series) -> pd.Series:
    """1 for transactions with hour <= 6 (the book's night), else 0.

    Args:
        dt: datetimes.

    Returns:
        int64 series.
    """
    flags: pd.Series = (dt.dt.hour <= 6).astype(np.int64)
    return flags


def entity_time_order(
    entity: IntArray, seconds: IntArray, lookback_seconds: int
) -> tuple[IntArray, IntArray]:
    """Sort rows by (entity, time), ties kept in row order, and build a composite sort key.

    Args:
        entity: entity id per row (customer or terminal).
        seconds: time per row, in seconds.
        lookback_seconds: the longest window plus delay that will be searched.

    Returns:
        ``(order, key)``: row positions in (entity, time) order and the increasing key
        ``code * span + (seconds - min)`` of those rows, where ``span`` exceeds the time range
        plus the lookback so that no window reaches into another entity's range.
    """
    order = np.lexsort((seconds, entity)).astype(np.int64)  # stable: ties keep row order
    if len(order) == 0:
        return order, np.zeros(0, dtype=np.int64)
    codes = np.unique(entity[order], return_inverse=True)[1].astype(np.int64)
    first = int(seconds.min())
    span = int(seconds.max()) - first + lookback_seconds + 1
    key = codes * span + (seconds[order] - first)
    return order, key


def window_bounds(
    key: IntArray, window_seconds: int, delay_seconds: int
) -> tuple[IntArray, IntArray]:
    """Row ranges [lo, hi) of each sorted row's window.

    With no delay the window is (t - w, t] up to and including the row itself (pandas rolling);
    with a delay it is (t - delay - w, t - delay].

    Args:
        key: composite keys from ``entity_time_order`` (sorted).
        window_seconds: window length w.
        delay_seconds: delay; 0 for a window ending at the current row.

    Returns:
        ``(lo, hi)`` index arrays into the sorted rows.
    """
    if delay_seconds == 0:
        hi = np.arange(1, len(key) + 1, dtype=np.int64)
    else:
        hi = np.searchsorted(key, key - delay_seconds, side="right").astype(np.int64)
    lo = np.searchsorted(key, key - delay_seconds - window_seconds, side="right").astype(np.int64)
    return lo, np.maximum(hi, lo)


def window_sums(values: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    """Sum of sorted ``values[lo:hi]`` for every row, with one cumulative sum.

    Args:
        values: values in sorted order.
        lo: window starts.
        hi: window ends (exclusive).

    Returns:
        The sums.
    """
    cumulative = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    sums: FloatArray = cumulative[hi] - cumulative[lo]
    return sums


def amount_window_sums(amount: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    """Window sums of amounts, exact when every amount has at most 2 decimals.

    Summing integer cents avoids the rounding noise of a long floating-point cumulative sum.

    Args:
        amount: amounts in sorted order.
        lo: window starts.
        hi: window ends (exclusive).

    Returns:
        The sums.
    """
    cents = np.round(amount * 100)
    if not np.array_equal(cents / 100, amount):
        return window_sums(amount, lo, hi)
    cumulative = np.concatenate([[0], np.cumsum(cents.astype(np.int64))])
    sums: FloatArray = (cumulative[hi] - cumulative[lo]) / 100
    return sums


def counts_and_means(
    order: IntArray, count: IntArray, total: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Window counts and total/count (0 for an empty window), put back in the frame's row order.

    Args:
        order: the permutation that sorted the rows by (entity, time).
        count: rows in each window, in sorted order.
        total: sum over each window, in sorted order.

    Returns:
        (count, mean) aligned with the unsorted rows.
    """
    nb = np.empty(len(order), dtype=np.int64)
    mean = np.empty(len(order), dtype=np.float64)
    nb[order] = count
    mean[order] = np.divide(total, count, out=np.zeros(len(count)), where=count > 0)
    return nb, mean


def customer_spending_features(
    tx: pd.DataFrame, windows_days: Sequence[int] = WINDOWS_DAYS
) -> pd.DataFrame:
    """Number and average amount of each card's transactions in the last 1/7/30 days.

    Args:
        tx: transactions with customer_id, tx_time_seconds, tx_amount.
        windows_days: window lengths in days.

    Returns:
        Frame aligned with ``tx`` with customer_id_nb_tx_{w}day_window (int64) and
        customer_id_avg_amount_{w}day_window (float64).
    """
    seconds = tx["tx_time_seconds"].to_numpy(np.int64)
    lookback = max(windows_days, default=0) * SECONDS_PER_DAY
    order, key = entity_time_order(tx["customer_id"].to_numpy(np.int64), seconds, lookback)
    amount = tx["tx_amount"].to_numpy(np.float64)[order]
    out: dict[str, np.ndarray] = {}
    for w in windows_days:
        lo, hi = window_bounds(key, w * SECONDS_PER_DAY, 0)
        nb, avg = counts_and_means(order, hi - lo, amount_window_sums(amount, lo, hi))
        out[f"customer_id_nb_tx_{w}day_window"] = nb
        out[f"customer_id_avg_amount_{w}day_window"] = avg
    return pd.DataFrame(out, index=tx.index)


def terminal_risk_features(
    tx: pd.DataFrame, windows_days: Sequence[int] = WINDOWS_DAYS, delay_days: int = DELAY_DAYS
) -> pd.DataFrame:
    """Number of transactions and fraud share at each terminal, in windows ending a delay ago.

    Args:
        tx: transactions with terminal_id, tx_time_seconds, tx_fraud.
        windows_days: window lengths in days.
        delay_days: the delay before labels are known.

    Returns:
        Frame aligned with ``tx`` with terminal_id_nb_tx_{w}day_window (int64) and
        terminal_id_risk_{w}day_window (float64, 0 when the window is empty).
    """
    seconds = tx["tx_time_seconds"].to_numpy(np.int64)
    lookback = (max(windows_days, default=0) + delay_days) * SECONDS_PER_DAY
    order, key = entity_time_order(tx["terminal_id"].to_numpy(np.int64), seconds, lookback)
    fraud = tx["tx_fraud"].to_numpy(np.float64)[order]
    out: dict[str, np.ndarray] = {}
    for w in windows_days:
        lo, hi = window_bounds(key, w * SECONDS_PER_DAY, delay_days * SECONDS_PER_DAY)
        nb, risk = counts_and_means(order, hi - lo, window_sums(fraud, lo, hi))
        out[f"terminal_id_nb_tx_{w}day_window"] = nb
        out[f"terminal_id_risk_{w}day_window"] = risk
    return pd.DataFrame(out, index=tx.index)


def add_features(tx: pd.DataFrame) -> pd.DataFrame:
    """Add the 15 model inputs to a transactions frame.

    Args:
        tx: simulator output (course columns).

    Returns:
        A new frame: the course columns plus every feature named in the contract's
        ``x-model-features``.
    """
    out = tx.copy()
    out["tx_during_weekend"] = is_weekend(out["tx_datetime"])
    out["tx_during_night"] = is_night(out["tx_datetime"])
    out = pd.concat([out, customer_spending_features(out), terminal_risk_features(out)], axis=1)
    missing = [f for f in model_features() if f not in out.columns]
    if missing:
        raise ValueError(f"features missing from the frame: {missing}")
    return out


def feature_matrix(frame: pd.DataFrame, feature_order: Sequence[str]) -> npt.NDArray[np.float32]:
    """The model's float32 input tensor, columns in contract order.

    Args:
        frame: frame with feature columns.
        feature_order: column order (the contract's ``x-model-features``).

    Returns:
        A C-contiguous float32 array of shape (n, len(feature_order)).
    """
    return np.ascontiguousarray(frame[list(feature_order)].to_numpy(np.float32))
