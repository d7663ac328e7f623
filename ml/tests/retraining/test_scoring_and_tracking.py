"""Scoring an exported model through ONNX, the curves, and the tracking server check."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest

from fraudops_ml import export, train
from fraudops_ml.retraining import scoring, tracking
from fraudops_ml.retraining.pipeline import RunContext


def test_onnx_scoring_reproduces_the_cards_test_metrics(
    exported: export.ExportResult, trained: train.TrainingResult
) -> None:
    evaluation = scoring.evaluate_model_dir(exported.model_dir, trained.test_frame)
    metrics = evaluation.metrics.to_dict()
    for name, value in exported.card["metrics"]["test"].items():
        assert metrics[name] == pytest.approx(value, abs=1e-4)
    assert evaluation.rows_digest == scoring.rows_digest(trained.test_frame)


def test_scoring_names_a_missing_feature_column(
    exported: export.ExportResult, trained: train.TrainingResult
) -> None:
    frame = trained.test_frame.drop(columns=[trained.feature_order[0]])
    with pytest.raises(ValueError, match=trained.feature_order[0]):
        scoring.onnx_scores(exported.model_dir, frame)


def test_curves_are_written_as_png(tmp_path: Path) -> None:
    paths = scoring.write_curves([0, 1, 0, 1, 0], [0.1, 0.9, 0.4, 0.35, 0.2], "toy", tmp_path)
    assert [p.name for p in paths] == ["roc_curve.png", "pr_curve.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths)


def test_an_unreachable_tracking_server_is_named() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    uri = f"http://127.0.0.1:{port}"
    with pytest.raises(tracking.TrackingUnavailableError, match=f"MLflow at {uri} unreachable"):
        tracking.check_reachable(uri, timeout=2)


def test_the_work_directory_is_named_after_the_as_of_date_in_utc() -> None:
    context = RunContext("2026-11-23T01:00:00+01:00", "manual__x", logical_date=None)
    assert context.stamp == "20261123T000000Z"
    assert context.as_of_instant == dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
