"""Detection quality of one simulated day of one model version, against the labels known.

Only labelled rows count; a day's figures are final once every label of the day is known
(``window.span``). Card Precision@100 is the handbook's daily measure: the share of
compromised cards among the 100 cards with the highest score of the day, after removing cards
whose fraud in the feedback delay's days before was already known when the day began (an
investigator does not check a card that is blocked; ``compute.known_compromised``). Money: the
amount of frauds flagged (caught) and not flagged (missed), and of genuine transactions flagged
(the customers' friction). The flag is the serving decision ``is_fraud``, made at the model
card's threshold, not recomputed.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

TOP_K = 100
# The joined frame's columns these functions read.
COLUMNS = ("customer_id", "tx_amount", "fraud_probability", "is_fraud", "tx_fraud")


@dataclass(frozen=True)
class DayKpis:
    """One day of one version.

    Attributes:
        transactions: labelled transactions.
        frauds: of which frauds.
        card_precision_at_100: compromised cards among the day's top 100 (known ones removed).
        precision: frauds among flagged transactions (NaN when nothing was flagged).
        recall: flagged among frauds (NaN when there was no fraud).
        auc_roc: ROC AUC of the score (NaN when the day has one class only).
        fraud_amount_caught: amount of flagged frauds.
        fraud_amount_missed: amount of frauds not flagged.
        genuine_amount_flagged: amount of genuine transactions flagged.
    """

    transactions: int
    frauds: int
    card_precision_at_100: float
    precision: float
    recall: float
    auc_roc: float
    fraud_amount_caught: float
    fraud_amount_missed: float
    genuine_amount_flagged: float

    def as_dict(self) -> dict[str, float]:
        """Returns: the fields by name (counts as floats)."""
        return {k: float(v) for k, v in asdict(self).items()}


def card_precision(day: pd.DataFrame, known_compromised: Collection[int], top_k: int) -> float:
    """Args: day: labelled rows; known_compromised: cards to skip; top_k: k. Returns: CP@k."""
    remaining = day[~day["customer_id"].isin(list(known_compromised))]
    cards = remaining.groupby("customer_id")[["fraud_probability", "tx_fraud"]].max()
    top = cards.sort_values("fraud_probability", ascending=False, kind="stable").head(top_k)
    return float((top["tx_fraud"] == 1).sum()) / top_k


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def auc_roc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Args: labels: 0/1; scores: scores. Returns: ROC AUC, NaN with one class only."""
    return float(roc_auc_score(labels, scores)) if len(np.unique(labels)) == 2 else math.nan


def average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Args: labels: 0/1; scores: scores. Returns: Average Precision, NaN without a fraud."""
    return float(average_precision_score(labels, scores)) if labels.sum() > 0 else math.nan


def day_kpis(day: pd.DataFrame, known_compromised: Collection[int], top_k: int = TOP_K) -> DayKpis:
    """The quality of one day of one version.

    Args:
        day: labelled rows (``COLUMNS``; ``tx_fraud`` 0/1, ``is_fraud`` the serving decision).
        known_compromised: cards with a fraud known before the day began.
        top_k: cards an investigator checks per day.

    Returns:
        The day's figures.
    """
    fraud = day["tx_fraud"].to_numpy(dtype=np.int64) == 1
    flagged = day["is_fraud"].to_numpy(dtype=bool)
    amount = day["tx_amount"].to_numpy(dtype=np.float64)
    scores = day["fraud_probability"].to_numpy(dtype=np.float64)
    return DayKpis(
        transactions=len(day),
        frauds=int(fraud.sum()),
        card_precision_at_100=card_precision(day, known_compromised, top_k),
        precision=_ratio(float((fraud & flagged).sum()), float(flagged.sum())),
        recall=_ratio(float((fraud & flagged).sum()), float(fraud.sum())),
        auc_roc=auc_roc(fraud.astype(np.int64), scores),
        fraud_amount_caught=float(amount[fraud & flagged].sum()),
        fraud_amount_missed=float(amount[fraud & ~flagged].sum()),
        genuine_amount_flagged=float(amount[~fraud & flagged].sum()),
    )
