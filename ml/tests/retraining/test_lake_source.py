"""The retraining on the real lake: Iceberg tables in a temporary SQLite catalog, opened from the
config as the DAG opens them, give the same rows as the in-memory lake, and no late label."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from fraudops_ml import contracts, data
from fraudops_ml.features import add_features
from fraudops_ml.lake import records, schema, tables
from fraudops_ml.retraining.extract import extract_rows
from fraudops_ml.retraining.lake_source import IcebergLake, open_lake
from fraudops_ml.retraining.settings import load_settings

from .test_extract import FakeLake, known_at

REPO_CONFIG = Path(__file__).resolve().parents[3] / "fraudops.config.json"
WORLD_FIRST = dt.date(2018, 9, 3)
AS_OF = dt.datetime(2018, 9, 18)  # the last full day is 2018-09-10
DELAY = 7.0
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def with_private_lake(config: dict[str, Any], root: Path) -> dict[str, Any]:
    """``config`` (the repository's) with its lake's catalog and warehouse under ``root``."""
    catalog = {"uri": f"sqlite:///{root}/catalog.db", "warehouse": str(root / "warehouse")}
    lake = {**config["lake"], "catalog": {**config["lake"]["catalog"], **catalog}}
    return {**config, "lake": lake}


def config_with_lake(tmp_path: Path) -> Path:
    config = with_private_lake(json.loads(REPO_CONFIG.read_text(encoding="utf-8")), tmp_path)
    file = tmp_path / "fraudops.config.json"
    file.write_text(json.dumps(config), encoding="utf-8")
    return file


def stamp(value: pd.Timestamp) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def land(lake: IcebergLake, spec: schema.TableSpec, values: list[dict[str, Any]]) -> None:
    table = tables.ensure_table(lake.catalog, lake.settings, spec)
    convert = records.converters(table.schema())
    message = records.Message(spec.topic_key, 0, 0, None, b"")
    tables.append_new(table, [records.to_row(v, spec, message, NOW, convert) for v in values])


def scored_records(lake_tx: pd.DataFrame) -> list[dict[str, Any]]:
    """ScoredTransactions as the stream scorer writes them (the world's inputs, no labels)."""
    inputs = contracts.model_features()
    columns = dict.fromkeys(["transaction_id", "customer_id", "terminal_id", "tx_amount", *inputs])
    frame = lake_tx[list(columns)]
    values = frame.to_dict("records")
    for value, when in zip(values, lake_tx["tx_datetime"], strict=True):
        value.update(
            tx_datetime=stamp(when), fraud_probability=0.1, is_fraud=False, model_version="m1"
        )
    return values


def label_records(lake_tx: pd.DataFrame, late: int) -> list[dict[str, Any]]:
    """Labels as the world publishes them; transaction ``late``'s comes a second after AS_OF."""
    out = []
    for row, known in zip(lake_tx.itertuples(), known_at(lake_tx), strict=True):
        when = (
            pd.Timestamp(AS_OF) + pd.Timedelta(seconds=1) if row.transaction_id == late else known
        )
        out.append(
            {
                "transaction_id": row.transaction_id,
                "tx_datetime": stamp(row.tx_datetime),
                "tx_fraud": row.tx_fraud,
                "tx_fraud_scenario": row.tx_fraud_scenario,
                "known_at": stamp(when),
                "source": "feedback-delay",
            }
        )
    return out


def test_the_real_lake_gives_the_fake_lakes_rows_and_never_a_late_label(
    small_dataset: data.Dataset, tmp_path: Path
) -> None:
    full = small_dataset.transactions
    historic = full[full["tx_datetime"] < pd.Timestamp(WORLD_FIRST)].reset_index(drop=True)
    digest = data.frame_sha256(historic)
    # The world's first eight days (to the last full day as of AS_OF), with their features.
    lake_days = full[(full["tx_datetime"] >= pd.Timestamp(WORLD_FIRST))]
    lake_tx = add_features(full).loc[lake_days.index]
    lake_tx = lake_tx[lake_tx["tx_datetime"] < pd.Timestamp(dt.date(2018, 9, 11))]
    frauds = lake_tx[lake_tx["tx_datetime"].dt.date == dt.date(2018, 9, 10)]
    late = int(frauds.loc[frauds["tx_fraud"] == 1, "transaction_id"].iloc[0])

    settings = load_settings({"FRAUDOPS_CONFIG": str(config_with_lake(tmp_path))})
    lake = open_lake(settings)
    assert isinstance(lake, IcebergLake)
    # Before the sink created the tables: the first champion's path.
    assert lake.newest_known_at() is None
    before = extract_rows(historic, digest, lake, AS_OF, DELAY)
    assert (before.lake_rows, before.data_hash) == (0, digest)

    land(lake, schema.SCORED_TRANSACTIONS, scored_records(lake_tx))
    labels = label_records(lake_tx, late)
    land(lake, schema.LABELS, labels)
    assert lake.newest_known_at() == max(dt.datetime.fromisoformat(x["known_at"]) for x in labels)

    real = extract_rows(historic, digest, lake, AS_OF, DELAY)
    assert late not in set(real.rows["transaction_id"])
    assert (real.lake_rows, real.unlabelled_rows) == (len(lake_tx) - 1, 1)
    assert real.window.test_week == "2018-09-04..2018-09-10"

    fake_labels = pd.DataFrame(labels).drop(columns=["tx_datetime", "source"])
    fake_labels["known_at"] = pd.to_datetime(fake_labels["known_at"])
    fake_scored = lake_tx.drop(columns=["tx_fraud", "tx_fraud_scenario"])
    fake = extract_rows(historic, digest, FakeLake(fake_scored, fake_labels), AS_OF, DELAY)
    pd.testing.assert_frame_equal(real.rows, fake.rows)
    assert real.data_hash == fake.data_hash


def test_without_a_lake_section_there_is_no_lake(tmp_path: Path) -> None:
    config = json.loads(config_with_lake(tmp_path).read_text(encoding="utf-8"))
    del config["lake"]
    file = tmp_path / "no-lake.json"
    file.write_text(json.dumps(config), encoding="utf-8")
    assert open_lake(load_settings({"FRAUDOPS_CONFIG": str(file)})) is None
