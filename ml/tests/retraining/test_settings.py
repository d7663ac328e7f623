"""load_settings: the config file's fields, paths relative to it, and errors that name them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fraudops_ml import train
from fraudops_ml.retraining.settings import SettingsError, load_settings

REPO_CONFIG = Path(__file__).resolve().parents[3] / "fraudops.config.json"


def write_config(tmp_path: Path, **changes: Any) -> Path:
    config = json.loads(REPO_CONFIG.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node = config
        for key in parents:
            node = node.setdefault(key, {})
        if value is None:
            del node[leaf]
        else:
            node[leaf] = value
    path = tmp_path / "fraudops.config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def test_the_repository_config_gives_the_documented_defaults() -> None:
    settings = load_settings({"FRAUDOPS_CONFIG": str(REPO_CONFIG)})
    assert settings.model_name == "fraud-detector"
    assert settings.experiment == "fraud-detector-retraining"
    assert settings.champion_alias == "champion"
    assert settings.preset == "default"
    assert settings.candidates == train.CANDIDATES
    assert settings.promotion_metric == "average_precision"
    assert settings.min_gain == pytest.approx(0.002)
    assert settings.schedule == "@weekly"
    assert settings.tracking_uri == "http://127.0.0.1:19098"
    assert settings.work_dir == REPO_CONFIG.parent / ".fraudops" / "retraining"
    assert settings.data_dir == REPO_CONFIG.parent / ".fraudops" / "data"
    assert settings.feedback_delay_days == 7.0
    assert settings.labelled_week_asset == "fraudops_lake_labelled_week"
    assert settings.lake


def test_the_feedback_delay_and_the_asset_come_from_the_world_and_the_lake(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, world__feedbackDelayDays=3.5, lake__retrainingTrigger__asset="labelled"
    )
    settings = load_settings({"FRAUDOPS_CONFIG": str(path)})
    assert (settings.feedback_delay_days, settings.labelled_week_asset) == (3.5, "labelled")
    assert settings.lake


def test_without_world_and_lake_sections_the_defaults_hold_and_there_is_no_lake(
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path, world={}, lake={})
    config = json.loads(path.read_text(encoding="utf-8"))
    del config["world"], config["lake"]
    path.write_text(json.dumps(config), encoding="utf-8")
    settings = load_settings({"FRAUDOPS_CONFIG": str(path)})
    assert (settings.feedback_delay_days, settings.labelled_week_asset) == (
        7.0,
        "fraudops_lake_labelled_week",
    )
    assert not settings.lake


def test_paths_are_relative_to_the_config_file_and_the_tracking_uri_is_overridable(
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path, retraining__workDir="work", data__dir="cache")
    settings = load_settings({"FRAUDOPS_CONFIG": str(path), "MLFLOW_TRACKING_URI": "http://x:1"})
    assert settings.work_dir == tmp_path / "work"
    assert settings.data_dir == tmp_path / "cache"
    assert settings.tracking_uri == "http://x:1"


def test_candidates_keep_the_trainer_order(tmp_path: Path) -> None:
    path = write_config(tmp_path, retraining__candidates=["decision_tree", "logistic_regression"])
    settings = load_settings({"FRAUDOPS_CONFIG": str(path)})
    assert settings.candidates == ("logistic_regression", "decision_tree")


def test_an_unset_variable_says_what_to_set() -> None:
    with pytest.raises(SettingsError, match="FRAUDOPS_CONFIG is not set"):
        load_settings({})


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(SettingsError, match=rf"{missing}: cannot read"):
        load_settings({"FRAUDOPS_CONFIG": str(missing)})


def test_invalid_json_is_named(tmp_path: Path) -> None:
    path = tmp_path / "fraudops.config.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid JSON"):
        load_settings({"FRAUDOPS_CONFIG": str(path)})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model__name": None}, "missing field model.name"),
        ({"retraining__promotion": None}, "missing field retraining.promotion.metric"),
        ({"retraining__preset": "huge"}, "retraining.preset is 'huge'"),
        ({"retraining__candidates": ["svm"]}, "retraining.candidates has unknown svm"),
        ({"retraining__candidates": "all"}, "retraining.candidates must be a list"),
        ({"retraining__experiment": ""}, "retraining.experiment must be a non-empty string"),
        ({"retraining__promotion__minGain": -0.1}, "minGain must be a number >= 0"),
        ({"retraining__promotion__metric": "f1"}, "retraining.promotion.metric is 'f1'"),
        ({"stack__mlflow__port": "19098"}, "stack.mlflow.port must be a TCP port"),
        ({"world__feedbackDelayDays": 0}, "world.feedbackDelayDays must be a number > 0"),
        ({"world__feedbackDelayDays": "7"}, "world.feedbackDelayDays must be a number > 0"),
        ({"world": [7]}, "field world must be an object"),
        (
            {"lake__retrainingTrigger__asset": ""},
            "lake.retrainingTrigger.asset must be a non-empty",
        ),
        ({"lake__retrainingTrigger": "x"}, "lake.retrainingTrigger must be an object"),
    ],
)
def test_an_invalid_field_is_named_with_the_file(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    path = write_config(tmp_path, **change)
    with pytest.raises(SettingsError, match=str(path)) as caught:
        load_settings({"FRAUDOPS_CONFIG": str(path)})
    assert message in str(caught.value)
