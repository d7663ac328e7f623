"""The handbook's evaluation protocol (chapters 3.4 and 4).

Train/test split with a delay, removal of known-compromised cards, AUC ROC, Average Precision and
Card Precision@k.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score


@dataclass(frozen=True)
class Metrics:
    """Detection metrics on one evaluation window (metrics.schema.json)."""

    auc_roc: float
    average_precision: float
    card_precision_at_100: float

    def to_dict(self) -> dict[str, float]:
        """Returns: the metrics as a JSON-ready dict."""
        return {k: float(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Split:
    """One train/test split of the protocol; windows are half-open date ranges [start, end).

    Attributes:
        train_start: first training day.
        train_end: day after the last training day.
        test_start: first test day (train_end + delay).
        test_end: day after the last test day.
    """

    train_start: dt.date
    train_end: dt.date
    test_start: dt.date
    test_end: dt.date


def make_split(
    train_start: dt.date, delta_train: int = 7, delta_delay: int = 7, delta_test: int = 7
) -> Split:
    """Dates of the book's split.

    Args:
        train_start: first training day.
        delta_train: training days.
        delta_delay: days between training and test (labels not yet known).
        delta_test: test days.

    Returns:
        The split's windows.
    """
    train_end = train_start + dt.timedelta(days=delta_train)
    test_start = train_end + dt.timedelta(days=delta_delay)
    return Split(train_start, train_end, test_start, test_start + dt.timedelta(days=delta_test))


def get_train_test_set(
    tx: pd.DataFrame,
    train_start: dt.date,
    delta_train: int = 7,
    delta_delay: int = 7,
    delta_test: int = 7,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The book's ``get_train_test_set``.

    Training set: transactions in [train_start, train_start + delta_train). Test set: the
    delta_test days after the delay, where each test day drops the cards known to be compromised
    by then: frauds of the training period plus frauds of the delay period up to the day
    ``delta_delay + 1`` days before the test day.

    Args:
        tx: transactions with tx_datetime, tx_time_days, customer_id, tx_fraud, transaction_id.
        train_start: first training day.
        delta_train: training days.
        delta_delay: delay days.
        delta_test: test days.

    Returns:
        ``(train, test)`` sorted by transaction_id.
    """
    start = pd.Timestamp(train_start)
    in_train = (tx["tx_datetime"] >= start) & (
        tx["tx_datetime"] < start + pd.Timedelta(days=delta_train)
    )
    train = tx[in_train]
    if train.empty:
        raise ValueError(f"no transactions in the training window starting {train_start}")
    known = set(train.loc[train["tx_fraud"] == 1, "customer_id"].tolist())
    first_day = int(train["tx_time_days"].min())
    days = tx["tx_time_days"]
    parts = []
    for day in range(delta_test):
        test_day = tx[days == first_day + delta_train + delta_delay + day]
        delay_day = tx[days == first_day + delta_train + day - 1]
        known |= set(delay_day.loc[delay_day["tx_fraud"] == 1, "customer_id"].tolist())
        parts.append(test_day[~test_day["customer_id"].isin(known)])
    test = pd.concat(parts)
    return train.sort_values("transaction_id"), test.sort_values("transaction_id")


def card_precision_top_k_day(day: pd.DataFrame, top_k: int) -> tuple[list[int], float]:
    """Card precision@k of one day.

    Args:
        day: rows with customer_id, prediction, tx_fraud.
        top_k: number of cards an investigator can check.

    Returns:
        ``(detected, precision)``: compromised cards among the top k and their share of k.
    """
    cards = day.groupby("customer_id")[["prediction", "tx_fraud"]].max().reset_index()
    cards = cards.sort_values("prediction", ascending=False, kind="stable").head(top_k)
    detected = cards.loc[cards["tx_fraud"] == 1, "customer_id"].astype(int).tolist()
    return detected, len(detected) / top_k


def card_precision_top_k(
    predictions: pd.DataFrame, top_k: int, remove_detected_compromised_cards: bool = True
) -> tuple[list[float], float]:
    """The book's Card Precision@k.

    The mean over days of the daily card precision@k, where cards detected on earlier days are
    removed from later days.

    Args:
        predictions: rows with tx_time_days, customer_id, prediction, tx_fraud.
        top_k: cards checked per day.
        remove_detected_compromised_cards: drop cards already detected on earlier days.

    Returns:
        ``(per_day, mean)``.
    """
    detected: set[int] = set()
    per_day: list[float] = []
    for _, day in predictions.groupby("tx_time_days", sort=True):
        remaining = day[~day["customer_id"].isin(detected)]
        found, precision = card_precision_top_k_day(remaining, top_k)
        per_day.append(precision)
        if remove_detected_compromised_cards:
            detected.update(found)
    return per_day, float(np.mean(per_day)) if per_day else 0.0


def performance_metrics(
    frame: pd.DataFrame, prediction: npt.ArrayLike, top_k: int = 100
) -> Metrics:
    """AUC ROC, Average Precision and Card Precision@k of predictions on a test frame.

    Args:
        frame: rows with tx_fraud, customer_id, tx_time_days.
        prediction: fraud scores aligned with ``frame``.
        top_k: k of the card precision.

    Returns:
        The metrics.
    """
    scores = np.asarray(prediction, dtype=np.float64)
    labels = frame["tx_fraud"].to_numpy()
    predictions = pd.DataFrame(
        {
            "tx_time_days": frame["tx_time_days"].to_numpy(),
            "customer_id": frame["customer_id"].to_numpy(),
            "tx_fraud": labels,
            "prediction": scores,
        }
    )
    _, card_precision = card_precision_top_k(predictions, top_k)
    return Metrics(
        auc_roc=float(roc_auc_score(labels, scores)),
        average_precision=float(average_precision_score(labels, scores)),
        card_precision_at_100=card_precision,
    )


def best_f1_threshold(labels: npt.ArrayLike, scores: npt.ArrayLike) -> tuple[float, float]:
    """Threshold maximising F1 when flagging ``score >= threshold``.

    Args:
        labels: 0/1 labels.
        scores: fraud scores.

    Returns:
        ``(threshold, f1)``.
    """
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    precision, recall = precision[:-1], recall[:-1]
    denominator = precision + recall
    f1 = np.divide(
        2 * precision * recall, denominator, out=np.zeros_like(denominator), where=denominator > 0
    )
    best = int(np.argmax(f1))
    return float(thresholds[best]), float(f1[best])
