"""The frozen baseline in shadow: the first champion scores every transaction the champion scored.

What the loop bought is measured against a model that was never retrained: the registry alias
``retraining.baselineAlias`` (set once, when the first champion was promoted, and never moved).
The baseline scores, off the serving path, exactly the rows of ``scored_transactions`` (the inputs
the serving model saw) and writes them to their own table, ``shadow_scored_transactions``, with its
own score, decision (at its card's threshold, as the replicas decide) and version. The quality
component then measures both on the same transactions and the same labels, labelled ``role``
``serving`` and ``shadow``.

Why from the lake rather than a second consumer of ``transactions``: the replicas' CPU is never
touched (an attack's flood is not scored twice), and the baseline sees the very rows that were
scored, not a re-read of the topic that could differ by what was dead-lettered or retried. It
scores the world's days only (those the quality cycle reads), a few seconds after they land.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.catalog import Catalog

from fraudops_ml.lake import schema, tables
from fraudops_ml.lake.settings import LakeSettings

KAFKA_COLUMNS = ("scored_at", "ingested_at", "kafka_partition", "kafka_offset")


@dataclass(frozen=True)
class Baseline:
    """The baseline model, ready to score.

    Attributes:
        version: its card's version (``model_version`` of its scores).
        registry_version: its MLflow version number.
        feature_order: the ONNX input's columns.
        threshold: flag when the probability is at or above it (the card's threshold).
        session: the ONNX Runtime session.
        input_name: the graph's input.
        output_name: the graph's probability output (column 1 is fraud).
    """

    version: str
    registry_version: str
    feature_order: tuple[str, ...]
    threshold: float
    session: Any
    input_name: str
    output_name: str

    def fraud_probability(self, x: np.ndarray) -> np.ndarray:
        """Args: x: float32 [N, len(feature_order)]. Returns: float32 probabilities of fraud."""
        (probabilities,) = self.session.run([self.output_name], {self.input_name: x})
        return np.asarray(probabilities)[:, 1]


def baseline_from_dir(model_dir: Path, registry_version: str) -> Baseline:
    """Args: model_dir: model.json and model.onnx; registry_version: its number. Returns: it."""
    card = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # one core of two: never starve the replicas
    session = ort.InferenceSession(
        str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )
    return Baseline(
        version=str(card["version"]),
        registry_version=registry_version,
        feature_order=tuple(card["feature_order"]),
        threshold=float(card["threshold"]["value"]),
        session=session,
        input_name=str(card["artifact"]["input_name"]),
        output_name=str(card["artifact"]["probability_output"]),
    )


def load_baseline(tracking_uri: str, model_name: str, alias: str) -> Baseline | None:
    """Args: tracking_uri: MLflow; model_name: model; alias: the baseline's. Returns: it or None."""
    from fraudops_ml.retraining import tracking  # mlflow is slow to import: only when needed

    version = tracking.alias_version(tracking.client(tracking_uri), model_name, alias)
    if version is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        tracking.download_model(tracking_uri, version, Path(tmp))
        return baseline_from_dir(Path(tmp), str(version.version))


def shadow_batch(scored: pa.Table, baseline: Baseline, now: dt.datetime) -> pa.Table:
    """The baseline's rows for scored rows (pure but for ONNX).

    Args:
        scored: rows of scored_transactions (contract columns and tx_date).
        baseline: the model.
        now: the batch's wall-clock time.

    Returns:
        The same rows with the baseline's fraud_probability, is_fraud, model_version and
        registry_version, and ``ingested_at``.
    """
    x = np.column_stack(
        [scored.column(name).to_numpy().astype(np.float32) for name in baseline.feature_order]
    ).astype(np.float32)
    probability = baseline.fraud_probability(x).astype(np.float64)
    rows = scored.num_rows
    replaced = {
        "fraud_probability": pa.array(probability, pa.float64()),
        "is_fraud": pa.array(probability >= baseline.threshold, pa.bool_()),
        "model_version": pa.array([baseline.version] * rows, pa.string()),
        "registry_version": pa.array([baseline.registry_version] * rows, pa.string()),
    }
    for name, column in replaced.items():
        scored = scored.set_column(scored.schema.get_field_index(name), name, column)
    return scored.append_column("ingested_at", pa.array([now] * rows, pa.timestamp("us", "UTC")))


def score_days(
    catalog: Catalog,
    settings: LakeSettings,
    baseline: Baseline,
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
) -> int:
    """Score the rows of [first, last] that the shadow table does not hold yet.

    Args:
        catalog: the lake.
        settings: lake settings.
        baseline: the model.
        first: first day.
        last: last day (included).
        now: wall-clock time of the batch.

    Returns:
        Rows written.
    """
    scored_table = catalog.load_table(tables.identifier(settings, schema.SCORED_TRANSACTIONS))
    shadow_table = catalog.load_table(
        tables.identifier(settings, schema.SHADOW_SCORED_TRANSACTIONS)
    )
    days = tables.day_range([first, last])
    done = shadow_table.scan(row_filter=days, selected_fields=("transaction_id",)).to_arrow()
    columns = [f.name for f in scored_table.schema().fields if f.name not in KAFKA_COLUMNS]
    scored = scored_table.scan(row_filter=days, selected_fields=tuple(columns)).to_arrow()
    if done.num_rows:
        seen = done.column("transaction_id").combine_chunks()
        scored = scored.filter(pc.invert(pc.is_in(scored.column("transaction_id"), value_set=seen)))
    if scored.num_rows == 0:
        return 0
    target = shadow_table.schema().as_arrow()
    batch = shadow_batch(scored, baseline, now).select(target.names).cast(target)
    shadow_table.append(batch)
    return int(batch.num_rows)
