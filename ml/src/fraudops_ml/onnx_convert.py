"""Conversion of a fitted candidate to the served ONNX graph.

The graph has a float32 input ``features`` [N, n_features] and a plain float32 [N, 2] output
``probabilities`` (column 1 = fraud, no ZipMap), opsets ai.onnx 17 / ai.onnx.ml <= 3.
"""

from __future__ import annotations

from typing import Any

import onnx
from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
from skl2onnx import convert_sklearn, update_registered_converter
from skl2onnx.common.data_types import FloatTensorType
from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes
from xgboost import XGBClassifier

INPUT_NAME = "features"
PROBABILITY_OUTPUT = "probabilities"
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
# skl2onnx names the graph with a random uuid4 unless told otherwise, so converting the same model
# twice gave different bytes (and a different sha256 in the card); a fixed name keeps them equal.
GRAPH_NAME = "fraud_detector"


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
        name=GRAPH_NAME,
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
