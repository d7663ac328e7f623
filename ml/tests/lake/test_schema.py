from __future__ import annotations

from typing import Any

import pytest
from pyiceberg.types import (
    BooleanType,
    DateType,
    DoubleType,
    LongType,
    StringType,
    TimestampType,
    TimestamptzType,
)

from fraudops_ml import contracts
from fraudops_ml.lake import schema


@pytest.mark.parametrize("spec", schema.TABLES, ids=lambda s: s.key)
def test_every_contract_field_has_a_column_of_the_same_requiredness(spec: schema.TableSpec) -> None:
    contract = contracts.load_schema(spec.contract)
    table = schema.table_schema(spec)
    columns = {f.name: f for f in table.fields}
    required = set(contract["required"])
    for name in contract["properties"]:
        assert name in columns, f"{spec.contract}: {name} has no column"
        assert columns[name].required == (name in required), name
    extra = [c for c in columns if c not in contract["properties"]]
    assert extra == [c.name for c in spec.sink_columns]
    assert table.identifier_field_names() == {"transaction_id"}


def test_scored_transactions_hold_the_transaction_the_score_and_the_model() -> None:
    table = schema.table_schema(schema.SCORED_TRANSACTIONS)
    types = {f.name: f.field_type for f in table.fields}
    for feature in contracts.model_features():
        assert feature in types
    assert types["transaction_id"] == LongType()
    assert types["tx_datetime"] == TimestampType()
    assert types["tx_amount"] == DoubleType()
    assert types["is_fraud"] == BooleanType()
    assert types["model_version"] == StringType()
    assert types["scored_at"] == TimestamptzType()


def test_label_times_are_timestamps_and_the_source_a_string() -> None:
    types = {f.name: f.field_type for f in schema.table_schema(schema.LABELS).fields}
    assert types["tx_datetime"] == TimestampType()
    assert types["known_at"] == TimestampType()
    assert types["source"] == StringType()
    assert types["tx_fraud_scenario"] == LongType()


def _loader(record_schema: dict[str, Any]) -> schema.SchemaLoader:
    def load(name: str) -> dict[str, Any]:
        if name == "transaction.schema.json":
            return contracts.load_schema(name)
        return record_schema

    return load


def test_a_field_without_a_column_type_fails_loudly() -> None:
    bad = {
        "required": ["transaction_id", "tx_datetime"],
        "properties": {
            "transaction_id": {"type": "integer"},
            "tx_datetime": {"$ref": "transaction.schema.json#/properties/tx_datetime"},
            "tags": {"type": "array"},
        },
    }
    with pytest.raises(schema.SchemaMappingError, match="field tags: JSON Schema type 'array'"):
        schema.table_schema(schema.LABELS, _loader(bad))


@pytest.mark.parametrize(
    ("pattern", "is_time"),
    [
        (
            contracts.load_schema("transaction.schema.json")["properties"]["tx_datetime"][
                "pattern"
            ],
            True,
        ),
        (contracts.load_schema("label.schema.json")["properties"]["known_at"]["pattern"], True),
        (
            contracts.load_schema("score.schema.json")["properties"]["registry_version"]["pattern"],
            False,
        ),
        ("^\\d{4}-\\d{2}-\\d{2}$", False),
        (".*", False),
        (None, False),
    ],
)
def test_only_patterns_of_simulated_time_make_timestamps(
    pattern: str | None, is_time: bool
) -> None:
    assert schema.is_time_pattern(pattern) is is_time


def test_a_string_without_a_time_pattern_stays_a_string_and_refs_resolve() -> None:
    record = {
        "required": ["transaction_id", "tx_datetime"],
        "properties": {
            "transaction_id": {"type": "integer"},
            "tx_datetime": {"$ref": "transaction.schema.json#/properties/tx_datetime"},
            "note": {"type": "string", "pattern": "^x$"},
        },
    }
    table = schema.table_schema(schema.LABELS, _loader(record))
    assert table.find_field("tx_datetime").field_type == TimestampType()
    assert table.find_field("tx_datetime").required
    assert table.find_field("note").field_type == StringType()
    assert not table.find_field("note").required


@pytest.mark.parametrize("spec", schema.TABLES, ids=lambda s: s.key)
def test_partitions_are_the_simulated_day(spec: schema.TableSpec) -> None:
    table = schema.table_schema(spec)
    (field,) = schema.partition_spec(table).fields
    assert str(field.transform) == "identity"
    assert field.source_id == table.find_field("tx_date").field_id
    assert table.find_field("tx_date").field_type == DateType()
