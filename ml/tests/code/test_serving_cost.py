"""The static serving cost: tree walks that match the models, and counts that read no clock."""

from __future__ import annotations

import time
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import onnx
import pytest

from fraudops_ml import export, serving_cost, train
from fraudops_ml.onnx_convert import to_onnx

N_FEATURES = 15


@pytest.fixture(scope="module")
def rows() -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Synthetic rows with a learnable label (fast to fit, deep enough trees to walk)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3000, N_FEATURES)).astype(np.float32)
    y = ((x[:, 0] + 0.5 * x[:, 1] * x[:, 2] + rng.normal(scale=0.7, size=len(x))) > 1.2).astype(
        np.int64
    )
    return x, y


def fitted(name: str, rows: tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]) -> Any:
    x, y = rows
    return train.build_candidate(name, seed=0, n_jobs=1).fit(x, y)


def tree_node(model: Any) -> onnx.NodeProto:
    (node,) = to_onnx(model, N_FEATURES).graph.node
    assert node.op_type == "TreeEnsembleClassifier"
    return cast(onnx.NodeProto, node)


@pytest.mark.parametrize("name", ["decision_tree", "random_forest_depth_10_trees_25"])
def test_the_walk_reaches_sklearns_leaves_through_its_paths(
    name: str, rows: tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]
) -> None:
    model = fitted(name, rows)
    x = rows[0][:500]
    visited, leaves = serving_cost.tree_paths(tree_node(model), x)
    trees = getattr(model, "estimators_", [model])
    expected_leaves = np.column_stack([t.apply(x) for t in trees])
    np.testing.assert_array_equal(leaves, expected_leaves)
    # decision_path marks every node on a row's path, the leaf included: the nodes visited.
    expected_visits = np.column_stack([t.decision_path(x).sum(axis=1).A1 for t in trees])
    np.testing.assert_array_equal(visited, expected_visits)


def probability_from_the_walk(model: Any, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """An XGBoost graph's fraud probability rebuilt from the leaves ``tree_paths`` reached."""
    node = tree_node(model)
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    weights = {
        (t, n): w
        for t, n, w in zip(
            attrs["class_treeids"], attrs["class_nodeids"], attrs["class_weights"], strict=True
        )
    }
    trees = sorted(set(attrs["nodes_treeids"]))
    _, leaves = serving_cost.tree_paths(node, x)
    margin = attrs["base_values"][0] + np.array(
        [sum(weights[(t, int(leaf))] for t, leaf in zip(trees, row, strict=True)) for row in leaves]
    )
    return np.asarray(1 / (1 + np.exp(-margin)), dtype=np.float64)


def test_the_walk_of_xgboost_reproduces_onnx_runtimes_probabilities(
    rows: tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]],
) -> None:
    # XGBoost graphs compare with BRANCH_LT and number their nodes their own way: rebuild the
    # probability from the leaves the walk reached and compare it with ONNX Runtime's.
    model = fitted("xgboost_depth_4_lr_0.1", rows)
    modes = next(a for a in tree_node(model).attribute if a.name == "nodes_modes").strings
    assert set(modes) == {b"BRANCH_LT", b"LEAF"}
    model_bytes = to_onnx(model, N_FEATURES).SerializeToString()
    x = rows[0][:500].copy()
    expected = export.onnx_probabilities(model_bytes, x)[:, 1]
    np.testing.assert_allclose(probability_from_the_walk(model, x), expected, atol=1e-6)
    # A missing value takes the branch the graph names for it, as in ONNX Runtime.
    x[:, 0] = np.nan
    expected = export.onnx_probabilities(model_bytes, x)[:, 1]
    np.testing.assert_allclose(probability_from_the_walk(model, x), expected, atol=1e-6)


def test_counts_are_what_each_graph_does_per_row(
    rows: tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]],
) -> None:
    x = rows[0]
    # Scaler (one multiply-add per feature) + LinearClassifier (one per feature and class).
    logistic = to_onnx(fitted("logistic_regression", rows), N_FEATURES).SerializeToString()
    assert serving_cost.onnx_ops_per_row(logistic, x) == 3 * N_FEATURES
    # A depth-2 tree: two comparisons and a leaf on every path.
    stump = to_onnx(fitted("decision_tree", rows), N_FEATURES).SerializeToString()
    assert serving_cost.onnx_ops_per_row(stump, x) == 3
    forest = fitted("random_forest_depth_10_trees_25", rows)
    sample = serving_cost.spread_rows(x, serving_cost.OPS_SAMPLE_ROWS)
    path_nodes = sum(t.decision_path(sample).sum() for t in forest.estimators_) / len(sample)
    forest_bytes = to_onnx(forest, N_FEATURES).SerializeToString()
    assert serving_cost.onnx_ops_per_row(forest_bytes, x) == pytest.approx(path_nodes, rel=1e-12)


def test_the_count_never_reads_a_clock(
    rows: tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]], monkeypatch: pytest.MonkeyPatch
) -> None:
    model_bytes = to_onnx(fitted("random_forest_depth_10_trees_25", rows), N_FEATURES)
    first = serving_cost.onnx_ops_per_row(model_bytes.SerializeToString(), rows[0])

    def no_clock() -> float:
        raise AssertionError("the serving cost read a clock")

    for clock in ("perf_counter", "monotonic", "time", "process_time"):
        monkeypatch.setattr(time, clock, no_clock)
    again = serving_cost.onnx_ops_per_row(model_bytes.SerializeToString(), rows[0])
    assert again == first


def test_an_operator_without_a_count_is_refused() -> None:
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Relu", ["features"], ["probabilities"])],
        "relu",
        [onnx.helper.make_tensor_value_info("features", onnx.TensorProto.FLOAT, [None, 2])],
        [onnx.helper.make_tensor_value_info("probabilities", onnx.TensorProto.FLOAT, [None, 2])],
    )
    model_bytes = onnx.helper.make_model(graph).SerializeToString()
    with pytest.raises(
        ValueError, match=r"no static serving cost for ONNX operator ai\.onnx\.Relu"
    ):
        serving_cost.onnx_ops_per_row(model_bytes, np.zeros((3, 2), dtype=np.float32))


def test_spread_rows_keeps_short_inputs_and_spreads_long_ones() -> None:
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    assert serving_cost.spread_rows(x, 20) is x
    np.testing.assert_array_equal(serving_cost.spread_rows(x, 4)[:, 0], [0, 3, 6, 9])
    with pytest.raises(ValueError, match=">= 1"):
        serving_cost.spread_rows(x, 0)
