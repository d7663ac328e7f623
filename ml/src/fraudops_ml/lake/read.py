"""Reading the lake as of a simulated date: scored transactions joined with the labels known then.

The retraining needs tx_fraud for every row, so a transaction without a label known at ``as_of``
is dropped, not flagged (their count is in ``frame.attrs["unlabelled_rows"]``). The ``known_at <=
as_of`` filter is pushed into the labels scan: a label that arrived after ``as_of`` never leaves
the table, whatever the transaction's date.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pyiceberg.catalog import Catalog
from pyiceberg.expressions import And, BooleanExpression, LessThanOrEqual, Reference
from pyiceberg.expressions.literals import literal

from fraudops_ml import contracts
from fraudops_ml.lake import schema, tables
from fraudops_ml.lake.settings import LakeSettings
from fraudops_ml.simulate import TRANSACTION_COLUMNS

LABEL_COLUMNS = ("tx_fraud", "tx_fraud_scenario")
UNLABELLED_ATTR = "unlabelled_rows"


def known_by(as_of: dt.datetime) -> BooleanExpression:
    """Args: as_of: simulated time. Returns: the filter ``known_at <= as_of``."""
    return LessThanOrEqual(term=Reference("known_at"), value=literal(as_of.isoformat()))


def days(start_day: dt.date, end_day: dt.date) -> BooleanExpression:
    """Args: start_day, end_day: a half-open range of days. Returns: its partition filter."""
    return tables.day_range([start_day, end_day - tables.DAY])


def scored_columns() -> tuple[str, ...]:
    """Returns: the Transaction columns without labels, then the model inputs (contract order)."""
    base = tuple(c for c in TRANSACTION_COLUMNS if c not in LABEL_COLUMNS)
    return base + tuple(f for f in contracts.model_features() if f not in base)


def read_labelled(
    catalog: Catalog,
    settings: LakeSettings,
    start_day: dt.date,
    end_day: dt.date,
    as_of: dt.datetime,
) -> pd.DataFrame:
    """Scored transactions with tx_datetime in [start_day, end_day) and their labels known at as_of.

    Args:
        catalog: the lake's catalog.
        settings: lake settings (namespace and table names).
        start_day: first simulated day.
        end_day: the day after the last.
        as_of: simulated time; labels with a later known_at are never used.

    Returns:
        ``TRANSACTION_COLUMNS`` then the 15 model inputs, one row per labelled transaction,
        sorted by tx_datetime then transaction_id; ``attrs["unlabelled_rows"]`` counts the
        transactions dropped for want of a label.
    """
    if end_day <= start_day:
        raise ValueError(f"empty window {start_day}..{end_day}")
    scored_table = catalog.load_table(tables.identifier(settings, schema.SCORED_TRANSACTIONS))
    labels_table = catalog.load_table(tables.identifier(settings, schema.LABELS))
    scored = (
        scored_table.scan(row_filter=days(start_day, end_day), selected_fields=scored_columns())
        .to_arrow()
        .to_pandas()
    )
    labels = (
        labels_table.scan(
            row_filter=And(days(start_day, end_day), known_by(as_of)),
            selected_fields=("transaction_id", *LABEL_COLUMNS),
        )
        .to_arrow()
        .to_pandas()
    )
    joined = scored.merge(labels, on="transaction_id", how="inner", validate="one_to_one")
    columns = [*TRANSACTION_COLUMNS, *(c for c in scored_columns() if c not in TRANSACTION_COLUMNS)]
    frame: pd.DataFrame = joined.loc[:, columns].sort_values(
        ["tx_datetime", "transaction_id"], ignore_index=True
    )
    frame["tx_datetime"] = frame["tx_datetime"].astype("datetime64[ns]")
    frame.attrs[UNLABELLED_ATTR] = len(scored) - len(frame)
    return frame
