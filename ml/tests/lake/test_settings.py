from __future__ import annotations

import re
from pathlib import Path

import pytest

from fraudops_ml.lake.settings import LakeSettingsError, load_lake_settings

from .conftest import lake_config, write_config


def test_reads_the_lake_section_with_local_paths_made_absolute(tmp_path: Path) -> None:
    config = lake_config(tmp_path)
    config["lake"]["catalog"] = {
        "name": "fraudops",
        "uri": "sqlite:///lake/c.db",
        "warehouse": "lake/w",
    }
    settings = load_lake_settings(write_config(tmp_path, config), env={})
    assert settings.catalog_uri == f"sqlite:///{tmp_path.resolve()}/lake/c.db"
    assert settings.warehouse == (tmp_path / "lake" / "w").resolve().as_uri()
    assert settings.tables == {
        "scored_transactions": "scored_transactions",
        "labels": "labels",
        "shadow_scored_transactions": "shadow_scored_transactions",
    }
    assert settings.topics == {"scores": "scores", "labels": "labels"}
    assert settings.bootstrap == "127.0.0.1:19092"
    assert (settings.batch_max_rows, settings.batch_max_seconds) == (5000, 5.0)
    assert (settings.row_retention_days, settings.snapshot_retention_hours) == (120, 24.0)
    assert settings.week_ends_before == 0
    assert settings.airflow_url is None


def test_the_cluster_gives_catalog_warehouse_and_airflow_credentials_by_environment(
    tmp_path: Path,
) -> None:
    config = lake_config(tmp_path)
    config["lake"]["retrainingTrigger"]["airflowUrl"] = "http://airflow:8080/"
    env = {
        "FRAUDOPS_LAKE_CATALOG_URI": "postgresql+psycopg2://lake@db/lake",
        "FRAUDOPS_LAKE_WAREHOUSE": "s3://fraudops-lake/warehouse",
        "FRAUDOPS_AIRFLOW_USERNAME": "lake",
        "FRAUDOPS_AIRFLOW_PASSWORD": "secret",
    }
    settings = load_lake_settings(write_config(tmp_path, config), env=env)
    assert settings.catalog_uri == "postgresql+psycopg2://lake@db/lake"
    assert settings.warehouse == "s3://fraudops-lake/warehouse"
    assert settings.airflow_url == "http://airflow:8080"
    assert (settings.airflow_username, settings.airflow_password) == ("lake", "secret")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("sink.batchMaxRows", 0, "lake.sink.batchMaxRows must be an integer >= 1"),
        ("sink.batchMaxSeconds", "5", "lake.sink.batchMaxSeconds must be a number"),
        ("metrics.port", 70000, "lake.metrics.port must be a TCP port"),
        ("retrainingTrigger.weekEndsBefore", "someday", "choose from monday"),
        ("retrainingTrigger.airflowUrl", "airflow", "must be null or a URL"),
        ("namespace", "", "lake.namespace must be a non-empty string"),
    ],
)
def test_an_invalid_field_is_named(tmp_path: Path, path: str, value: object, message: str) -> None:
    config = lake_config(tmp_path)
    *parents, last = path.split(".")
    node = config["lake"]
    for key in parents:
        node = node[key]
    node[last] = value
    with pytest.raises(LakeSettingsError, match=message):
        load_lake_settings(write_config(tmp_path, config), env={})


def test_a_missing_section_is_named(tmp_path: Path) -> None:
    config = lake_config(tmp_path)
    del config["lake"]
    with pytest.raises(LakeSettingsError, match=re.escape("missing field lake.catalog.name")):
        load_lake_settings(write_config(tmp_path, config), env={})


def test_the_repository_config_loads_with_the_lake_under_the_state_dir() -> None:
    repository = Path(__file__).resolve().parents[3]
    settings = load_lake_settings(repository / "fraudops.config.json", env={})
    assert settings.catalog_uri == f"sqlite:///{repository / '.fraudops/lake/catalog.db'}"
    assert settings.warehouse == (repository / ".fraudops/lake/warehouse").as_uri()
    assert settings.dead_letter_topic == "lake.dead-letter"
