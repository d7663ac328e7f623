"""The lake's Iceberg schemas, derived from the JSON Schemas in packages/contracts.

One owner per fact: a field added to ``scored-transaction.schema.json`` or ``label.schema.json``
becomes a column here without an edit. The mapping is deliberately small: integer -> long,
number -> double, boolean -> boolean, a string whose pattern describes a time (``tx_datetime``,
``known_at``: ``is_time_pattern``) -> timestamp (simulated time, no zone), any other string ->
string; ``required`` -> a required
column. The sink adds its own columns (ingest time, Kafka coordinates) after the contract's.

Both tables are partitioned by simulated day: the retraining reads whole simulated days
(``read_labelled``), the sink's de-duplication scans only the days of its batch, and row retention
drops whole day partitions (a metadata-only delete, no data file rewritten). The day is a column
the sink fills (``tx_date``, the date of ``tx_datetime``) with an identity partition, not Iceberg's
hidden ``day(tx_datetime)``: pyiceberg 0.12 computes ``day()`` for writes only with the optional
``pyiceberg-core`` extension, which the lock does not have. Readers filter on ``tx_date``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import (
    BooleanType,
    DateType,
    DoubleType,
    IcebergType,
    IntegerType,
    LongType,
    NestedField,
    StringType,
    TimestampType,
    TimestamptzType,
)

from fraudops_ml import contracts

KEY_COLUMN = "transaction_id"
TIME_COLUMN = "tx_datetime"
PARTITION_COLUMN = "tx_date"
# The first id of the partition spec's fields (the spec's convention: 1000 and up).
PARTITION_FIELD_ID = 1000

SchemaLoader = Callable[[str], Mapping[str, Any]]


class SchemaMappingError(ValueError):
    """A contract field whose JSON Schema type has no Iceberg column type."""


@dataclass(frozen=True)
class SinkColumn:
    """A column the sink fills, not the contract.

    Attributes:
        name: column name.
        type: Iceberg type.
        required: whether every row has a value.
        doc: what it holds.
    """

    name: str
    type: IcebergType
    required: bool
    doc: str


@dataclass(frozen=True)
class TableSpec:
    """One lake table.

    Attributes:
        key: the settings key of the table (``scored_transactions`` or ``labels``).
        contract: the JSON Schema file of one record (a Kafka value).
        topic_key: the key of the source topic in ``stack.kafka.topics``.
        sink_columns: columns the sink adds after the contract's.
    """

    key: str
    contract: str
    topic_key: str
    sink_columns: tuple[SinkColumn, ...]


TX_DATE = SinkColumn(
    PARTITION_COLUMN, DateType(), True, "The simulated day of tx_datetime (the partition)."
)
INGESTED_AT = SinkColumn(
    "ingested_at", TimestamptzType(), True, "Wall-clock time of the sink's batch (UTC)."
)
KAFKA_PARTITION = SinkColumn("kafka_partition", IntegerType(), True, "Source Kafka partition.")
KAFKA_OFFSET = SinkColumn("kafka_offset", LongType(), True, "Source Kafka offset.")

SCORED_TRANSACTIONS = TableSpec(
    key="scored_transactions",
    contract="scored-transaction.schema.json",
    topic_key="scores",
    sink_columns=(
        TX_DATE,
        SinkColumn(
            "scored_at",
            TimestamptzType(),
            False,
            "Wall-clock time the stream scorer produced the record (the Kafka message timestamp).",
        ),
        INGESTED_AT,
        KAFKA_PARTITION,
        KAFKA_OFFSET,
    ),
)
LABELS = TableSpec(
    key="labels",
    contract="label.schema.json",
    topic_key="labels",
    sink_columns=(TX_DATE, INGESTED_AT, KAFKA_PARTITION, KAFKA_OFFSET),
)
TABLES = (SCORED_TRANSACTIONS, LABELS)  # the sink's: written from Kafka
# The frozen baseline's scores of the rows of scored_transactions (fraudops_ml.quality.shadow writes
# them, not the sink): the same contract, the baseline's score, decision and version.
SHADOW_SCORED_TRANSACTIONS = TableSpec(
    key="shadow_scored_transactions",
    contract="scored-transaction.schema.json",
    topic_key="",
    sink_columns=(
        TX_DATE,
        SinkColumn(
            "ingested_at",
            TimestamptzType(),
            True,
            "Wall-clock time of the shadow scoring batch (UTC).",
        ),
    ),
)


# A string column holds simulated time when its pattern accepts these ('YYYY-MM-DD HH:MM:SS', the
# format of tx_datetime and known_at) and rejects those: a pattern is the contracts' only marker of
# a time (tx_datetime's allows ISO variants, known_at's only the simulator's form).
TIME_SAMPLES = ("2018-04-01 00:00:00", "2018-10-08 23:59:59")
NOT_TIME_SAMPLES = ("2018-04-01", "23:59:59", "xgboost-0123abcd", "3")


def is_time_pattern(pattern: object) -> bool:
    """Args: pattern: a string property's ``pattern``. Returns: whether it describes a time."""
    if not isinstance(pattern, str):
        return False
    regex = re.compile(pattern)
    return all(regex.search(t) for t in TIME_SAMPLES) and not any(
        regex.search(t) for t in NOT_TIME_SAMPLES
    )


def resolve(prop: Mapping[str, Any], load: SchemaLoader) -> Mapping[str, Any]:
    """Follow a ``$ref`` to another contract file (``file.json#/json/pointer``).

    Args:
        prop: a property's schema.
        load: reads a contract file by name.

    Returns:
        The referenced schema with the property's own keywords laid over it.
    """
    ref = prop.get("$ref")
    if not isinstance(ref, str):
        return prop
    file, _, pointer = ref.partition("#")
    node: Any = load(file.rsplit("/", 1)[-1])
    for part in filter(None, pointer.split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    merged = {**resolve(node, load), **{k: v for k, v in prop.items() if k != "$ref"}}
    return merged


def iceberg_type(name: str, prop: Mapping[str, Any]) -> IcebergType:
    """Map one JSON Schema property to an Iceberg type.

    Args:
        name: the property (for the error message).
        prop: its resolved schema.

    Returns:
        The Iceberg type.

    Raises:
        SchemaMappingError: for a type the lake does not store (objects, arrays, unions).
    """
    kind = prop.get("type")
    if kind == "integer":
        return LongType()
    if kind == "number":
        return DoubleType()
    if kind == "boolean":
        return BooleanType()
    if kind == "string":
        return TimestampType() if is_time_pattern(prop.get("pattern")) else StringType()
    raise SchemaMappingError(f"field {name}: JSON Schema type {kind!r} has no Iceberg column type")


def contract_fields(schema: Mapping[str, Any], load: SchemaLoader) -> list[NestedField]:
    """The contract's columns, in property order, field ids from 1.

    Args:
        schema: the record's JSON Schema.
        load: reads a contract file by name (for ``$ref``).

    Returns:
        One field per property.
    """
    required = set(schema.get("required", ()))
    return [
        NestedField(
            field_id=index,
            name=name,
            field_type=iceberg_type(name, resolve(prop, load)),
            required=name in required,
            doc=resolve(prop, load).get("description"),
        )
        for index, (name, prop) in enumerate(schema["properties"].items(), start=1)
    ]


def table_schema(spec: TableSpec, load: SchemaLoader = contracts.load_schema) -> Schema:
    """The Iceberg schema of a table: the contract's columns, then the sink's.

    Args:
        spec: the table.
        load: reads a contract file by name.

    Returns:
        The schema, with ``transaction_id`` as its identifier field.

    Raises:
        SchemaMappingError: when a sink column clashes with a contract field or the key is missing.
    """
    fields = contract_fields(load(spec.contract), load)
    names = {f.name for f in fields}
    clash = names & {c.name for c in spec.sink_columns}
    if clash:
        raise SchemaMappingError(f"{spec.contract}: fields {sorted(clash)} clash with sink columns")
    key = next((f for f in fields if f.name == KEY_COLUMN and f.required), None)
    if key is None or TIME_COLUMN not in names:
        raise SchemaMappingError(f"{spec.contract}: needs required {KEY_COLUMN} and {TIME_COLUMN}")
    fields += [
        NestedField(len(fields) + i, c.name, c.type, required=c.required, doc=c.doc)
        for i, c in enumerate(spec.sink_columns, start=1)
    ]
    return Schema(*fields, identifier_field_ids=[key.field_id])


def partition_spec(schema: Schema) -> PartitionSpec:
    """Identity partitions of ``tx_date``, the simulated day (why: see the module docstring).

    Args:
        schema: the table's schema.

    Returns:
        The partition spec.
    """
    source = schema.find_field(PARTITION_COLUMN)
    return PartitionSpec(
        PartitionField(
            source_id=source.field_id,
            field_id=PARTITION_FIELD_ID,
            transform=IdentityTransform(),
            name=PARTITION_COLUMN,
        )
    )
