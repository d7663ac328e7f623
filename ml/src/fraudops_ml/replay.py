"""Replay dataset for the attack generator.

JSON Lines, one Transaction (transaction.schema.json) per line, with the labels tx_fraud and
tx_fraud_scenario.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from fraudops_ml.simulate import TRANSACTION_COLUMNS

LABEL_COLUMNS = ("tx_fraud", "tx_fraud_scenario")
# The simulator's columns without the labels, which a replay record puts last.
COURSE_COLUMNS = tuple(c for c in TRANSACTION_COLUMNS if c not in LABEL_COLUMNS)


def record_columns(feature_order: Sequence[str]) -> list[str]:
    """Key order of a replay record: course columns, the model inputs, then the labels.

    Args:
        feature_order: the contract's model inputs.

    Returns:
        Column names without duplicates.
    """
    columns = list(COURSE_COLUMNS)
    columns += [f for f in feature_order if f not in columns]
    return columns + list(LABEL_COLUMNS)


def select_days(frame: pd.DataFrame, start: dt.date, days: int) -> pd.DataFrame:
    """Rows with tx_datetime in [start, start + days), in transaction_id order.

    Args:
        frame: transactions with features.
        start: first day.
        days: number of days.

    Returns:
        The selected rows.
    """
    begin = pd.Timestamp(start)
    mask = (frame["tx_datetime"] >= begin) & (
        frame["tx_datetime"] < begin + pd.Timedelta(days=days)
    )
    return frame[mask].sort_values("transaction_id")


def records(frame: pd.DataFrame, feature_order: Sequence[str]) -> Iterator[dict[str, Any]]:
    """JSON-ready Transaction records (integers as ints, tx_datetime as 'YYYY-MM-DD HH:MM:SS').

    Args:
        frame: transactions with features.
        feature_order: the contract's model inputs.

    Yields:
        One dict per row.
    """
    columns = record_columns(feature_order)
    values: dict[str, list[Any]] = {}
    for column in columns:
        series = frame[column]
        if column == "tx_datetime":
            values[column] = series.dt.strftime("%Y-%m-%d %H:%M:%S").tolist()
        elif pd.api.types.is_integer_dtype(series):
            values[column] = [int(v) for v in series.to_numpy()]
        else:
            values[column] = [float(v) for v in series.to_numpy()]
    for row in zip(*(values[c] for c in columns), strict=True):
        yield dict(zip(columns, row, strict=True))


def write_replay(
    frame: pd.DataFrame, out: Path, start: dt.date, days: int, feature_order: Sequence[str]
) -> int:
    """Write the replay file atomically.

    Args:
        frame: transactions with features.
        out: destination ``.jsonl``.
        start: first day.
        days: number of days.
        feature_order: the contract's model inputs.

    Returns:
        Number of lines written.
    """
    selected = select_days(frame, start, days)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as handle:
        for record in records(selected, feature_order):
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
            count += 1
    os.replace(tmp, out)
    return count
