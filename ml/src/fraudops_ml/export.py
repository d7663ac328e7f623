"""ONNX export, parity check, model card and the atomic ``current`` symlink.

Layout written: ``<models_dir>/<version>/{model.onnx, model.json, evaluation.md}`` and
``<models_dir>/current -> <version>`` (a relative symlink, swapped with ``os.replace``).
"""

from __future__ import annotations

import datetime as dt
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
from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
from skl2onnx import convert_sklearn, update_registered_converter
from skl2onnx.common.data_types import FloatTensorType
from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes
from xgboost import XGBClassifier

from fraudops_ml import contracts
from fraudops_ml.features import feature_matrix
from fraudops_ml.train import TrainingResult, format_table

MODEL_NAME = "fraud-detector"
INPUT_NAME = "features"
PROBABILITY_OUTPUT = "probabilities"
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
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


def to_onnx(model: Any, n_features: int) -> onnx.ModelProto:
    """Convert a fitted candidate to ONNX.

    The graph has a float32 input ``features`` [N, n_features] and a plain float32 [N, 2] output
    ``probabilities`` (no ZipMap).

    Args:
        model: fitted scikit-learn estimator or pipeline, or XGBClassifier.
        n_features: number of input columns.

    Returns:
        The ONNX model, one opset entry per domain.
    """
    update_registered_converter(
        XGBClassifier,
        "XGBoostXGBClassifier",
        calculate_linear_classifier_output_shapes,
        convert_xgboost,
        options={"nocl": [True, False], "zipmap": [True, False, "columns"]},
    )
    proto: onnx.ModelProto = convert_sklearn(
        model,
        initial_types=[(INPUT_NAME, FloatTensorType([None, n_features]))],
        options={id(model): {"zipmap": False}},
        target_opset=TARGET_OPSET,
    )
    versions: dict[str, int] = {}
    for entry in proto.opset_import:
        versions[entry.domain] = max(versions.get(entry.domain, 0), entry.version)
    del proto.opset_import[:]
    for domain, version in sorted(versions.items()):
        proto.opset_import.append(onnx.helper.make_opsetid(domain, version))
    outputs = [o.name for o in proto.graph.output]
    if PROBABILITY_OUTPUT not in outputs:
        raise RuntimeError(f"converted model has outputs {outputs}, not {PROBABILITY_OUTPUT!r}")
    onnx.checker.check_model(proto)
    return proto


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


def build_card(
    result: TrainingResult,
    model_bytes: bytes,
    data_hash: str,
    created_at: dt.datetime,
) -> dict[str, Any]:
    """The model card (model-card.schema.json).

    Args:
        result: training outcome.
        model_bytes: the serialized ONNX model.
        data_hash: ``sha256:<hex>`` of the transactions.
        created_at: export time (UTC).

    Returns:
        The card as a JSON-ready dict.
    """
    sha = hashlib.sha256(model_bytes).hexdigest()
    stamp = created_at.astimezone(dt.UTC)
    version = f"{stamp:%Y%m%dT%H%M%SZ}-{result.chosen.replace('_', '-')}-{sha[:8]}"
    chosen = result.result(result.chosen)
    opsets = {o.domain: o.version for o in onnx.load_from_string(model_bytes).opset_import}
    return {
        "name": MODEL_NAME,
        "version": version,
        "created_at": stamp.isoformat(timespec="seconds").replace("+00:00", "Z"),
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
        "artifact": {
            "file": "model.onnx",
            "sha256": sha,
            "input_name": INPUT_NAME,
            "probability_output": PROBABILITY_OUTPUT,
            "opset": int(opsets.get("", opsets.get("ai.onnx", 0))),
        },
    }


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
    return "\n".join(
        [
            f"# {card['name']} {card['version']}",
            "",
            f"- training week: {split.train_start} .. {split.train_end} (exclusive); "
            f"test week: {split.test_start} .. {split.test_end} (exclusive), "
            "known-compromised cards removed (handbook protocol, 7-day delay)",
            f"- validation: trained {val.train_start} .. {val.train_end}, validated on "
            f"{val.test_start} .. {val.test_end} (exclusive)",
            f"- chosen: **{result.chosen}** (best validation average precision, marked *)",
            f"- threshold: {result.threshold:.6f} ({result.threshold_method})",
            f"- ONNX parity on the test week ({len(result.test_frame):,} rows): "
            f"max abs diff {parity:.3g}",
            f"- data: {card['data_hash']}, seed {result.seed}",
            "",
            format_table(result.results, result.chosen),
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


def export_model(
    result: TrainingResult,
    data_hash: str,
    models_dir: Path,
    created_at: dt.datetime | None = None,
) -> ExportResult:
    """Convert, check parity, write the version directory and point ``current`` at it.

    Parity is checked on the whole test week. Nothing is published when parity or the card's
    validation fails.

    Args:
        result: training outcome.
        data_hash: hash of the transactions frame.
        models_dir: models directory (created if missing).
        created_at: export time; now by default.

    Returns:
        The directory, the card and the parity number.
    """
    proto = to_onnx(result.model, len(result.feature_order))
    proto.doc_string = f"{MODEL_NAME}: {result.chosen}; inputs {','.join(result.feature_order)}"
    model_bytes = proto.SerializeToString()
    x_test = feature_matrix(result.test_frame, result.feature_order)
    parity = check_parity(result.model, model_bytes, x_test)

    card = build_card(result, model_bytes, data_hash, created_at or dt.datetime.now(dt.UTC))
    contracts.validate(card, "model-card.schema.json")

    models_dir.mkdir(parents=True, exist_ok=True)
    version = card["version"]
    staging = models_dir / f".{version}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    (staging / "model.onnx").write_bytes(model_bytes)
    (staging / "model.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    (staging / "evaluation.md").write_text(
        evaluation_markdown(result, card, parity), encoding="utf-8"
    )
    final = models_dir / version
    if final.exists():
        shutil.rmtree(staging)
        raise FileExistsError(f"{final} already exists")
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
