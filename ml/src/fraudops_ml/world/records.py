"""Contract records of the world, validated before anything is published.

A transaction record is a Transaction (transaction.schema.json) without its labels; a label
record is a Label (label.schema.json). Both carry simulated times as ``YYYY-MM-DD HH:MM:SS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fraudops_ml.contract_check import ContractCheck
from fraudops_ml.replay import COURSE_COLUMNS

TRANSACTIONS = "transactions"
LABELS = "labels"
TRANSACTION_SCHEMA = "transaction.schema.json"
LABEL_SCHEMA = "label.schema.json"
LABEL_FIELDS = ("transaction_id", "tx_datetime", "tx_fraud", "tx_fraud_scenario")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class InvalidRecordError(RuntimeError):
    """A record the world built does not satisfy its contract: a bug, never published."""


@dataclass(frozen=True)
class Event:
    """One record to publish at a simulated time.

    Attributes:
        at: simulated seconds since the historic dataset's first instant.
        kind: ``TRANSACTIONS`` or ``LABELS`` (the topic's key in the config).
        key: the Kafka key (customer_id for a transaction, transaction_id for a label).
        value: the record.
    """

    at: int
    kind: str
    key: str
    value: dict[str, Any]


def _column_values(frame: pd.DataFrame, column: str) -> list[Any]:
    series = frame[column]
    if pd.api.types.is_datetime64_any_dtype(series):
        return list(series.dt.strftime(DATETIME_FORMAT))
    if pd.api.types.is_integer_dtype(series):
        return [int(v) for v in series.to_numpy(np.int64)]
    if pd.api.types.is_float_dtype(series):
        return [float(v) for v in series.to_numpy(np.float64)]
    return list(series)


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    values = [_column_values(frame, c) for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def transaction_events(frame: pd.DataFrame, feature_order: Sequence[str]) -> list[Event]:
    """Transaction events (labels left out), at their transaction time.

    Args:
        frame: the day's transactions with their 15 inputs.
        feature_order: the contract's model inputs.

    Returns:
        One event per row, in row order.
    """
    columns = list(COURSE_COLUMNS) + [f for f in feature_order if f not in COURSE_COLUMNS]
    times = frame["tx_time_seconds"].to_numpy(np.int64)
    return [
        Event(int(at), TRANSACTIONS, str(row["customer_id"]), row)
        for at, row in zip(times, _rows(frame, columns), strict=True)
    ]


def label_events(due: pd.DataFrame, start: np.datetime64) -> list[Event]:
    """Label events, at the time each label becomes known.

    Args:
        due: labels (``labels.PENDING_COLUMNS``).
        start: the historic dataset's first instant (simulated second 0).

    Returns:
        One event per row, in row order.
    """
    known_at = due["known_at"].to_numpy(np.int64)
    frame = due.assign(
        known_at=pd.Series(start + known_at.astype("timedelta64[s]")).astype("datetime64[ns]")
    )
    rows = _rows(frame, [*LABEL_FIELDS, "known_at", "source"])
    return [
        Event(int(at), LABELS, str(row["transaction_id"]), row)
        for at, row in zip(known_at, rows, strict=True)
    ]


def merge_events(transactions: list[Event], label_list: list[Event]) -> list[Event]:
    """Both lists in event-time order (a transaction before a label at the same second).

    Args:
        transactions: transaction events in time order.
        label_list: label events in time order.

    Returns:
        The merged list.
    """
    rank = {TRANSACTIONS: 0, LABELS: 1}
    return sorted([*transactions, *label_list], key=lambda e: (e.at, rank[e.kind]))


class RecordValidator:
    """Checks every record against its contract (``InvalidRecordError`` on the first bad one)."""

    def __init__(self) -> None:
        """Compile the Transaction and Label contracts once."""
        self._checks = {
            TRANSACTIONS: ContractCheck(TRANSACTION_SCHEMA),
            LABELS: ContractCheck(LABEL_SCHEMA),
        }

    def check(self, event: Event) -> None:
        """Args: event: the event whose record to check. Raises: InvalidRecordError."""
        reason = self._checks[event.kind].reason(event.value)
        if reason is not None:
            raise InvalidRecordError(
                f"refusing to publish an invalid {event.kind} record (a bug in the world): "
                f"{reason}; record {event.value}"
            )
