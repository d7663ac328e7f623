"""Reading the lake for one quality cycle: the labels' watermark, then the span's rows.

Only narrow columns are read: the span's scores without the inputs, the inputs only for the
days the drift window can reach, and the labels' id, value and time. The world's days are the
only ones read: a span ends at the watermark's day, and traffic with wall-clock dates (the
attack's) lies far after it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pyiceberg.catalog import Catalog
from pyiceberg.expressions import AlwaysTrue, BooleanExpression, GreaterThanOrEqual, Reference
from pyiceberg.expressions.literals import literal

from fraudops_ml import contracts
from fraudops_ml.lake import schema, tables
from fraudops_ml.lake.settings import LakeSettings

SCORE_COLUMNS = (
    "transaction_id",
    "tx_datetime",
    "tx_date",
    "customer_id",
    "tx_amount",
    "fraud_probability",
    "is_fraud",
    "model_version",
    "registry_version",
)
LABEL_COLUMNS = ("transaction_id", "tx_fraud", "known_at")


def known_since(since: dt.datetime | None) -> BooleanExpression:
    """Args: since: simulated time or None. Returns: the filter ``known_at >= since``."""
    if since is None:
        return AlwaysTrue()
    return GreaterThanOrEqual(term=Reference("known_at"), value=literal(since.isoformat()))


def newest_known_at(
    catalog: Catalog, settings: LakeSettings, since: dt.datetime | None
) -> dict[int, dt.datetime]:
    """The newest label known_at per Kafka partition among labels known since ``since``.

    The caller merges these into its state (``lake.weeks.advance``) and takes the watermark
    (``lake.weeks.watermark``: the minimum over partitions), as the sink does.

    Args:
        catalog: the lake's catalog.
        settings: lake settings.
        since: the previous watermark (None: every label): Iceberg prunes the data files by their
            known_at bounds, so a cycle reads only recent label files.

    Returns:
        ``{partition: newest known_at}`` of the labels read.
    """
    table = catalog.load_table(tables.identifier(settings, schema.LABELS))
    found = table.scan(
        row_filter=known_since(since), selected_fields=("kafka_partition", "known_at")
    ).to_arrow()
    if found.num_rows == 0:
        return {}
    grouped = found.group_by("kafka_partition").aggregate([("known_at", "max")])
    return dict(
        zip(
            grouped.column("kafka_partition").to_pylist(),
            grouped.column("known_at_max").to_pylist(),
            strict=True,
        )
    )


def _days(first: dt.date, last: dt.date) -> BooleanExpression:
    return tables.day_range([first, last])


def read_scores(
    catalog: Catalog,
    settings: LakeSettings,
    first: dt.date,
    last: dt.date,
    inputs: bool,
    spec: schema.TableSpec = schema.SCORED_TRANSACTIONS,
) -> pd.DataFrame:
    """Scored transactions of the days [first, last].

    Args:
        catalog: the lake's catalog.
        settings: lake settings.
        first: first day.
        last: last day (included).
        inputs: also the model inputs (for the drift window).
        spec: the serving model's table, or the shadow baseline's.

    Returns:
        ``SCORE_COLUMNS`` (and the inputs), tx_datetime as datetime64, tx_date as date.
    """
    table = catalog.load_table(tables.identifier(settings, spec))
    columns = (*SCORE_COLUMNS, *contracts.model_features()) if inputs else SCORE_COLUMNS
    frame = table.scan(row_filter=_days(first, last), selected_fields=columns).to_pandas()
    frame["tx_datetime"] = frame["tx_datetime"].astype("datetime64[ns]")
    return frame


def read_labels(
    catalog: Catalog, settings: LakeSettings, first: dt.date, last: dt.date
) -> pd.DataFrame:
    """Args: catalog, settings: the lake; first, last: days (included). Returns: their labels."""
    table = catalog.load_table(tables.identifier(settings, schema.LABELS))
    frame = table.scan(row_filter=_days(first, last), selected_fields=LABEL_COLUMNS).to_pandas()
    frame["known_at"] = frame["known_at"].astype("datetime64[ns]")
    return frame
