"""The promotion rule at its boundaries, and each outcome pinned with real exported models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from fraudops_ml import data, export, train
from fraudops_ml.retraining import scoring
from fraudops_ml.retraining.promotion import compare_on_same_rows, decide

AP = "average_precision"
WEEK = "2018-09-24..2018-09-30"


def test_no_champion_promotes() -> None:
    decision = decide({AP: 0.61}, None, AP, 0.002, WEEK)
    assert decision.promote
    assert decision.label == "promoted"
    assert decision.reason.startswith("promoted: no champion yet")
    assert "0.6100" in decision.reason


def test_equal_metrics_decline_with_both_numbers_the_gain_and_the_rule() -> None:
    decision = decide({AP: 0.6931}, {AP: 0.6931}, AP, 0.002, WEEK)
    assert not decision.promote
    assert decision.label == "declined"
    assert decision.reason == (
        "declined: average_precision 0.6931 vs champion 0.6931 on the test week "
        "2018-09-24..2018-09-30: gain +0.0000 < min gain 0.0020"
    )


def test_exactly_the_min_gain_promotes_despite_float_rounding() -> None:
    assert 0.6013 - 0.5993 < 0.002  # the float noise the rule must not trip on
    decision = decide({AP: 0.6013}, {AP: 0.5993}, AP, 0.002, WEEK)
    assert decision.promote
    assert "gain +0.0020 >= min gain 0.0020" in decision.reason


def test_just_below_the_min_gain_declines() -> None:
    assert not decide({AP: 0.6999}, {AP: 0.698}, AP, 0.002).promote
    assert not decide({AP: 0.6012}, {AP: 0.5993}, AP, 0.002).promote


def test_a_worse_candidate_declines_with_a_negative_gain() -> None:
    decision = decide({AP: 0.60}, {AP: 0.70}, AP, 0.002)
    assert not decision.promote
    assert "gain -0.1000 < min gain" in decision.reason


def test_a_clearly_better_candidate_promotes() -> None:
    decision = decide({AP: 0.72}, {AP: 0.70}, AP, 0.002, WEEK)
    assert decision.promote
    assert decision.reason.startswith("promoted: average_precision 0.7200 vs champion 0.7000")


def test_zero_min_gain_promotes_on_a_tie() -> None:
    assert decide({AP: 0.7}, {AP: 0.7}, AP, 0.0).promote


def test_another_metric_is_compared_when_configured() -> None:
    candidate = {AP: 0.5, "auc_roc": 0.90}
    champion = {AP: 0.9, "auc_roc": 0.85}
    assert decide(candidate, champion, "auc_roc", 0.01).promote


def test_a_missing_metric_is_an_error() -> None:
    with pytest.raises(KeyError, match="champion has no metric"):
        decide({AP: 0.7}, {"auc_roc": 0.8}, AP, 0.002)


# Real exported models, scored through ONNX on the small preset's test week by
# compare_on_same_rows, as the DAG's evaluate_and_log does.


@dataclass(frozen=True)
class Exports:
    logistic: Path  # the book's logistic regression
    logistic_again: Path  # the same data and seed trained a second time
    stump: Path  # a depth-2 decision tree: a deliberately weaker model
    rows: pd.DataFrame  # the test week both are judged on


@pytest.fixture(scope="module")
def exports(
    small_frame: pd.DataFrame,
    small_dataset: data.Dataset,
    feature_order: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Exports:
    start = train.protocol_start(dt.date.fromisoformat(data.PRESETS["small"].start_date))
    root = tmp_path_factory.mktemp("promotion")

    def trained_and_exported(name: str, label: str) -> tuple[Path, pd.DataFrame]:
        result = train.train(small_frame, feature_order, start, seed=0, candidates=[name])
        exported = export.export_model(result, small_dataset.data_hash, root / label)
        return exported.model_dir, result.test_frame

    logistic, rows = trained_and_exported("logistic_regression", "a")
    logistic_again, rows_again = trained_and_exported("logistic_regression", "b")
    stump, _ = trained_and_exported("decision_tree", "c")
    assert scoring.rows_digest(rows_again) == scoring.rows_digest(rows)
    return Exports(logistic, logistic_again, stump, rows)


def ap_of(model_dir: Path, rows: pd.DataFrame) -> float:
    """The model's test-week AP scored on its own, outside the comparison."""
    return scoring.evaluate_model_dir(model_dir, rows).metrics.average_precision


def test_identical_data_and_seed_decline_with_zero_gain(exports: Exports) -> None:
    comparison = compare_on_same_rows(
        exports.logistic_again, exports.logistic, exports.rows, AP, 0.002, WEEK
    )
    assert comparison.decision.label == "declined"
    assert comparison.candidate == comparison.champion  # every metric, exactly
    ap = comparison.candidate[AP]
    assert ap == ap_of(exports.logistic, exports.rows)
    assert comparison.decision.reason == (
        f"declined: average_precision {ap:.4f} vs champion {ap:.4f} on the test week {WEEK}: "
        "gain +0.0000 < min gain 0.0020"
    )


def test_a_deliberately_better_candidate_is_promoted(exports: Exports) -> None:
    better, worse = ap_of(exports.logistic, exports.rows), ap_of(exports.stump, exports.rows)
    assert better - worse > 0.05  # the premise: far more than the minimum gain
    comparison = compare_on_same_rows(exports.logistic, exports.stump, exports.rows, AP, 0.002)
    assert comparison.decision.label == "promoted"
    assert (comparison.candidate[AP], comparison.champion) == (
        better,
        scoring.evaluate_model_dir(exports.stump, exports.rows).metrics.to_dict(),
    )
    assert f"gain +{better - worse:.4f} >= min gain 0.0020" in comparison.decision.reason


def test_a_deliberately_worse_candidate_is_declined(exports: Exports) -> None:
    better, worse = ap_of(exports.logistic, exports.rows), ap_of(exports.stump, exports.rows)
    comparison = compare_on_same_rows(exports.stump, exports.logistic, exports.rows, AP, 0.002)
    assert comparison.decision.label == "declined"
    assert comparison.champion is not None
    assert (comparison.candidate[AP], comparison.champion[AP]) == (worse, better)
    assert f"gain -{better - worse:.4f} < min gain 0.0020" in comparison.decision.reason


def test_both_are_scored_on_exactly_the_given_rows(exports: Exports) -> None:
    comparison = compare_on_same_rows(exports.logistic, exports.stump, exports.rows, AP, 0.002)
    expected = scoring.rows_digest(exports.rows)
    assert comparison.rows_digest == comparison.champion_rows_digest == expected
    # The digest names the rows and their order: one row fewer, or reordered, is another digest.
    assert scoring.rows_digest(exports.rows.iloc[1:]) != expected
    assert scoring.rows_digest(exports.rows.iloc[::-1]) != expected


def test_without_a_champion_the_candidate_is_promoted_and_no_champion_rows_are_recorded(
    exports: Exports,
) -> None:
    comparison = compare_on_same_rows(exports.logistic, None, exports.rows, AP, 0.002, WEEK)
    assert comparison.decision.label == "promoted"
    assert comparison.decision.reason.startswith("promoted: no champion yet")
    assert (comparison.champion, comparison.champion_rows_digest) == (None, None)
    assert comparison.rows_digest == scoring.rows_digest(exports.rows)
