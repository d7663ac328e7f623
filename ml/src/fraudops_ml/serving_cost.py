"""What a model costs to serve: a static operation count (selection) and ONNX Runtime time (report).

The scoring service runs the ONNX graph with onnxruntime-node, one intra-op thread, on one core.

``onnx_ops_per_row`` is what model selection uses: the work the graph does per row, counted from
the graph itself on real feature rows, so the same graph and rows always give the same number (a
wall-clock time moves by ~±20 % with the machine's load, and a selection that ranks by it could
pick another model on identical data). Tree ensembles cost the tree nodes each row visits (every
comparison on its path plus the leaf, summed over the trees; walked here as ONNX Runtime does, by
``nodes_modes`` and ``nodes_missing_value_tracks_true``); ``Scaler`` and the linear operators cost
their coefficients (one multiply-add each). How the count compares with measured times is in
``ml/README.md``.

``onnx_us_per_row`` measures the service's setting in Python (``intra_op_num_threads = 1``,
``inter_op_num_threads = 1``, sequential execution) and times ``session.run`` on batches of real
feature rows: the median over several runs, each on a different batch, in microseconds per row.
It is reported (training log, MLflow), never used to choose.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort

from fraudops_ml.onnx_convert import INPUT_NAME, PROBABILITY_OUTPUT, to_onnx

BATCH_ROWS = 1000
RUNS = 7
WARMUP_RUNS = 2
# Rows the operation count is averaged over (evenly spread over the input): on the small preset,
# the mean over 2,000 rows is within 0.1 % of that over all ~9,000 test rows, in a fifth of the
# time.
OPS_SAMPLE_ROWS = 2_000
_TREE_ENSEMBLES = frozenset({"TreeEnsembleClassifier", "TreeEnsembleRegressor"})
_LINEAR = frozenset({"LinearClassifier", "LinearRegressor"})


def single_thread_session(model_bytes: bytes) -> Any:
    """An ONNX Runtime CPU session configured like the scoring service.

    Args:
        model_bytes: serialized ONNX model.

    Returns:
        An ``onnxruntime.InferenceSession`` with 1 intra-op and 1 inter-op thread, sequential.
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


def batches(
    x: npt.NDArray[np.float32], batch_rows: int, count: int
) -> list[npt.NDArray[np.float32]]:
    """``count`` contiguous batches of ``batch_rows`` rows spread evenly over ``x``.

    Rows are repeated (cyclically) when ``x`` has fewer than ``batch_rows`` rows.

    Args:
        x: float32 feature rows, at least one.
        batch_rows: rows per batch.
        count: number of batches.

    Returns:
        C-contiguous float32 arrays of shape [batch_rows, x.shape[1]].
    """
    if len(x) == 0:
        raise ValueError("need at least one feature row")
    if batch_rows < 1 or count < 1:
        raise ValueError("batch_rows and count must be >= 1")
    if len(x) < batch_rows:
        x = np.resize(x, (batch_rows, x.shape[1]))
    starts = np.linspace(0, len(x) - batch_rows, count).astype(np.int64)
    return [np.ascontiguousarray(x[s : s + batch_rows], dtype=np.float32) for s in starts]


def median_us_per_row(run_seconds: Sequence[float], batch_rows: int) -> float:
    """The median run time in microseconds per row.

    Args:
        run_seconds: wall time of each timed run of one batch.
        batch_rows: rows per batch.

    Returns:
        median(run_seconds) / batch_rows * 1e6.
    """
    if not run_seconds:
        raise ValueError("no timed runs")
    return statistics.median(run_seconds) / batch_rows * 1e6


def onnx_us_per_row(
    model_bytes: bytes,
    x: npt.NDArray[np.float32],
    batch_rows: int = BATCH_ROWS,
    runs: int = RUNS,
    warmup_runs: int = WARMUP_RUNS,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Median ONNX Runtime inference cost on one thread, in microseconds per row.

    Args:
        model_bytes: serialized ONNX model (input ``features``, output ``probabilities``).
        x: real float32 feature rows to score.
        batch_rows: rows per ``session.run`` call (the service's batch endpoint: 1000).
        runs: timed runs, each on a different batch of ``x``.
        warmup_runs: untimed runs first.
        clock: seconds counter.

    Returns:
        The median over ``runs`` of (run time / batch_rows), in microseconds.
    """
    session = single_thread_session(model_bytes)
    feeds = batches(x, batch_rows, runs)
    for feed in feeds[:warmup_runs]:
        session.run([PROBABILITY_OUTPUT], {INPUT_NAME: feed})
    timings = []
    for feed in feeds:
        start = clock()
        session.run([PROBABILITY_OUTPUT], {INPUT_NAME: feed})
        timings.append(clock() - start)
    return median_us_per_row(timings, batch_rows)


def model_us_per_row(model: Any, x: npt.NDArray[np.float32]) -> float:
    """``onnx_us_per_row`` of a fitted candidate, converted with ``to_onnx``.

    Args:
        model: fitted candidate.
        x: real float32 feature rows (x.shape[1] is the number of model inputs).

    Returns:
        Microseconds per row at batch 1000 on one thread.
    """
    return onnx_us_per_row(to_onnx(model, x.shape[1]).SerializeToString(), x)


def spread_rows(x: npt.NDArray[np.float32], count: int) -> npt.NDArray[np.float32]:
    """At most ``count`` rows of ``x``, evenly spread over it (all of them when it is short).

    Args:
        x: feature rows.
        count: the most rows to keep, >= 1.

    Returns:
        The rows, in their order in ``x``.
    """
    if count < 1:
        raise ValueError("count must be >= 1")
    if len(x) <= count:
        return x
    return x[np.linspace(0, len(x) - 1, count).round().astype(np.int64)]


def _attributes(node: onnx.NodeProto) -> dict[str, Any]:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def tree_paths(
    node: onnx.NodeProto, x: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Walk every row down every tree of an ONNX ``TreeEnsemble*`` node, as ONNX Runtime does.

    Args:
        node: a ``TreeEnsembleClassifier`` or ``TreeEnsembleRegressor`` node (ai.onnx.ml <= 3).
        x: float32 feature rows [N, F].

    Returns:
        ``(visited, leaves)``, both [N, trees] in ``nodes_treeids`` order (trees sorted by id):
        the nodes each row visits in each tree (comparisons plus the leaf) and the ``nodes_nodeids``
        of the leaf it reaches.
    """
    a = _attributes(node)
    tree_ids = np.asarray(a["nodes_treeids"], dtype=np.int64)
    node_ids = np.asarray(a["nodes_nodeids"], dtype=np.int64)
    modes = [m.decode() for m in a["nodes_modes"]]
    features = np.asarray(a["nodes_featureids"], dtype=np.int64)
    values = np.asarray(a["nodes_values"], dtype=np.float32)
    missing_true = np.asarray(
        a.get("nodes_missing_value_tracks_true") or [0] * len(modes), dtype=bool
    )
    leaf = np.array([m == "LEAF" for m in modes])
    # Children are named by (tree, node id); the walk uses positions in the attribute arrays.
    span = int(node_ids.max()) + 1
    keys = tree_ids * span + node_ids
    order = np.argsort(keys, kind="stable")

    def positions(children: Sequence[int]) -> npt.NDArray[np.int64]:
        wanted = tree_ids * span + np.asarray(children, dtype=np.int64)
        found = order[np.clip(np.searchsorted(keys[order], wanted), 0, len(keys) - 1)]
        if np.any((keys[found] != wanted) & ~leaf):
            raise ValueError(f"{node.op_type}: a branch points at a node that does not exist")
        # A leaf's children are unused: it points at itself, so the walk stays put.
        return np.where(leaf, np.arange(len(leaf)), found)

    true_pos = positions(a["nodes_truenodeids"])
    false_pos = positions(a["nodes_falsenodeids"])
    referenced = np.zeros(len(leaf), dtype=bool)
    referenced[true_pos[~leaf]] = referenced[false_pos[~leaf]] = True
    # One root per tree (the node nothing points at), in tree id order.
    root_positions = np.flatnonzero(~referenced)
    roots = root_positions[np.argsort(tree_ids[root_positions], kind="stable")]
    if len(roots) != len(np.unique(tree_ids)):
        raise ValueError(f"{node.op_type}: expected one root per tree, found {len(roots)}")
    comparisons = {
        "BRANCH_LEQ": np.less_equal,
        "BRANCH_LT": np.less,
        "BRANCH_GTE": np.greater_equal,
        "BRANCH_GT": np.greater,
        "BRANCH_EQ": np.equal,
        "BRANCH_NEQ": np.not_equal,
    }
    unknown = set(modes) - set(comparisons) - {"LEAF"}
    if unknown:
        raise ValueError(f"unknown tree node modes {sorted(unknown)}")
    mode_codes = np.array([list(comparisons).index(m) if m != "LEAF" else -1 for m in modes])
    # One (row, tree) walker per pair, flattened; each step moves only the walkers not yet at a
    # leaf, so the work is the number of visits, not rows x trees x the deepest path.
    state = np.tile(roots, len(x))
    row_of = np.repeat(np.arange(len(x)), len(roots))
    visited = np.ones(state.shape, dtype=np.int64)
    active = np.flatnonzero(~leaf[state])
    while active.size:
        at = state[active]
        value = x[row_of[active], features[at]]
        threshold, code = values[at], mode_codes[at]
        go_true = np.isnan(value) & missing_true[at]
        for i, compare in enumerate(comparisons.values()):
            this_mode = code == i
            if this_mode.any():
                go_true[this_mode] |= compare(value[this_mode], threshold[this_mode])
        state[active] = np.where(go_true, true_pos[at], false_pos[at])
        visited[active] += 1
        active = active[~leaf[state[active]]]
    shape = (len(x), len(roots))
    return visited.reshape(shape), node_ids[state].reshape(shape)


def _node_ops_per_row(node: onnx.NodeProto, x: npt.NDArray[np.float32]) -> float:
    if node.op_type in _TREE_ENSEMBLES:
        visited, _ = tree_paths(node, x)
        return float(visited.sum(axis=1).mean())
    attributes = _attributes(node)
    if node.op_type in _LINEAR:
        return float(len(attributes["coefficients"]))
    if node.op_type == "Scaler":
        return float(len(attributes["scale"]))
    raise ValueError(
        f"no static serving cost for ONNX operator {node.domain or 'ai.onnx'}.{node.op_type}: "
        "add its count to serving_cost before using it in a candidate"
    )


def onnx_ops_per_row(model_bytes: bytes, x: npt.NDArray[np.float32]) -> float:
    """The graph's work per row: tree nodes visited plus linear coefficients, averaged over rows.

    Deterministic: a function of the graph and the rows only (never of the clock).

    Args:
        model_bytes: serialized ONNX model (the operators of ``to_onnx``'s candidates).
        x: real float32 feature rows (averaged over at most ``OPS_SAMPLE_ROWS`` of them).

    Returns:
        Operations per row (mean over the rows).

    Raises:
        ValueError: for an operator with no count here, or no rows.
    """
    if len(x) == 0:
        raise ValueError("need at least one feature row")
    graph = onnx.load_from_string(model_bytes).graph
    sample = np.ascontiguousarray(spread_rows(x, OPS_SAMPLE_ROWS), dtype=np.float32)
    return sum(_node_ops_per_row(node, sample) for node in graph.node)
