"""ONNX export, parity check, model card and the atomic ``current`` symlink.

Layout written: ``<models_dir>/<version>/{model.onnx, model.json, evaluation.md}`` and
``<models_dir>/current -> <version>`` (a relative symlink, swapped with ``os.replace``).

The three files depend only on the training outcome (no clock, no timings), so identical data and
seed write byte-identical files under the same version; exporting them again reuses the directory.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort

from fraudops_ml import contracts
from fraudops_ml.features import feature_matrix
from fraudops_ml.onnx_convert import INPUT_NAME as INPUT_NAME
from fraudops_ml.onnx_convert import PROBABILITY_OUTPUT as PROBABILITY_OUTPUT
from fraudops_ml.onnx_convert import TARGET_OPSET as TARGET_OPSET
from fraudops_ml.onnx_convert import to_onnx as to_onnx
from fraudops_ml.quality import drift
from fraudops_ml.train import AP_TOLERANCE, COST_TIE_RATIO, TrainingResult, format_table

MODEL_NAME = "fraud-detector"
PARITY_TOLERANCE = 1e-5
CURRENT_LINK = "current"


class ParityError(RuntimeError):
    """The ONNX model disagrees with the Python model beyond ``PARITY_TOLERANCE``."""


@dataclass(frozen=True)
class ExportResult:
    """What ``export_model`` wrote.

    Attributes:
        model_dir: the new version directory.
        card: the model card written as model.json.
        parity_max_abs_diff: ONNX vs Python on the whole test week.
    """

    model_dir: Path
    card: dict[str, Any]
    parity_max_abs_diff: float


def onnx_probabilities(model_bytes: bytes, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Run the ONNX model with ONNX Runtime (CPU).

    Args:
        model_bytes: serialized ONNX model.
        x: float32 inputs.

    Returns:
        The ``probabilities`` output, float32 [N, 2].
    """
    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    (probabilities,) = session.run([PROBABILITY_OUTPUT], {INPUT_NAME: x})
    return np.asarray(probabilities)


def parity_max_abs_diff(model: Any, model_bytes: bytes, x: npt.NDArray[np.float32]) -> float:
    """Largest absolute difference between ONNX Runtime and ``model.predict_proba``.

    Both get the same float32 inputs (what the scoring service feeds the ONNX model).

    Args:
        model: fitted Python model.
        model_bytes: its ONNX export.
        x: float32 inputs.

    Returns:
        max |onnx - python| over both probability columns.
    """
    onnx_p = onnx_probabilities(model_bytes, x).astype(np.float64)
    python_p = np.asarray(model.predict_proba(x), dtype=np.float64)
    if onnx_p.shape != python_p.shape:
        raise ParityError(f"shape mismatch: onnx {onnx_p.shape} vs python {python_p.shape}")
    return float(np.max(np.abs(onnx_p - python_p))) if len(x) else 0.0


def check_parity(model: Any, model_bytes: bytes, x: npt.NDArray[np.float32]) -> float:
    """``parity_max_abs_diff``, raising when it exceeds ``PARITY_TOLERANCE``.

    Args:
        model: fitted Python model.
        model_bytes: its ONNX export.
        x: float32 inputs.

    Returns:
        The max abs difference.

    Raises:
        ParityError: when the difference is too large.
    """
    diff = parity_max_abs_diff(model, model_bytes, x)
    if not diff <= PARITY_TOLERANCE:
        raise ParityError(f"ONNX parity failed: max abs diff {diff:.3g} > {PARITY_TOLERANCE}")
    return diff


def window(start: dt.date, end: dt.date) -> dict[str, str]:
    """A half-open date window for the card.

    Args:
        start: first day.
        end: day after the last.

    Returns:
        ``{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}``.
    """
    return {"start": start.isoformat(), "end": end.isoformat()}


def card_json(card: dict[str, Any]) -> str:
    """Args: card: a model card. Returns: model.json's text (the bytes the card's digest covers)."""
    return json.dumps(card, indent=2) + "\n"


def card_version(model_type: str, model_sha256: str, card: dict[str, Any]) -> str:
    """A version that names exactly this artifact: the same card and graph give the same version.

    Args:
        model_type: the candidate, e.g. ``random_forest_depth_15_trees_25``.
        model_sha256: hex sha256 of model.onnx.
        card: the card without ``version``.

    Returns:
        ``<model type>-<first 8 hex of the graph's sha256>-<first 8 hex of the card's>``, e.g.
        ``random-forest-depth-15-trees-25-5153e5a6-0c1f2a3b``. The card part tells apart cards of
        one graph (e.g. the same model trained from a longer dataset: another data_hash).
    """
    if "version" in card:
        raise ValueError("the card digest covers the card without its version")
    card_sha = hashlib.sha256(card_json(card).encode("utf-8")).hexdigest()
    return f"{model_type.replace('_', '-')}-{model_sha256[:8]}-{card_sha[:8]}"


def reference_distribution(result: TrainingResult, model_bytes: bytes) -> dict[str, Any]:
    """The card's ``reference``: each input and the score binned on the test week.

    The test week, not the training week: it is held out, so its scores are what the model gives
    unseen traffic, and its metrics are the ones the card reports (the quality alert's level).

    Args:
        result: training outcome.
        model_bytes: the serialized ONNX model (the scores the replicas will give).

    Returns:
        ``{"window", "inputs": {feature: bins}, "score": bins}`` (quality.drift.Reference form).
    """
    x_test = feature_matrix(result.test_frame, result.feature_order)
    scores = onnx_probabilities(model_bytes, x_test)[:, 1]
    return {
        "window": window(result.split.test_start, result.split.test_end),
        "inputs": {
            name: drift.reference_of(x_test[:, i]).to_json()
            for i, name in enumerate(result.feature_order)
        },
        "score": drift.reference_of(scores).to_json(),
    }


def build_card(result: TrainingResult, model_bytes: bytes, data_hash: str) -> dict[str, Any]:
    """The model card (model-card.schema.json).

    Nothing in it depends on the moment (no export time, no timings): MLflow records when a
    version was registered, and the file's mtime when it was written.

    Args:
        result: training outcome.
        model_bytes: the serialized ONNX model.
        data_hash: ``sha256:<hex>`` of the transactions.

    Returns:
        The card as a JSON-ready dict.
    """
    sha = hashlib.sha256(model_bytes).hexdigest()
    chosen = result.result(result.chosen)
    opsets = {o.domain: o.version for o in onnx.load_from_string(model_bytes).opset_import}
    card: dict[str, Any] = {
        "name": MODEL_NAME,
        "model_type": result.chosen,
        "feature_order": list(result.feature_order),
        "threshold": {"value": result.threshold, "method": result.threshold_method},
        "metrics": {"validation": chosen.validation.to_dict(), "test": chosen.test.to_dict()},
        "training_window": window(result.split.train_start, result.split.train_end),
        "validation_window": window(
            result.validation_split.test_start, result.validation_split.test_end
        ),
        "test_window": window(result.split.test_start, result.split.test_end),
        "data_hash": data_hash,
        "seed": result.seed,
        "reference": reference_distribution(result, model_bytes),
        "artifact": {
            "file": "model.onnx",
            "sha256": sha,
            "input_name": INPUT_NAME,
            "probability_output": PROBABILITY_OUTPUT,
            "opset": int(opsets.get("", opsets.get("ai.onnx", 0))),
        },
    }
    # name, version, then the rest: the order model.json has always had.
    return {"name": MODEL_NAME, "version": card_version(result.chosen, sha, card), **card}


def evaluation_markdown(result: TrainingResult, card: dict[str, Any], parity: float) -> str:
    """The evaluation report written beside the model.

    Args:
        result: training outcome.
        card: the model card.
        parity: ONNX parity max abs diff.

    Returns:
        Markdown text.
    """
    split, val = result.split, result.validation_split
    best_ap = max(r.validation.average_precision for r in result.results)
    eligible = ", ".join(
        f"{r.name} ({r.validation.average_precision:.3f}, {r.validation_ops_per_row:.1f} ops/row)"
        for r in result.results
        if r.validation.average_precision >= best_ap - AP_TOLERANCE - 1e-12
    )
    return "\n".join(
        [
            f"# {card['name']} {card['version']}",
            "",
            f"- training week: {split.train_start} .. {split.train_end} (exclusive); "
            f"test week: {split.test_start} .. {split.test_end} (exclusive), "
            "known-compromised cards removed (handbook protocol, 7-day delay)",
            f"- validation: trained {val.train_start} .. {val.train_end}, validated on "
            f"{val.test_start} .. {val.test_end} (exclusive)",
            f"- chosen: **{result.chosen}** (marked *), by the serving-aware rule: among the "
            f"candidates whose validation average precision is within {AP_TOLERANCE} (absolute) "
            "of the best, the cheapest to serve on the validation week (`val ops/row`; costs "
            f"within {COST_TIE_RATIO:.0%} of the cheapest count as equal, then the higher "
            "validation AP wins); the test week is never used for selection",
            f"- eligible (validation AP >= {best_ap - AP_TOLERANCE:.3f}): {eligible}",
            "- serving cost: operations per row of each candidate's ONNX export (fitted on the "
            "training week) on validation-week rows, counted from the graph: tree nodes each row "
            "visits (comparisons and the leaf, over all trees) plus linear coefficients; the same "
            "graph and rows always give the same count. Measured times (ONNX Runtime µs/row, fit "
            "seconds) are in the training log and the MLflow run, not here, so that identical "
            "data and seed write identical files",
            f"- threshold: {result.threshold:.6f} ({result.threshold_method})",
            f"- ONNX parity on the test week ({len(result.test_frame):,} rows): "
            f"max abs diff {parity:.3g}",
            f"- data: {card['data_hash']}, seed {result.seed}",
            "",
            format_table(result.results, result.chosen, timings=False),
            "",
        ]
    )


def point_current(models_dir: Path, version: str) -> Path:
    """Atomically repoint ``<models_dir>/current`` at ``version`` (relative symlink).

    Args:
        models_dir: models directory.
        version: name of a version directory inside it.

    Returns:
        The symlink path.
    """
    link = models_dir / CURRENT_LINK
    if link.exists() and not link.is_symlink():
        raise FileExistsError(f"{link} exists and is not a symlink")
    tmp = models_dir / f".{CURRENT_LINK}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(version, target_is_directory=True)
    os.replace(tmp, link)
    return link


def export_model(result: TrainingResult, data_hash: str, models_dir: Path) -> ExportResult:
    """Convert, check parity, write the version directory and point ``current`` at it.

    Parity is checked on the whole test week. Nothing is published when parity or the card's
    validation fails. A version directory that exists already with the same files (the same data
    and seed trained again) is reused; one with other files is an error.

    Args:
        result: training outcome.
        data_hash: hash of the transactions frame.
        models_dir: models directory (created if missing).

    Returns:
        The directory, the card and the parity number.
    """
    proto = to_onnx(result.model, len(result.feature_order))
    proto.doc_string = f"{MODEL_NAME}: {result.chosen}; inputs {','.join(result.feature_order)}"
    model_bytes = proto.SerializeToString()
    x_test = feature_matrix(result.test_frame, result.feature_order)
    parity = check_parity(result.model, model_bytes, x_test)

    card = build_card(result, model_bytes, data_hash)
    contracts.validate(card, "model-card.schema.json")

    models_dir.mkdir(parents=True, exist_ok=True)
    version = card["version"]
    staging = models_dir / f".{version}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    (staging / "model.onnx").write_bytes(model_bytes)
    (staging / "model.json").write_text(card_json(card), encoding="utf-8")
    (staging / "evaluation.md").write_text(
        evaluation_markdown(result, card, parity), encoding="utf-8"
    )
    final = models_dir / version
    if final.exists():
        files = sorted(p.name for p in staging.iterdir())
        same = sorted(p.name for p in final.iterdir()) == files and all(
            filecmp.cmp(staging / f, final / f, shallow=False) for f in files
        )
        shutil.rmtree(staging)
        if not same:
            raise FileExistsError(f"{final} already exists with other files")
    else:
        os.rename(staging, final)
    point_current(models_dir, version)
    return ExportResult(final, card, parity)


def load_card(model_dir: Path) -> dict[str, Any]:
    """Read and validate ``model.json``, and check ``model.onnx`` against its sha256.

    Args:
        model_dir: a version directory (or the ``current`` symlink).

    Returns:
        The card.
    """
    card: dict[str, Any] = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    contracts.validate(card, "model-card.schema.json")
    actual = hashlib.sha256((model_dir / card["artifact"]["file"]).read_bytes()).hexdigest()
    if actual != card["artifact"]["sha256"]:
        raise ValueError(
            f"{model_dir}/model.onnx sha256 {actual} != card {card['artifact']['sha256']}"
        )
    return card


def feature_order_of(card: dict[str, Any]) -> Sequence[str]:
    """Args: card: a model card. Returns: its feature order."""
    return [str(f) for f in card["feature_order"]]
