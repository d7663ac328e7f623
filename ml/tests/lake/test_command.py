"""``lake-check`` and ``lake-sink`` through the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from fraudops_ml import cli
from fraudops_ml.lake import records, schema, tables
from fraudops_ml.lake.settings import load_lake_settings

from .conftest import label, lake_config, scored, write_config

T0 = dt.datetime(2018, 10, 1, 8)
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _rows(spec: schema.TableSpec, values: list[dict[str, object]]) -> list[dict[str, object]]:
    times = records.converters(schema.table_schema(spec))
    return [
        records.to_row(v, spec, records.Message(spec.topic_key, 0, i, None, b""), NOW, times)
        for i, v in enumerate(values)
    ]


def test_lake_check_prints_counts_and_newest_dates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, lake_config(tmp_path))
    settings = load_lake_settings(config, env={})
    catalog = tables.open_catalog(settings)
    scores = tables.ensure_table(catalog, settings, schema.SCORED_TRANSACTIONS)
    tables.append_new(scores, _rows(schema.SCORED_TRANSACTIONS, [scored(i, T0) for i in range(3)]))
    labels = tables.ensure_table(catalog, settings, schema.LABELS)
    tables.append_new(labels, _rows(schema.LABELS, [label(1, T0, T0 + dt.timedelta(days=7))]))
    assert cli.main(["lake-check", "--config", str(config)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["scored_transactions"] | {"snapshots": 0} == {
        "table": "fraudops.scored_transactions",
        "rows": 3,
        "distinct_ids": 3,
        "duplicate_ids": 0,
        "newest_tx_datetime": "2018-10-01 08:00:00",
        "snapshots": 0,
    }
    assert summary["labels"]["newest_known_at"] == "2018-10-08 08:00:00"
    assert summary["labels"]["rows"] == 1
    due = ["lake-check", "--config", str(config), "--labels-due-by"]
    assert cli.main([*due, "2018-10-08 08:00:00"]) == 0
    assert json.loads(capsys.readouterr().out)["labels"]["not_yet_due"] == 0
    assert cli.main([*due, "2018-10-08 07:59:59"]) == 1
    assert json.loads(capsys.readouterr().out)["labels"]["not_yet_due"] == 1


def test_lake_check_fails_when_an_id_is_there_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, lake_config(tmp_path))
    settings = load_lake_settings(config, env={})
    table = tables.ensure_table(tables.open_catalog(settings), settings, schema.SCORED_TRANSACTIONS)
    rows = _rows(schema.SCORED_TRANSACTIONS, [scored(1, T0), scored(2, T0)])
    table.append(records.to_arrow(rows + rows[:1], table.schema()))  # bypasses the dedupe
    assert cli.main(["lake-check", "--config", str(config)]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert (
        summary["scored_transactions"]["rows"],
        summary["scored_transactions"]["duplicate_ids"],
    ) == (3, 1)


def test_a_bad_config_is_one_line_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, {"stack": {}})
    assert cli.main(["lake-sink", "--config", str(config)]) == 2
    assert cli.main(["lake-check", "--config", str(config)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert err[0].startswith("fraudops_ml lake-sink: error: ")


def test_help_names_the_guarantees(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["lake-sink", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "offsets are committed only after the Iceberg commit" in text
    assert "--airflow-url" in text


def test_lake_check_on_an_empty_lake_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, lake_config(tmp_path))
    assert cli.main(["lake-check", "--config", str(config)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["labels"] == {
        "table": "fraudops.labels",
        "rows": 0,
        "distinct_ids": 0,
        "duplicate_ids": 0,
        "snapshots": 0,
        "newest_tx_datetime": None,
        "newest_known_at": None,
    }
    settings = load_lake_settings(config, env={})
    assert tables.open_catalog(settings).list_namespaces() == []
