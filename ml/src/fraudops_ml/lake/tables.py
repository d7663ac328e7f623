"""Iceberg I/O: the catalog, the two tables, de-duplicated appends and retention.

De-duplication by ``transaction_id`` has two halves: within a batch (``records.first_per_key``)
and against the table: an anti-join against a scan of the batch's ids *restricted to the
batch's days*. A transaction's id and its tx_datetime never change (a redelivery is the same
record), so the day filter is exact and lets partition pruning skip every other day; the
``transaction_id`` column statistics skip most files of those days too.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy.exc
from pyiceberg.catalog import Catalog, load_catalog
from pyiceberg.expressions import (
    And,
    BooleanExpression,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
    Reference,
)
from pyiceberg.expressions.literals import literal
from pyiceberg.schema import Schema
from pyiceberg.table import Table
from pyiceberg.types import NestedField

from fraudops_ml import contracts
from fraudops_ml.lake import schema as lake_schema
from fraudops_ml.lake.records import first_per_key, to_arrow
from fraudops_ml.lake.schema import KEY_COLUMN, PARTITION_COLUMN, TableSpec
from fraudops_ml.lake.settings import LakeSettings

DAY = dt.timedelta(days=1)
T = TypeVar("T")


@dataclass(frozen=True)
class AppendResult:
    """What one append did.

    Attributes:
        written: rows appended.
        duplicates: rows dropped as already seen (in the batch or in the table).
        dedupe_seconds: time spent finding duplicates in the table.
        commit_seconds: time of the Iceberg append (data files + metadata commit).
    """

    written: int
    duplicates: int
    dedupe_seconds: float
    commit_seconds: float


def open_catalog(settings: LakeSettings) -> Catalog:
    """Open the SQL catalog (creating a local SQLite file's directory and the warehouse).

    Args:
        settings: lake settings.

    Returns:
        The catalog; pyiceberg merges ``PYICEBERG_CATALOG__<NAME>__*`` variables into it.
    """
    if settings.catalog_uri.startswith("sqlite:///"):
        Path(settings.catalog_uri.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    if settings.warehouse.startswith("file://"):
        Path(settings.warehouse.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    return _first_try_again(
        lambda: load_catalog(
            settings.catalog_name,
            type="sql",
            uri=settings.catalog_uri,
            warehouse=settings.warehouse,
        )
    )


def _first_try_again(create: Callable[[], T]) -> T:
    """Run ``create`` once more if it lost a race creating catalog rows.

    The sink and ``lake-check`` (or two sinks starting) may both create the catalog's tables or
    the namespace of a fresh lake: the loser gets "already exists" from the database, and a second
    try finds what the winner created.
    """
    try:
        return create()
    except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.IntegrityError):
        time.sleep(0.1)
        return create()


def identifier(settings: LakeSettings, spec: TableSpec) -> str:
    """Args: settings: lake settings; spec: a table. Returns: ``namespace.table``."""
    return f"{settings.namespace}.{settings.tables[spec.key]}"


# Every append commits one manifest. With pyiceberg's default fast append they accumulate, and
# every scan (the sink's de-duplication, the quality cycle) opens them all: a batch of 5,000 rows
# into one day took 100 ms at the 20th commit and 550 ms at the 200th ("Commits and manifests" in
# bench/lake/README.md). Merge append folds them once there are 16: planning stays flat however
# long the stack runs.
TABLE_PROPERTIES = {
    "commit.manifest-merge.enabled": "true",
    "commit.manifest.min-count-to-merge": "16",
}


def ensure_table(
    catalog: Catalog,
    settings: LakeSettings,
    spec: TableSpec,
    load: lake_schema.SchemaLoader = contracts.load_schema,
) -> Table:
    """Create the table if needed; add columns a newer contract has; set ``TABLE_PROPERTIES``.

    Args:
        catalog: the catalog.
        settings: lake settings.
        spec: the table.
        load: reads a contract file by name.

    Returns:
        The table.
    """
    wanted = lake_schema.table_schema(spec, load)
    _first_try_again(lambda: catalog.create_namespace_if_not_exists(settings.namespace))
    table = _first_try_again(
        lambda: catalog.create_table_if_not_exists(
            identifier(settings, spec),
            schema=wanted,
            partition_spec=lake_schema.partition_spec(wanted),
        )
    )
    have = {f.name for f in table.schema().fields}
    added = [f for f in wanted.fields if f.name not in have]
    if added:
        # Rows written before have no value: Iceberg cannot add a required column to them.
        optional = [
            NestedField(f.field_id, f.name, f.field_type, required=False, doc=f.doc) for f in added
        ]
        with table.update_schema() as update:
            update.union_by_name(Schema(*optional))
    if any(table.properties.get(k) != v for k, v in TABLE_PROPERTIES.items()):
        with table.transaction() as transaction:
            transaction.set_properties(TABLE_PROPERTIES)
    return table


def day_range(days: Sequence[dt.date]) -> BooleanExpression:
    """Args: days: the batch's tx_dates. Returns: a filter on the partitions from first to last."""
    return And(
        GreaterThanOrEqual(term=Reference(PARTITION_COLUMN), value=literal(min(days).isoformat())),
        before_day(max(days) + DAY),
    )


def before_day(day: dt.date) -> BooleanExpression:
    """Args: day: a simulated day. Returns: the filter ``tx_date < day``."""
    return LessThan(term=Reference(PARTITION_COLUMN), value=literal(day.isoformat()))


def existing_keys(table: Table, keys: Sequence[int], days: Sequence[dt.date]) -> pa.Array:
    """The keys of ``keys`` already in the table (scan of the batch's days only).

    Args:
        table: the table.
        keys: the batch's transaction ids.
        days: the batch's tx_dates.

    Returns:
        The ids found.
    """
    # A range, not In(keys): pyiceberg evaluates an In of 5,000 literals against every manifest
    # and file (0.3 s a batch here); the range prunes files as well by their id bounds, and
    # is_in (Arrow, hashed) does the exact match on what is read.
    key = Reference(KEY_COLUMN)
    found = table.scan(
        row_filter=And(
            And(
                GreaterThanOrEqual(term=key, value=literal(min(keys))),
                LessThanOrEqual(term=key, value=literal(max(keys))),
            ),
            day_range(days),
        ),
        selected_fields=(KEY_COLUMN,),
    ).to_arrow()
    column = found.column(KEY_COLUMN).combine_chunks()
    return column.filter(pc.is_in(column, value_set=pa.array(keys, pa.int64())))


def append_new(table: Table, rows: Sequence[Mapping[str, Any]]) -> AppendResult:
    """Append the rows whose transaction_id is neither earlier in the batch nor in the table.

    Args:
        table: the table.
        rows: rows in consumption order.

    Returns:
        What was written and dropped.
    """
    unique = first_per_key(rows, KEY_COLUMN)
    if not unique:
        return AppendResult(0, len(rows), 0.0, 0.0)
    started = time.perf_counter()
    batch = to_arrow(unique, table.schema())
    seen = existing_keys(
        table, [r[KEY_COLUMN] for r in unique], [r[PARTITION_COLUMN] for r in unique]
    )
    if len(seen):
        batch = batch.filter(pc.invert(pc.is_in(batch.column(KEY_COLUMN), value_set=seen)))
    dedupe_seconds = time.perf_counter() - started
    started = time.perf_counter()
    if batch.num_rows:
        table.append(batch)
    return AppendResult(
        written=batch.num_rows,
        duplicates=len(rows) - batch.num_rows,
        dedupe_seconds=dedupe_seconds,
        commit_seconds=time.perf_counter() - started,
    )


def retention_cutoff(newest: dt.datetime, row_days: int) -> dt.date:
    """The first simulated day kept: whole days, so whole partitions are dropped.

    Args:
        newest: the newest tx_datetime landed.
        row_days: days of rows kept, the newest's day included.

    Returns:
        The oldest day kept.
    """
    return newest.date() - (row_days - 1) * DAY


def apply_retention(
    table: Table, newest: dt.datetime, row_days: int, snapshot_hours: float, now: dt.datetime
) -> None:
    """Delete rows older than the retention and expire old snapshots.

    Args:
        table: the table.
        newest: the newest tx_datetime landed (simulated time).
        row_days: simulated days of rows kept.
        snapshot_hours: wall-clock hours of snapshots kept (time travel and reader safety).
        now: the wall clock (UTC).
    """
    cutoff = retention_cutoff(newest, row_days)
    if table.scan(row_filter=before_day(cutoff)).plan_files():
        table.delete(before_day(cutoff))
    table.maintenance.expire_snapshots().older_than(
        now - dt.timedelta(hours=snapshot_hours)
    ).commit()
