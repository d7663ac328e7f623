"""What a model costs to serve: ONNX Runtime time per row on one thread.

The scoring service runs the ONNX graph with onnxruntime-node, one intra-op thread, on one core.
``onnx_us_per_row`` reproduces that setting in Python (``intra_op_num_threads = 1``,
``inter_op_num_threads = 1``, sequential execution) and times ``session.run`` on batches of real
feature rows. The number is the median over several runs, each on a different batch, in
microseconds per row. It is a wall-clock measurement, so it moves by a few percent between runs;
the selection rule in ``train.select_candidate`` treats close costs as equal for that reason.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from fraudops_ml.onnx_convert import INPUT_NAME, PROBABILITY_OUTPUT, to_onnx

BATCH_ROWS = 1000
RUNS = 7
WARMUP_RUNS = 2


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
