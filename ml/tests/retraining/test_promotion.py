"""The promotion rule at its boundaries, and reasons that state both numbers and the rule."""

from __future__ import annotations

import pytest

from fraudops_ml.retraining.promotion import decide

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
