"""``quality-check``: the live figures recomputed offline from the lake, by other code.

The live component (``service``) and this check read the same tables cut at the same labels'
watermark, and must agree to 1e-9 (the stack's end-to-end test compares them). This side shares
none of the live code's computations: it reads the tables whole, filters in pandas, takes the
handbook's daily card precision from ``evaluate`` (the code the model card's figures come from),
scikit-learn's precision, recall, ROC AUC and Average Precision, and bins with ``pandas.cut``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from pyiceberg.catalog import Catalog
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import (
    average_precision_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from fraudops_ml.evaluate import card_precision_top_k_day
from fraudops_ml.lake import schema, tables
from fraudops_ml.quality.compute import Card
from fraudops_ml.quality.settings import QualitySettings

Sample = dict[str, Any]  # {"name", "labels", "value"}
# Each role's table (the same as the live component's: which rows are whose is not recomputed).
ROLES = {"serving": schema.SCORED_TRANSACTIONS, "shadow": schema.SHADOW_SCORED_TRANSACTIONS}


def _read(catalog: Catalog, settings: QualitySettings, spec: schema.TableSpec) -> pd.DataFrame:
    table = catalog.load_table(tables.identifier(settings.lake, spec))
    return table.scan().to_pandas()


def final_days(watermark: dt.datetime, delay_days: float, keep: int) -> list[dt.date]:
    """Args: watermark; delay_days; keep: how many. Returns: the newest final days, oldest first."""
    day = watermark.date()
    found: list[dt.date] = []
    while len(found) < keep:
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
        if end + dt.timedelta(days=delay_days) <= watermark:
            found.append(day)
        day -= dt.timedelta(days=1)
    return found[::-1]


def _sample(name: str, labels: dict[str, str], value: float) -> Sample:
    return {"name": name, "labels": labels, "value": value}


def _day_samples(
    day: dt.date, version: str, role: str, rows: pd.DataFrame, known: set[int]
) -> Iterator[Sample]:
    labels = {"model_version": version, "role": role, "day": day.isoformat()}
    y = rows["tx_fraud"].astype(int).to_numpy()
    flagged = rows["is_fraud"].astype(bool).to_numpy()
    scores = rows["fraud_probability"].to_numpy()
    amount = rows["tx_amount"].to_numpy()
    day_frame = rows.rename(columns={"fraud_probability": "prediction"})
    day_frame = day_frame[~day_frame["customer_id"].isin(known)]
    values = {
        "card_precision_at_100": card_precision_top_k_day(day_frame, 100)[1],
        "precision": precision_score(y, flagged, zero_division=np.nan),
        "recall": recall_score(y, flagged, zero_division=np.nan),
        "auc_roc": roc_auc_score(y, scores) if len(set(y)) == 2 else math.nan,
        "fraud_amount_caught": amount[(y == 1) & flagged].sum(),
        "fraud_amount_missed": amount[(y == 1) & ~flagged].sum(),
        "genuine_amount_flagged": amount[(y == 0) & flagged].sum(),
        "labelled_transactions": len(rows),
        "frauds": y.sum(),
    }
    for name, value in values.items():
        if not math.isnan(float(value)):
            yield _sample(f"fraudops_quality_{name}", labels, float(value))


def _shares(values: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    bins = pd.cut(values, [-np.inf, *edges, np.inf], right=True, labels=False)
    counts = np.bincount(np.asarray(bins, dtype=np.int64), minlength=len(edges) + 1)
    found: np.ndarray = counts / counts.sum()
    return found


def _drift_samples(
    recent: pd.DataFrame, card: Card, version: str, role: str, min_rows: int
) -> Iterator[Sample]:
    yield _sample(
        "fraudops_drift_window_transactions", {"model_version": version, "role": role}, len(recent)
    )
    if len(recent) < min_rows:  # also a version without a card (no reference)
        return
    for name, reference in card.reference.items():
        column = "fraud_probability" if name == "score" else name
        actual = _shares(recent[column].to_numpy(dtype=np.float64), reference.edges)
        expected = np.asarray(reference.proportions)
        e, a = np.clip(expected, 1e-4, None), np.clip(actual, 1e-4, None)
        labels = {"model_version": version, "role": role, "input": name}
        yield _sample("fraudops_drift_psi", labels, float(((a - e) * np.log(a / e)).sum()))
        yield _sample(
            "fraudops_drift_js_distance", labels, float(jensenshannon(expected, actual, base=2))
        )


def recompute(
    catalog: Catalog, settings: QualitySettings, watermark: dt.datetime, cards: dict[str, Card]
) -> list[Sample]:
    """Every figure the live component exports for this watermark, recomputed.

    Args:
        catalog: the lake.
        settings: quality settings.
        watermark: the live component's labels' watermark.
        cards: model cards by version (for drift).

    Returns:
        Samples ``{"name", "labels", "value"}``.
    """
    labels = _read(catalog, settings, schema.LABELS)
    labels = labels[labels["known_at"].astype("datetime64[ns]") < pd.Timestamp(watermark)]
    samples: list[Sample] = []
    for role, spec in ROLES.items():
        frame = _read(catalog, settings, spec).merge(
            labels[["transaction_id", "tx_fraud", "known_at"]], "left", "transaction_id"
        )
        frame["known_at"] = frame["known_at"].astype("datetime64[ns]")
        samples += _role_samples(frame, role, settings, watermark, cards)
        if role == "serving":
            samples += _coverage_samples(frame, settings, watermark)
    return samples


def _role_samples(
    frame: pd.DataFrame,
    role: str,
    settings: QualitySettings,
    watermark: dt.datetime,
    cards: dict[str, Card],
) -> list[Sample]:
    lookback = math.ceil(settings.feedback_delay_days)
    days = final_days(watermark, settings.feedback_delay_days, settings.final_days)
    samples: list[Sample] = []
    for day in days:
        before = frame[
            (frame["tx_date"] >= day - dt.timedelta(days=lookback))
            & (frame["tx_date"] < day)
            & (frame["tx_fraud"] == 1)
            & (frame["known_at"] < pd.Timestamp(day))
        ]
        known = set(before["customer_id"].astype(int))
        today = frame[(frame["tx_date"] == day) & frame["tx_fraud"].notna()]
        for version, rows in today.groupby("model_version"):
            samples.extend(_day_samples(day, str(version), role, rows, known))
    kept = frame[frame["tx_date"].isin(days) & frame["tx_fraud"].notna()]
    for version, rows in kept.groupby("model_version"):
        y = rows["tx_fraud"].astype(int)
        if y.sum() > 0:
            samples.append(
                _sample(
                    "fraudops_quality_average_precision",
                    {"model_version": str(version), "role": role},
                    float(average_precision_score(y, rows["fraud_probability"])),
                )
            )
    world = frame[frame["tx_date"] <= watermark.date() + dt.timedelta(days=1)]
    if len(world):
        newest = world["tx_datetime"].astype("datetime64[ns]").max()
        hours = pd.Timedelta(hours=settings.drift_window_hours)
        recent = world[world["tx_datetime"].astype("datetime64[ns]") > newest - hours]
        for version, rows in recent.groupby("model_version"):
            card = cards.get(str(version)) or Card(str(version), {}, {})
            samples.extend(
                _drift_samples(rows, card, str(version), role, settings.drift_min_transactions)
            )
    return samples


def _coverage_samples(
    frame: pd.DataFrame, settings: QualitySettings, watermark: dt.datetime
) -> list[Sample]:
    samples: list[Sample] = []
    day = final_days(watermark, settings.feedback_delay_days, settings.final_days)[0]
    while day <= watermark.date():
        rows = frame[frame["tx_date"] == day]
        samples.append(
            _sample("fraudops_quality_scored_transactions", {"day": day.isoformat()}, len(rows))
        )
        if len(rows):
            coverage = rows["tx_fraud"].notna().mean()
            samples.append(
                _sample("fraudops_quality_label_coverage", {"day": day.isoformat()}, coverage)
            )
        day += dt.timedelta(days=1)
    return samples
