"""The rows a retraining run learns from: the historic dataset, then the lake, as of a date.

The newest window ends on the newest day whose labels are all known at the run's as-of date
(``as_of.last_full_day``: D + 1 day + feedback delay <= as_of). Its rows are

* the historic dataset's for days before the world's first day (the day after the dataset's
  last): every one of its labels is known, the dataset ends before the world starts;
* the lake's labelled rows (``read_labelled(start, end, as_of)``: scored transactions joined
  with the labels known at as_of) for days from the world's first day.

Only the raw transaction columns are kept (``TRANSACTION_COLUMNS``): ``build_features`` recomputes
the 15 inputs over the whole frame with the code that trained the first champion, so a lake row's
features come from the same history and code as a historic row's. The inputs as scored are not
used: they are what the world computed (the same code, so the same values for world traffic), and
training must not depend on what a producer sent. ``tx_time_seconds`` and ``tx_time_days`` are
derived from ``tx_datetime`` and the dataset's first day, as the simulator defines them (they are
optional in the ScoredTransaction contract).

A transaction whose label is not known at as_of is not in the frame at all: training needs a
label for every row, and reading it as genuine would teach the model a fraud is not one. The
attack's transactions are scored but never labelled, so they never reach training either.

The lake's labels say how far its knowledge reaches (the newest ``known_at`` landed): a run's as-of
date beyond it (a wall-clock run, scheduled or by ``fraudops retrain``, while the lake holds
simulated days) reads as of that newest label instead. Otherwise the window's newest days would
hold only the frauds card holders reported early, none of their genuine transactions.

When the lake is not configured, holds no label, holds no labelled row of the window, or the
newest day is not after the dataset's last: exactly the first champion's path (the historic
window, the dataset's data hash).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from fraudops_ml import data
from fraudops_ml.progress import Log, quiet
from fraudops_ml.retraining.as_of import DAY, last_full_day, to_utc
from fraudops_ml.retraining.window import Window, newest_window
from fraudops_ml.simulate import TRANSACTION_COLUMNS

SECONDS_PER_DAY = 86_400


class Lake(Protocol):
    """What the retraining reads from the lake (``lake_source`` binds the real one)."""

    def newest_known_at(self) -> dt.datetime | None:
        """Returns: the newest label's known_at in the lake (naive simulated time), or None."""

    def read_labelled(
        self, start_day: dt.date, end_day: dt.date, as_of: dt.datetime
    ) -> pd.DataFrame:
        """Scored transactions of [start_day, end_day) with their labels known at ``as_of``.

        Args:
            start_day: first day.
            end_day: the day after the last.
            as_of: naive simulated time.

        Returns:
            ``TRANSACTION_COLUMNS`` (and possibly more); rows without a known label are absent
            (``attrs["unlabelled_rows"]`` counts them) or have no tx_fraud.
        """


@dataclass(frozen=True)
class Extract:
    """The window's rows and where they came from.

    Attributes:
        rows: ``TRANSACTION_COLUMNS``, event-time order, from the window's history start to its
            last day.
        window: the protocol's dates.
        data_hash: the historic dataset's hash when no lake row is used (the first champion's),
            else ``data.frame_sha256`` of ``rows``.
        lake_rows: rows read from the lake (labelled).
        unlabelled_rows: lake rows left out because their label is not known at as_of.
        lake_as_of: the instant the lake was read as of (None when it was not read).
    """

    rows: pd.DataFrame
    window: Window
    data_hash: str
    lake_rows: int = 0
    unlabelled_rows: int = 0
    lake_as_of: dt.datetime | None = None


def _day(timestamps: pd.Series, how: str) -> dt.date:
    value: pd.Timestamp = timestamps.max() if how == "max" else timestamps.min()
    return value.date()


def normalise_lake_rows(raw: pd.DataFrame, start_date: dt.date) -> tuple[pd.DataFrame, int]:
    """The lake's rows as the simulator's: its columns and dtypes, labelled rows only.

    Args:
        raw: ``read_labelled``'s frame (extra columns ignored; unlabelled rows have no tx_fraud
            or are counted in ``attrs["unlabelled_rows"]``).
        start_date: the historic dataset's first day (tx_time_seconds counts from it).

    Returns:
        The rows in event-time order, and how many unlabelled rows were dropped.
    """
    labelled = raw[raw["tx_fraud"].notna()]
    unlabelled = int(raw.attrs.get("unlabelled_rows", 0)) + len(raw) - len(labelled)
    times = pd.to_datetime(labelled["tx_datetime"]).astype("datetime64[ns]")
    seconds = (times - pd.Timestamp(start_date)) // pd.Timedelta(seconds=1)
    rows = pd.DataFrame(
        {
            "transaction_id": labelled["transaction_id"].astype(np.int64),
            "tx_datetime": times,
            "customer_id": labelled["customer_id"].astype(np.int64),
            "terminal_id": labelled["terminal_id"].astype(np.int64),
            "tx_amount": labelled["tx_amount"].astype(np.float64),
            "tx_time_seconds": seconds.astype(np.int64),
            "tx_time_days": (seconds // SECONDS_PER_DAY).astype(np.int64),
            "tx_fraud": labelled["tx_fraud"].astype(np.int64),
            "tx_fraud_scenario": labelled["tx_fraud_scenario"].astype(np.int64),
        }
    )
    rows = rows.sort_values(["tx_datetime", "transaction_id"], kind="stable")
    return rows.reset_index(drop=True)[list(TRANSACTION_COLUMNS)], unlabelled


def historic_extract(historic: pd.DataFrame, historic_hash: str) -> Extract:
    """The first champion's path: the newest window of the historic dataset alone.

    Args:
        historic: the dataset (whole simulated days, event-time order).
        historic_hash: its ``data_hash``.

    Returns:
        The window's rows.
    """
    # The simulator writes whole days, so the day of the last transaction is complete.
    window = newest_window(
        _day(historic["tx_datetime"], "min"), _day(historic["tx_datetime"], "max")
    )
    rows = historic[historic["tx_datetime"] >= pd.Timestamp(window.history_start)]
    return Extract(rows, window, historic_hash)


def extract_rows(
    historic: pd.DataFrame,
    historic_hash: str,
    lake: Lake | None,
    as_of: dt.datetime,
    feedback_delay_days: float,
    log: Log = quiet,
) -> Extract:
    """The newest window whose labels are all known at ``as_of`` (see the module's rules).

    Args:
        historic: the historic dataset (whole days, event-time order).
        historic_hash: its ``data_hash``.
        lake: the lake; None when it is not configured.
        as_of: the run's as-of instant (naive means UTC).
        feedback_delay_days: the world's feedback delay.
        log: progress logger.

    Returns:
        The window's rows.
    """
    start_date = _day(historic["tx_datetime"], "min")
    historic_last = _day(historic["tx_datetime"], "max")
    world_first = historic_last + DAY
    known = None if lake is None else lake.newest_known_at()
    if lake is None or known is None:
        return historic_extract(historic, historic_hash)
    simulated = to_utc(as_of).replace(tzinfo=None)  # simulated times carry no zone
    if known < simulated:
        log(f"the lake's newest label is known at {known}, before {simulated}: read as of it")
    read_as_of = min(simulated, known)
    last = last_full_day(read_as_of, feedback_delay_days)
    if last <= historic_last:
        return historic_extract(historic, historic_hash)
    window = newest_window(start_date, last)
    raw = lake.read_labelled(max(world_first, window.history_start), last + DAY, read_as_of)
    lake_rows, unlabelled = normalise_lake_rows(raw, start_date)
    if lake_rows.empty:
        log(f"the lake holds no labelled row from {world_first} to {last}: historic data only")
        return historic_extract(historic, historic_hash)
    old = historic[historic["tx_datetime"] >= pd.Timestamp(window.history_start)]
    rows = pd.concat([old, lake_rows], ignore_index=True)
    if rows["transaction_id"].duplicated().any():
        raise ValueError("the lake repeats transaction ids of the historic dataset")
    return Extract(rows, window, data.frame_sha256(rows), len(lake_rows), unlabelled, read_as_of)
