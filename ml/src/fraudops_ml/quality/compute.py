"""From the rows of a span of days to the figures exported: pure, so a test can feed it frames.

The join of scores and labels is here (``join``): the lake holds both, each de-duplicated by
transaction_id, so a left join of the span's scores with the labels known at the watermark
counts every transaction once, however often Kafka delivered it or the component restarted.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fraudops_ml.quality import drift, kpis
from fraudops_ml.quality.window import Span

SCORE_INPUT = "score"  # the drift metrics' name for the model's output among its inputs
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Card:
    """What the quality component needs of a model card.

    Attributes:
        version: the card's version (``model_version`` of the scores).
        test_metrics: the card's test-week metrics (the levels the alert compares with).
        reference: binned reference per input name and ``SCORE_INPUT``; empty for older cards.
    """

    version: str
    test_metrics: Mapping[str, float]
    reference: Mapping[str, drift.Reference]

    @staticmethod
    def from_json(card: Mapping[str, object]) -> Card:
        """Args: card: a model.json. Returns: its quality-relevant parts."""
        ref = card.get("reference")
        reference: dict[str, drift.Reference] = {}
        if isinstance(ref, dict):
            reference = {k: drift.Reference.from_json(v) for k, v in ref["inputs"].items()}
            reference[SCORE_INPUT] = drift.Reference.from_json(ref["score"])
        metrics = card["metrics"]
        assert isinstance(metrics, dict)
        return Card(str(card["version"]), dict(metrics["test"]), reference)


@dataclass
class Figures:
    """Everything one cycle exports.

    Attributes:
        days: KPIs of final days by (day, model version).
        average_precision: AP over the kept final days, by model version.
        coverage: per day of the span, (scored transactions, labelled transactions).
        drift: per (model version, input), the window's drift.
        drift_rows: rows in each version's drift window.
        watermark: the labels' watermark the span was cut at.
    """

    days: dict[tuple[dt.date, str], kpis.DayKpis] = field(default_factory=dict)
    average_precision: dict[str, float] = field(default_factory=dict)
    coverage: dict[dt.date, tuple[int, int]] = field(default_factory=dict)
    drift: dict[tuple[str, str], drift.Drift] = field(default_factory=dict)
    drift_rows: dict[str, int] = field(default_factory=dict)
    watermark: dt.datetime | None = None


def join(scores: pd.DataFrame, labels: pd.DataFrame, watermark: dt.datetime) -> pd.DataFrame:
    """Scores with their label when it was known before the watermark (else tx_fraud NaN).

    Args:
        scores: scored rows (transaction_id, tx_date, customer_id, ...).
        labels: label rows (transaction_id, tx_fraud, known_at).
        watermark: labels known at or after it are ignored (not all of that instant has landed).

    Returns:
        One row per scored transaction, with ``tx_fraud`` and ``known_at``.
    """
    known = labels.loc[labels["known_at"] < watermark, ["transaction_id", "tx_fraud", "known_at"]]
    return scores.merge(known, on="transaction_id", how="left", validate="one_to_one")


def known_compromised(joined: pd.DataFrame, day: dt.date, lookback_days: int) -> set[int]:
    """Cards whose fraud in the ``lookback_days`` before ``day`` was known when the day began.

    Args:
        joined: the span's rows (with tx_fraud and known_at).
        day: the day.
        lookback_days: how far back a known fraud removes its card (the feedback delay).

    Returns:
        The cards' ids.
    """
    start = dt.datetime.combine(day, dt.time())
    recent = joined["tx_date"].between(day - lookback_days * DAY, day - DAY)
    hit = joined[recent & (joined["tx_fraud"] == 1) & (joined["known_at"] < start)]
    return set(hit["customer_id"].astype(np.int64).tolist())


def final_day_figures(
    joined: pd.DataFrame, span: Span, lookback_days: int
) -> dict[tuple[dt.date, str], kpis.DayKpis]:
    """KPIs per final day and version.

    Args:
        joined: the span's rows, from ``lookback_days`` before its first day.
        span: the days.
        lookback_days: see ``known_compromised``.

    Returns:
        The figures by (day, model version).
    """
    found: dict[tuple[dt.date, str], kpis.DayKpis] = {}
    labelled = joined[joined["tx_fraud"].notna()]
    for day in span.final:
        compromised = known_compromised(joined, day, lookback_days)
        for version, rows in labelled[labelled["tx_date"] == day].groupby("model_version"):
            found[(day, str(version))] = kpis.day_kpis(rows, compromised)
    return found


def average_precision(joined: pd.DataFrame, span: Span) -> dict[str, float]:
    """Args: joined: the span's rows; span: the days. Returns: AP over final days, by version."""
    final = joined[joined["tx_date"].isin(span.final) & joined["tx_fraud"].notna()]
    return {
        str(version): kpis.average_precision(
            rows["tx_fraud"].to_numpy(dtype=np.int64), rows["fraud_probability"].to_numpy()
        )
        for version, rows in final.groupby("model_version")
    }


def coverage(joined: pd.DataFrame, span: Span) -> dict[dt.date, tuple[int, int]]:
    """Args: joined: the span's rows; span: the days. Returns: (scored, labelled) per day."""
    scored = joined.groupby("tx_date").size().to_dict()
    labelled = joined[joined["tx_fraud"].notna()].groupby("tx_date").size().to_dict()
    return {day: (int(scored.get(day, 0)), int(labelled.get(day, 0))) for day in span.days}


def drift_window(
    scores: pd.DataFrame, hours: float, inputs: Sequence[str]
) -> dict[str, pd.DataFrame]:
    """The newest ``hours`` of simulated time of each version's scores.

    Args:
        scores: scored rows with tx_datetime, model_version, the inputs and fraud_probability.
        hours: window length.
        inputs: the input columns.

    Returns:
        Per version, its rows in (newest - hours, newest].
    """
    if scores.empty:
        return {}
    newest = scores["tx_datetime"].max()
    recent = scores[scores["tx_datetime"] > newest - pd.Timedelta(hours=hours)]
    columns = [*inputs, "fraud_probability"]
    return {str(v): rows.loc[:, columns] for v, rows in recent.groupby("model_version")}


def drift_figures(
    windows: Mapping[str, pd.DataFrame], cards: Mapping[str, Card], min_rows: int
) -> dict[tuple[str, str], drift.Drift]:
    """Args: windows: per version; cards: by version; min_rows: smallest window measured.

    Returns:
        Drift per (version, input) for versions whose card has a reference.
    """
    found: dict[tuple[str, str], drift.Drift] = {}
    for version, rows in windows.items():
        card = cards.get(version)
        if card is None or not card.reference or len(rows) < min_rows:
            continue
        for name, reference in card.reference.items():
            column = "fraud_probability" if name == SCORE_INPUT else name
            found[(version, name)] = drift.drift(reference, rows[column].to_numpy())
    return found


def is_number(value: float) -> bool:
    """Args: value: a figure. Returns: whether it is exported (NaN means undefined that day)."""
    return not math.isnan(value)
