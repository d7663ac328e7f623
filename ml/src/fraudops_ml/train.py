"""Training with the handbook's protocol and serving-aware model selection on a validation week.

Protocol: 7 training days from 2018-07-25 (day 115 of the simulation), a 7-day delay, 7 test
days. Selection never looks at the test week: every candidate is also fitted on the same protocol
shifted back 14 days (training from 2018-07-11), whose test week (2018-07-25 .. 2018-07-31) is
the validation week. Each candidate gets its Average Precision on that week and its serving cost
(``serving_cost.onnx_ops_per_row``: the operations its exported ONNX graph, fitted on the main
training week, does per validation-week row; counted, not timed, so identical data and seed give
the identical choice), and ``select_candidate`` applies the rule: among the candidates whose
validation AP is within ``AP_TOLERANCE`` of the best, the cheapest to serve wins (costs within
``COST_TIE_RATIO`` of the cheapest count as equal; then the higher validation AP wins). The
winner's decision threshold maximises F1 on the validation week, and it is refitted on the main
training week. The ONNX Runtime time per row on the test week and the fit time are measured and
reported, never used to choose.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from xgboost import XGBClassifier

from fraudops_ml.evaluate import (
    Metrics,
    Split,
    best_f1_threshold,
    get_train_test_set,
    make_split,
    performance_metrics,
)
from fraudops_ml.features import feature_matrix
from fraudops_ml.onnx_convert import to_onnx
from fraudops_ml.progress import Log, quiet
from fraudops_ml.serving_cost import onnx_ops_per_row, onnx_us_per_row

CANDIDATES = (
    "logistic_regression",
    "decision_tree",
    "random_forest",
    "random_forest_depth_10_trees_25",
    "random_forest_depth_15_trees_25",
    "random_forest_depth_15_trees_50",
    "xgboost",
    "xgboost_depth_4_lr_0.1",
)
# Validation AP within this much (absolute) of the best counts as "as good"; see select_candidate.
AP_TOLERANCE = 0.01
# Serving costs within this fraction of the cheapest eligible candidate count as equal: the count of
# operations models the time per row only to about this precision (see ml/README.md).
COST_TIE_RATIO = 0.10
TRAIN_START_OFFSET_DAYS = 115  # 2018-04-01 + 115 days = 2018-07-25, the book's training start
VALIDATION_SHIFT_DAYS = 14
DELTA_TRAIN = DELTA_DELAY = DELTA_TEST = 7


def _random_forest(max_depth: int | None, n_estimators: int) -> Callable[[int, int], Any]:
    def build(seed: int, jobs: int) -> Any:
        return RandomForestClassifier(
            n_estimators=n_estimators, max_depth=max_depth, random_state=seed, n_jobs=jobs
        )

    return build


def _xgboost(**params: Any) -> Callable[[int, int], Any]:
    def build(seed: int, jobs: int) -> Any:
        return XGBClassifier(random_state=seed, n_jobs=jobs, **params)

    return build


def _logistic_regression(seed: int, jobs: int) -> Any:
    del jobs
    return Pipeline(
        [
            ("scaler", StandardScaler()),
            ("classifier", LogisticRegression(random_state=seed, max_iter=1000)),
        ]
    )


def _decision_tree(seed: int, jobs: int) -> Any:
    del jobs
    return DecisionTreeClassifier(max_depth=2, random_state=seed)


# name -> builder(seed, n_jobs). The book's four baselines (random_forest: 100 trees, unlimited
# depth; xgboost: the library defaults, depth 6, learning rate 0.3, 100 trees) plus cheaper-to-serve
# variants from the axes of the book's model-selection grid (chapter 5).
_BUILDERS: dict[str, Callable[[int, int], Any]] = {
    "logistic_regression": _logistic_regression,
    "decision_tree": _decision_tree,
    "random_forest": _random_forest(None, 100),
    "random_forest_depth_10_trees_25": _random_forest(10, 25),
    "random_forest_depth_15_trees_25": _random_forest(15, 25),
    "random_forest_depth_15_trees_50": _random_forest(15, 50),
    "xgboost": _xgboost(),
    "xgboost_depth_4_lr_0.1": _xgboost(max_depth=4, learning_rate=0.1, n_estimators=100),
}


def build_candidate(name: str, seed: int, n_jobs: int | None = None) -> Any:
    """A fresh, unfitted candidate estimator.

    Args:
        name: one of ``CANDIDATES`` (the card's ``model_type``).
        seed: random state.
        n_jobs: threads; defaults to the machine's cores.

    Returns:
        An estimator with ``fit`` and ``predict_proba``.
    """
    jobs = n_jobs or os.cpu_count() or 1
    builder = _BUILDERS.get(name)
    if builder is None:
        raise ValueError(f"unknown candidate {name!r}; choose from {', '.join(CANDIDATES)}")
    return builder(seed, jobs)


class CandidateScore(NamedTuple):
    """What the selection rule sees of a candidate (validation week only).

    Attributes:
        name: candidate name.
        average_precision: validation Average Precision.
        ops_per_row: serving cost counted without the test week (``CandidateResult``).
    """

    name: str
    average_precision: float
    ops_per_row: float


def select_candidate(
    scores: Sequence[CandidateScore],
    ap_tolerance: float = AP_TOLERANCE,
    cost_tie_ratio: float = COST_TIE_RATIO,
) -> str:
    """The serving-aware selection rule.

    1. Eligible: validation AP >= best validation AP - ``ap_tolerance``.
    2. Among the eligible, the cheapest cost c; candidates costing <= c * (1 + cost_tie_ratio)
       are equally cheap (the operation count models the time only to about that precision).
    3. Among those, the highest validation AP wins; an exact tie goes to the earlier candidate.

    With ``ap_tolerance = 0`` this is plain "best validation AP" (ties: cheaper, then earlier).

    Args:
        scores: one entry per candidate, in candidate order.
        ap_tolerance: absolute AP a cheaper model may lose.
        cost_tie_ratio: relative cost difference treated as noise.

    Returns:
        The winner's name.
    """
    if not scores:
        raise ValueError("no candidates to select from")
    if ap_tolerance < 0 or cost_tie_ratio < 0:
        raise ValueError("ap_tolerance and cost_tie_ratio must be >= 0")
    best_ap = max(s.average_precision for s in scores)
    eligible = [s for s in scores if s.average_precision >= best_ap - ap_tolerance - 1e-12]
    cheapest = min(s.ops_per_row for s in eligible)
    cheap = [s for s in eligible if s.ops_per_row <= cheapest * (1 + cost_tie_ratio)]
    return max(cheap, key=lambda s: s.average_precision).name


def fraud_scores(model: Any, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Column 1 of ``predict_proba``.

    Args:
        model: fitted estimator.
        x: float32 inputs.

    Returns:
        Fraud probabilities.
    """
    return np.asarray(model.predict_proba(x)[:, 1], dtype=np.float64)


@dataclass(frozen=True)
class CandidateResult:
    """One candidate's numbers.

    Attributes:
        name: candidate name.
        validation: metrics on the validation week (model fitted on the shifted training week).
        test: metrics on the test week (model fitted on the main training week).
        fit_seconds: time to fit on the main training week (reported only).
        validation_ops_per_row: operations per validation-week row of the candidate's ONNX export
            (fitted on the main training week), ``onnx_ops_per_row``; what the selection rule
            uses.
        us_per_row: the same export's measured ONNX Runtime time (1 thread, batch 1000) on
            test-week rows (reported, never used for selection: it moves with the machine's load).
    """

    name: str
    validation: Metrics
    test: Metrics
    fit_seconds: float
    validation_ops_per_row: float
    us_per_row: float

    def score(self) -> CandidateScore:
        """Returns: what the selection rule sees (validation week only)."""
        return CandidateScore(
            self.name, self.validation.average_precision, self.validation_ops_per_row
        )


@dataclass(frozen=True)
class TrainingResult:
    """Everything the export needs.

    Attributes:
        results: per-candidate metrics, in candidate order.
        chosen: name of the selected candidate.
        model: the selected candidate fitted on the main training week.
        threshold: decision threshold (fraud if probability >= threshold).
        threshold_method: how the threshold was chosen.
        split: the main split (training and test weeks).
        validation_split: the shifted split (its test week is the validation week).
        test_frame: the test-week rows (known-compromised cards removed).
        feature_order: model input columns.
        seed: training seed.
    """

    results: list[CandidateResult]
    chosen: str
    model: Any
    threshold: float
    threshold_method: str
    split: Split
    validation_split: Split
    test_frame: pd.DataFrame
    feature_order: list[str]
    seed: int

    def result(self, name: str) -> CandidateResult:
        """Args: name: candidate. Returns: its result row."""
        return next(r for r in self.results if r.name == name)


def protocol_start(dataset_start: dt.date) -> dt.date:
    """The main training week's first day for a dataset starting at ``dataset_start``.

    Args:
        dataset_start: the simulation's first day.

    Returns:
        dataset_start + 115 days (2018-07-25 for the book's dataset).
    """
    return dataset_start + dt.timedelta(days=TRAIN_START_OFFSET_DAYS)


def train(
    frame: pd.DataFrame,
    feature_order: Sequence[str],
    train_start: dt.date,
    seed: int = 0,
    candidates: Sequence[str] = CANDIDATES,
    log: Log = quiet,
) -> TrainingResult:
    """Fit, compare and select.

    Args:
        frame: transactions with features.
        feature_order: model input columns.
        train_start: first day of the main training week.
        seed: random state of every candidate.
        candidates: names of the candidates to compare.
        log: progress logger.

    Returns:
        The selection, the refitted model and every candidate's metrics.
    """
    order = list(feature_order)
    split = make_split(train_start, DELTA_TRAIN, DELTA_DELAY, DELTA_TEST)
    validation_start = train_start - dt.timedelta(days=VALIDATION_SHIFT_DAYS)
    validation_split = make_split(validation_start, DELTA_TRAIN, DELTA_DELAY, DELTA_TEST)
    val_train, val_test = get_train_test_set(frame, validation_start)
    train_df, test_df = get_train_test_set(frame, train_start)
    for label, part in (("validation test", val_test), ("train", train_df), ("test", test_df)):
        if part["tx_fraud"].nunique() < 2:
            raise ValueError(f"the {label} window needs both classes; is the dataset long enough?")
    log(
        f"protocol: validation-train {len(val_train):,} / validation {len(val_test):,} / "
        f"train {len(train_df):,} / test {len(test_df):,} rows"
    )

    x_val_train, y_val_train = feature_matrix(val_train, order), val_train["tx_fraud"].to_numpy()
    x_val, x_train = feature_matrix(val_test, order), feature_matrix(train_df, order)
    y_train, x_test = train_df["tx_fraud"].to_numpy(), feature_matrix(test_df, order)

    results: list[CandidateResult] = []
    validation_scores: dict[str, npt.NDArray[np.float64]] = {}
    models: dict[str, Any] = {}
    for name in candidates:
        model = build_candidate(name, seed).fit(x_val_train, y_val_train)
        validation_scores[name] = fraud_scores(model, x_val)
        validation = performance_metrics(val_test, validation_scores[name])
        start = time.perf_counter()
        models[name] = build_candidate(name, seed).fit(x_train, y_train)
        fit_seconds = time.perf_counter() - start
        test = performance_metrics(test_df, fraud_scores(models[name], x_test))
        onnx_bytes = to_onnx(models[name], len(order)).SerializeToString()
        validation_cost = onnx_ops_per_row(onnx_bytes, x_val)
        cost = onnx_us_per_row(onnx_bytes, x_test)
        results.append(CandidateResult(name, validation, test, fit_seconds, validation_cost, cost))
        log(
            f"{name}: validation AP {validation.average_precision:.3f} "
            f"({validation_cost:.1f} ops/row), test AP {test.average_precision:.3f} "
            f"({cost:.2f} us/row), fit {fit_seconds:.1f}s"
        )

    chosen = select_candidate([r.score() for r in results])
    threshold, f1 = best_f1_threshold(val_test["tx_fraud"].to_numpy(), validation_scores[chosen])
    method = (
        f"max F1 ({f1:.3f}) on the validation week {validation_split.test_start}.."
        f"{validation_split.test_end} (exclusive), model fitted on "
        f"{validation_split.train_start}..{validation_split.train_end} (exclusive)"
    )
    log(
        f"chosen: {chosen} (cheapest to serve within {AP_TOLERANCE} of the best validation "
        f"average precision), threshold {threshold:.4f}"
    )
    return TrainingResult(
        results=results,
        chosen=chosen,
        model=models[chosen],
        threshold=threshold,
        threshold_method=method,
        split=split,
        validation_split=validation_split,
        test_frame=test_df,
        feature_order=order,
        seed=seed,
    )


def format_table(
    results: Sequence[CandidateResult], chosen: str | None = None, timings: bool = True
) -> str:
    """A markdown table of the candidates, aligned for terminals too.

    Args:
        results: candidate results.
        chosen: the selected candidate, marked with ``*``.
        timings: include the measured columns (µs/row, fit s); evaluation.md leaves them out so
            that identical data and seed write identical files.

    Returns:
        The table, one row per candidate.
    """
    header = [
        "model",
        "val AUC",
        "val AP",
        "val CP@100",
        "test AUC",
        "test AP",
        "test CP@100",
        "val ops/row",
        *(["µs/row (ONNX, 1 thread)", "fit s"] if timings else []),
    ]
    rows = []
    for r in results:
        name = f"{r.name} *" if r.name == chosen else r.name
        rows.append(
            [
                name,
                f"{r.validation.auc_roc:.3f}",
                f"{r.validation.average_precision:.3f}",
                f"{r.validation.card_precision_at_100:.3f}",
                f"{r.test.auc_roc:.3f}",
                f"{r.test.average_precision:.3f}",
                f"{r.test.card_precision_at_100:.3f}",
                f"{r.validation_ops_per_row:.1f}",
                *([f"{r.us_per_row:.2f}", f"{r.fit_seconds:.1f}"] if timings else []),
            ]
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 2)) if i == 0 else ("-" * (w + 1) + ":") for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(header), rule, *(line(r) for r in rows)])
