"""Reading the lake as of a date, and the leakage test."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from fraudops_ml import contracts
from fraudops_ml.lake import records, schema, tables
from fraudops_ml.lake.read import read_labelled
from fraudops_ml.lake.settings import LakeSettings
from fraudops_ml.simulate import TRANSACTION_COLUMNS

from .conftest import label, scored

DAY0 = dt.datetime(2018, 10, 1)
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def land(settings: LakeSettings, spec: schema.TableSpec, values: list[dict[str, Any]]) -> None:
    table = tables.ensure_table(tables.open_catalog(settings), settings, spec)
    times = records.converters(table.schema())
    rows = [
        records.to_row(v, spec, records.Message(spec.topic_key, 0, i, None, b""), NOW, times)
        for i, v in enumerate(values)
    ]
    tables.append_new(table, rows)


@pytest.fixture
def lake(settings: LakeSettings) -> LakeSettings:
    """Days 0..3, two transactions a day; each labelled 7 days later, id 5 earlier (reported)."""
    txs = [
        (d * 2 + k, DAY0 + dt.timedelta(days=d, hours=9 + k)) for d in range(4) for k in range(2)
    ]
    land(
        settings,
        schema.SCORED_TRANSACTIONS,
        [scored(i, t, tx_time_seconds=i * 100, tx_time_days=i // 2) for i, t in txs],
    )
    land(
        settings,
        schema.LABELS,
        [
            label(i, t, t + (dt.timedelta(days=1) if i == 5 else dt.timedelta(days=7)), int(i == 5))
            for i, t in txs
        ],
    )
    return settings


def test_a_label_known_after_as_of_is_never_returned(lake: LakeSettings) -> None:
    catalog = tables.open_catalog(lake)
    # As of day 7 09:30: of day 0, only id 0 (known day 7 09:00) is labelled, not id 1 (10:00).
    as_of = DAY0 + dt.timedelta(days=7, hours=9, minutes=30)
    frame = read_labelled(catalog, lake, DAY0.date(), (DAY0 + dt.timedelta(days=4)).date(), as_of)
    # Known by then: id 0 (day 0 09:00 + 7 d) and id 5 (day 2 10:00, reported after 1 day).
    assert frame["transaction_id"].tolist() == [0, 5]
    assert frame.attrs["unlabelled_rows"] == 6
    # Id 1's transaction is in the window, its label (day 7 10:00) came after as_of.
    later = read_labelled(
        catalog,
        lake,
        DAY0.date(),
        (DAY0 + dt.timedelta(days=4)).date(),
        as_of + dt.timedelta(hours=1),
    )
    assert later["transaction_id"].tolist() == [0, 1, 5]


def test_the_window_is_half_open_and_rows_come_with_their_labels(lake: LakeSettings) -> None:
    catalog = tables.open_catalog(lake)
    as_of = DAY0 + dt.timedelta(days=30)
    frame = read_labelled(
        catalog,
        lake,
        (DAY0 + dt.timedelta(days=1)).date(),
        (DAY0 + dt.timedelta(days=3)).date(),
        as_of,
    )
    assert frame["transaction_id"].tolist() == [2, 3, 4, 5]
    assert frame["tx_fraud"].tolist() == [0, 0, 0, 1]
    assert frame["tx_fraud_scenario"].tolist() == [0, 0, 0, 1]


def test_the_frame_has_the_columns_the_training_expects(lake: LakeSettings) -> None:
    frame = read_labelled(
        tables.open_catalog(lake),
        lake,
        DAY0.date(),
        (DAY0 + dt.timedelta(days=4)).date(),
        DAY0 + dt.timedelta(days=30),
    )
    assert list(frame.columns[: len(TRANSACTION_COLUMNS)]) == list(TRANSACTION_COLUMNS)
    assert set(contracts.model_features()) <= set(frame.columns)
    assert pd.api.types.is_datetime64_any_dtype(frame["tx_datetime"])
    assert frame["tx_datetime"].iloc[0] == pd.Timestamp("2018-10-01 09:00:00")
    assert frame["tx_time_days"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def test_an_empty_window_is_an_error(lake: LakeSettings) -> None:
    with pytest.raises(ValueError, match="empty window"):
        read_labelled(tables.open_catalog(lake), lake, DAY0.date(), DAY0.date(), DAY0)
