"""``lake-check``: what the lake holds, for people and for the stack's end-to-end test."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.catalog import Catalog

from fraudops_ml.lake import schema, tables
from fraudops_ml.lake.settings import LakeSettings


def _iso(value: Any) -> str | None:
    return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else None


def table_summary(found: pa.Table, newest_columns: tuple[str, ...]) -> dict[str, Any]:
    """Counts and newest times of one table's rows (pure).

    Args:
        found: the table's ``transaction_id`` and ``newest_columns``.
        newest_columns: timestamp columns to report the newest of.

    Returns:
        rows, distinct_ids, duplicate_ids (ids present more than once) and ``newest_<column>``.
    """
    ids = found.column("transaction_id")
    counts = pc.value_counts(ids)
    repeated = pc.filter(counts, pc.greater(counts.field("counts"), 1)) if len(counts) else []
    summary: dict[str, Any] = {
        "rows": found.num_rows,
        "distinct_ids": len(counts),
        "duplicate_ids": len(repeated),
    }
    for column in newest_columns:
        newest = pc.max(found.column(column)).as_py() if found.num_rows else None
        summary[f"newest_{column}"] = _iso(newest)
    return summary


def not_yet_due(known_at: pa.ChunkedArray, due_by: dt.datetime) -> int:
    """Args: known_at: the labels' known_at; due_by: simulated time. Returns: labels after it."""
    later = pc.greater(known_at, pa.scalar(due_by, known_at.type))
    return int(pc.sum(later).as_py() or 0)


def lake_summary(
    catalog: Catalog, settings: LakeSettings, due_by: dt.datetime | None = None
) -> dict[str, Any]:
    """What the lake holds.

    Args:
        catalog: the catalog.
        settings: lake settings.
        due_by: the world's simulated time, if known: labels known after it are counted
            (``labels.not_yet_due``; a label must never land before its time).

    Returns:
        A summary per table.
    """
    newest = {"scored_transactions": ("tx_datetime",), "labels": ("tx_datetime", "known_at")}
    summary: dict[str, Any] = {"warehouse": settings.warehouse}
    for spec in schema.TABLES:
        name = tables.identifier(settings, spec)
        columns = ("transaction_id", *newest[spec.key])
        if not catalog.table_exists(name):  # read-only: the sink creates the tables
            empty = pa.table({c: pa.array([], pa.int64()) for c in columns})
            summary[spec.key] = {"table": name, **table_summary(empty, ()), "snapshots": 0}
            summary[spec.key].update({f"newest_{c}": None for c in newest[spec.key]})
            if spec.key == "labels" and due_by is not None:
                summary[spec.key]["not_yet_due"] = 0
            continue
        table = catalog.load_table(name)
        found = table.scan(selected_fields=columns).to_arrow()
        summary[spec.key] = {
            "table": name,
            **table_summary(found, newest[spec.key]),
            "snapshots": len(table.snapshots()),
        }
        if spec.key == "labels" and due_by is not None:
            summary[spec.key]["not_yet_due"] = not_yet_due(found.column("known_at"), due_by)
    return summary
