from __future__ import annotations

import datetime as dt
from typing import Any

from fraudops_ml import contracts
from fraudops_ml.lake import records, schema, tables
from fraudops_ml.lake.settings import LakeSettings

from .conftest import label, scored

T0 = dt.datetime(2018, 10, 1, 8, 0, 0)
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def rows(
    spec: schema.TableSpec, values: list[dict[str, Any]], offset: int = 0
) -> list[dict[str, Any]]:
    times = records.converters(schema.table_schema(spec))
    return [
        records.to_row(
            v,
            spec,
            records.Message(spec.topic_key, 0, offset + i, None, b"", 1_700_000_000_000),
            NOW,
            times,
        )
        for i, v in enumerate(values)
    ]


def test_append_drops_repeats_in_the_batch_and_ids_already_in_the_table(
    settings: LakeSettings,
) -> None:
    table = tables.ensure_table(tables.open_catalog(settings), settings, schema.SCORED_TRANSACTIONS)
    first = [scored(i, T0 + dt.timedelta(hours=i)) for i in range(10)]
    result = tables.append_new(table, rows(schema.SCORED_TRANSACTIONS, first + first[:3]))
    assert (result.written, result.duplicates) == (10, 3)
    # A redelivery of 5..9 with 10..14 new, across a day boundary (hours 5..14 -> two days).
    again = [scored(i, T0 + dt.timedelta(hours=i)) for i in range(5, 15)]
    result = tables.append_new(table, rows(schema.SCORED_TRANSACTIONS, again, offset=13))
    assert (result.written, result.duplicates) == (5, 5)
    ids = table.scan(selected_fields=("transaction_id",)).to_arrow().column(0).to_pylist()
    assert sorted(ids) == list(range(15))


def test_rows_land_with_their_types_and_sink_columns(settings: LakeSettings) -> None:
    table = tables.ensure_table(tables.open_catalog(settings), settings, schema.LABELS)
    tables.append_new(table, rows(schema.LABELS, [label(7, T0, T0 + dt.timedelta(days=7), 1)]))
    (row,) = table.scan().to_arrow().to_pylist()
    assert row["tx_datetime"] == T0
    assert row["known_at"] == T0 + dt.timedelta(days=7)
    assert (row["tx_fraud"], row["source"], row["kafka_offset"]) == (1, "feedback-delay", 0)
    assert row["ingested_at"] == NOW


def test_ensure_table_is_idempotent(settings: LakeSettings) -> None:
    catalog = tables.open_catalog(settings)
    first = tables.ensure_table(catalog, settings, schema.LABELS)
    second = tables.ensure_table(catalog, settings, schema.LABELS)
    assert first.metadata.table_uuid == second.metadata.table_uuid


def test_manifests_are_merged_so_scans_do_not_slow_down_with_every_commit(
    settings: LakeSettings,
) -> None:
    table = tables.ensure_table(tables.open_catalog(settings), settings, schema.SCORED_TRANSACTIONS)
    for i in range(40):
        value = scored(i, T0 + dt.timedelta(minutes=i))
        tables.append_new(table, rows(schema.SCORED_TRANSACTIONS, [value], offset=i))
    snapshot = table.current_snapshot()
    assert snapshot is not None
    # 40 commits, not 40 manifests: merged once there are 16 (TABLE_PROPERTIES).
    assert len(snapshot.manifests(table.io)) < 16
    ids = table.scan(selected_fields=("transaction_id",)).to_arrow().column(0).to_pylist()
    assert sorted(ids) == list(range(40))


def test_retention_drops_whole_old_days_and_expires_old_snapshots(settings: LakeSettings) -> None:
    table = tables.ensure_table(tables.open_catalog(settings), settings, schema.SCORED_TRANSACTIONS)
    days = [scored(i, T0 + dt.timedelta(days=i)) for i in range(5)]
    for i, value in enumerate(days):
        tables.append_new(table, rows(schema.SCORED_TRANSACTIONS, [value], offset=i))
    assert len(table.snapshots()) == 5
    tables.apply_retention(table, T0 + dt.timedelta(days=4), 3, 0, dt.datetime.now(dt.UTC))
    table.refresh()
    kept = sorted(table.scan().to_arrow().column("transaction_id").to_pylist())
    assert kept == [2, 3, 4]
    assert len(table.snapshots()) == 1


def test_retention_cutoff_keeps_whole_days() -> None:
    newest = dt.datetime(2018, 10, 10, 23, 59, 59)
    assert tables.retention_cutoff(newest, 1) == dt.date(2018, 10, 10)
    assert tables.retention_cutoff(newest, 7) == dt.date(2018, 10, 4)


def test_a_field_added_to_the_contract_becomes_an_optional_column(settings: LakeSettings) -> None:
    def older(name: str) -> dict[str, Any]:
        contract = contracts.load_schema(name)
        if name == schema.SCORED_TRANSACTIONS.contract:
            del contract["properties"]["model_version"]
            contract["required"].remove("model_version")
        return contract

    catalog = tables.open_catalog(settings)
    before = tables.ensure_table(catalog, settings, schema.SCORED_TRANSACTIONS, older)
    assert "model_version" not in {f.name for f in before.schema().fields}
    after = tables.ensure_table(catalog, settings, schema.SCORED_TRANSACTIONS)
    column = after.schema().find_field("model_version")
    assert not column.required
    assert after.schema().identifier_field_names() == {"transaction_id"}
