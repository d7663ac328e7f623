"""Scoring exported models (``model.onnx`` + ``model.json``) the way the scoring service does.

The candidate and the champion are both judged through this path: ONNX Runtime on the card's
``feature_order`` columns, so that neither gets the Python model's float64 advantage.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import auc, precision_recall_curve, roc_curve

from fraudops_ml import export
from fraudops_ml.evaluate import Metrics, performance_metrics
from fraudops_ml.features import feature_matrix


def onnx_scores(model_dir: Path, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Fraud probabilities of an exported model on ``frame``'s rows.

    Args:
        model_dir: a directory with ``model.json`` and ``model.onnx`` (checked against the card).
        frame: rows with every column of the card's ``feature_order``.

    Returns:
        The ``probabilities`` output's fraud column, as float64.

    Raises:
        ValueError: when ``frame`` lacks a column the model needs.
    """
    card = export.load_card(model_dir)
    order = list(export.feature_order_of(card))
    missing = [c for c in order if c not in frame.columns]
    if missing:
        raise ValueError(f"{model_dir}/model.json needs columns the data lacks: {missing}")
    model_bytes = (model_dir / card["artifact"]["file"]).read_bytes()
    probabilities = export.onnx_probabilities(model_bytes, feature_matrix(frame, order))
    return np.asarray(probabilities[:, 1], dtype=np.float64)


ROW_ID = "transaction_id"


def rows_digest(frame: pd.DataFrame) -> str:
    """Which rows, in which order: ``sha256:<hex>`` of the ``transaction_id`` column (int64).

    Args:
        frame: rows with ``transaction_id``.

    Returns:
        The digest; equal for two frames exactly when their row ids are equal, in order.
    """
    ids = np.ascontiguousarray(frame[ROW_ID].to_numpy(dtype=np.int64))
    return "sha256:" + hashlib.sha256(ids.astype("<i8").tobytes()).hexdigest()


@dataclass(frozen=True)
class Evaluation:
    """An exported model's metrics and the rows they were computed on.

    Attributes:
        metrics: AUC ROC, Average Precision and Card Precision@100.
        rows_digest: ``rows_digest`` of the scored rows.
    """

    metrics: Metrics
    rows_digest: str


def evaluate_model_dir(model_dir: Path, frame: pd.DataFrame) -> Evaluation:
    """AUC ROC, Average Precision and Card Precision@100 of an exported model, and which rows.

    Args:
        model_dir: the exported model.
        frame: evaluation rows (transaction_id, tx_fraud, customer_id, tx_time_days and the
            features).

    Returns:
        The metrics and the digest of the rows they were computed on.
    """
    metrics = performance_metrics(frame, onnx_scores(model_dir, frame))
    return Evaluation(metrics, rows_digest(frame))


def write_curves(
    labels: npt.ArrayLike, scores: npt.ArrayLike, title: str, out_dir: Path
) -> list[Path]:
    """ROC and precision-recall curves as PNG files.

    Args:
        labels: 0/1 labels.
        scores: fraud scores.
        title: what the curves are of, e.g. ``random_forest, test week 2018-09-24..2018-09-30``.
        out_dir: where ``roc_curve.png`` and ``pr_curve.png`` go (created if missing).

    Returns:
        The two files.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    y = np.asarray(labels)
    s = np.asarray(scores, dtype=np.float64)
    fpr, tpr, _ = roc_curve(y, s)
    precision, recall, _ = precision_recall_curve(y, s)
    prevalence = float(np.mean(y)) if len(y) else 0.0
    roc = out_dir / "roc_curve.png"
    _save_curve(
        roc, fpr, tpr, ("false positive rate", "true positive rate"), [0.0, 1.0], title, "ROC"
    )
    pr = out_dir / "pr_curve.png"
    _save_curve(
        pr, recall, precision, ("recall", "precision"), [prevalence, prevalence], title, "PR"
    )
    return [roc, pr]


def _save_curve(
    path: Path,
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    labels: tuple[str, str],
    chance: list[float],
    title: str,
    kind: str,
) -> None:
    # Figure without pyplot: no global backend state, Agg rendering, safe in any worker.
    figure = Figure(figsize=(5, 4.5), dpi=100)
    axes = figure.subplots()
    axes.plot(xs, ys, label=f"model ({kind} area {auc(xs, ys):.3f})")
    axes.plot([0.0, 1.0], chance, linestyle="--", color="grey", label="chance")
    axes.set_xlabel(labels[0])
    axes.set_ylabel(labels[1])
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.set_title(f"{kind} curve: {title}", fontsize=9)
    axes.legend(loc="lower right" if kind == "ROC" else "upper right")
    figure.savefig(path)
