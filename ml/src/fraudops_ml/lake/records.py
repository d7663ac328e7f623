"""Kafka values to table rows: parse, check against the contract, convert (pure functions).

A value that is not JSON or fails its contract becomes a ``DeadLetter`` with a one-line reason;
the sink sends it to the dead-letter topic, never drops it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
import pyarrow as pa
from pyiceberg.schema import Schema
from pyiceberg.types import LongType, TimestampType

from fraudops_ml.lake.schema import TableSpec


@dataclass(frozen=True)
class Message:
    """The parts of a Kafka message the sink uses.

    Attributes:
        topic: source topic.
        partition: source partition.
        offset: offset in the partition.
        key: message key.
        value: message value (JSON bytes).
        timestamp_ms: the message timestamp (producer time), if any.
        headers: message headers.
    """

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None = None
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class DeadLetter:
    """A message that cannot land, with why.

    Attributes:
        message: the original message.
        reason: one line for the ``x-dead-letter-reason`` header.
    """

    message: Message
    reason: str


class RecordValidator(Protocol):
    """What the sink needs of a contract check (``contract_check.ContractCheck``)."""

    def reason(self, record: Any) -> str | None:
        """Args: record: a parsed value. Returns: why it fails its contract, or None."""
        ...


def parse_time(text: str) -> dt.datetime:
    """Parse a contract timestamp as naive simulated time (an offset, if any, is moved to UTC).

    Args:
        text: ``YYYY-MM-DD HH:MM:SS`` (or any form the tx_datetime pattern allows).

    Returns:
        A naive datetime.
    """
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def contract_error(record: Any, validator: RecordValidator) -> str | None:
    """Args: record: parsed value; validator: the contract. Returns: the first error, or None."""
    reason = validator.reason(record)
    return None if reason is None else f"contract: {reason}"[:300]


def parse(message: Message, validator: RecordValidator) -> dict[str, Any] | DeadLetter:
    """Parse and check one message.

    Args:
        message: the Kafka message.
        validator: the table's contract.

    Returns:
        The record, or a dead letter saying why not.
    """
    if message.value is None:
        return DeadLetter(message, "empty value (tombstone)")
    try:
        record = orjson.loads(message.value)
    except orjson.JSONDecodeError as exc:
        return DeadLetter(message, f"not JSON: {exc}"[:300])
    reason = contract_error(record, validator)
    if reason is not None:
        return DeadLetter(message, reason)
    if not isinstance(record, dict):  # the contracts are objects; keeps the type exact
        return DeadLetter(message, "contract: (record) is not an object")
    return record


Converters = Mapping[str, Callable[[Any], Any]]


def converters(schema: Schema) -> dict[str, Callable[[Any], Any]]:
    """How a record's JSON values become column values, where they differ.

    Args:
        schema: a table schema.

    Returns:
        Timestamp columns parse simulated time; long columns take ints (JSON Schema's integer
        admits 1.0, Arrow's int64 does not).
    """
    found: dict[str, Callable[[Any], Any]] = {}
    for f in schema.fields:
        if isinstance(f.field_type, TimestampType):
            found[f.name] = parse_time
        elif isinstance(f.field_type, LongType):
            found[f.name] = int
    return found


def to_row(
    record: Mapping[str, Any],
    spec: TableSpec,
    message: Message,
    ingested_at: dt.datetime,
    convert: Converters,
) -> dict[str, Any]:
    """One table row: the record, its values converted, and the sink's columns.

    Args:
        record: a valid record.
        spec: the table.
        message: where it came from.
        ingested_at: the batch's wall-clock time (UTC).
        convert: ``converters(schema)``.

    Returns:
        The row.
    """
    row = {k: convert[k](v) if k in convert else v for k, v in record.items()}
    sink = {
        "tx_date": row["tx_datetime"].date(),
        "scored_at": (
            dt.datetime.fromtimestamp(message.timestamp_ms / 1000, dt.UTC)
            if message.timestamp_ms
            else None
        ),
        "ingested_at": ingested_at,
        "kafka_partition": message.partition,
        "kafka_offset": message.offset,
    }
    row.update({c.name: sink[c.name] for c in spec.sink_columns})
    return row


def first_per_key(rows: Sequence[Mapping[str, Any]], key: str) -> list[Mapping[str, Any]]:
    """Drop repeated keys within a batch, keeping the first (the earliest offset).

    Args:
        rows: rows in consumption order.
        key: the key column.

    Returns:
        The rows whose key was not seen before in ``rows``.
    """
    seen: set[Any] = set()
    kept = []
    for row in rows:
        if row[key] not in seen:
            seen.add(row[key])
            kept.append(row)
    return kept


def to_arrow(rows: Sequence[Mapping[str, Any]], schema: Schema) -> pa.Table:
    """Args: rows: table rows; schema: the table's schema. Returns: an Arrow table of it."""
    arrow_schema = schema.as_arrow()
    columns = {name: [row.get(name) for row in rows] for name in arrow_schema.names}
    return pa.Table.from_pydict(columns, schema=arrow_schema)
