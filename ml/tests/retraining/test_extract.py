"""The rows a run learns from: the historic dataset, then the lake as of the run's date.

The small preset plays both parts: its days before ``WORLD_FIRST`` are the historic dataset, its
later days are what the world published and the lake holds (scored transactions without labels or
``tx_time_*``, and labels known 7 days after each transaction, a day after for card frauds the
card holder reported). So every lake row has a true counterpart in one continuous simulation, and
the features recomputed over historic + lake rows can be compared with the features of the
uninterrupted dataset.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fraudops_ml import data, export, train
from fraudops_ml.features import add_features
from fraudops_ml.retraining import scoring
from fraudops_ml.retraining.extract import Extract, extract_rows
from fraudops_ml.retraining.promotion import compare_on_same_rows
from fraudops_ml.retraining.window import newest_window
from fraudops_ml.simulate import TRANSACTION_COLUMNS

WORLD_FIRST = dt.date(2018, 8, 20)
DELAY = 7.0
D = dt.date(2018, 9, 10)
AS_OF_D = dt.datetime(2018, 9, 18)  # D + 1 day + 7 days
SECOND = dt.timedelta(seconds=1)
WEEK = dt.timedelta(days=7)


@dataclass
class FakeLake:
    """``read_labelled``'s contract over two frames, recording how it was asked."""

    scored: pd.DataFrame
    labels: pd.DataFrame
    calls: list[tuple[dt.date, dt.date, dt.datetime]] = field(default_factory=list)

    def newest_known_at(self) -> dt.datetime | None:
        return None if self.labels.empty else self.labels["known_at"].max().to_pydatetime()

    def read_labelled(
        self, start_day: dt.date, end_day: dt.date, as_of: dt.datetime
    ) -> pd.DataFrame:
        self.calls.append((start_day, end_day, as_of))
        when = self.scored["tx_datetime"]
        days = self.scored[(when >= pd.Timestamp(start_day)) & (when < pd.Timestamp(end_day))]
        known = self.labels[self.labels["known_at"] <= pd.Timestamp(as_of)]
        frame = days.merge(known.drop(columns="known_at"), on="transaction_id")
        frame = frame.sort_values(["tx_datetime", "transaction_id"], ignore_index=True)
        frame.attrs["unlabelled_rows"] = len(days) - len(frame)
        return frame


@dataclass(frozen=True)
class World:
    full: pd.DataFrame  # the uninterrupted small preset
    historic: pd.DataFrame  # its days before WORLD_FIRST
    historic_hash: str
    lake_tx: pd.DataFrame  # its days from WORLD_FIRST, labels included (the truth)


@pytest.fixture(scope="module")
def world(small_dataset: data.Dataset) -> World:
    full = small_dataset.transactions
    before = full["tx_datetime"] < pd.Timestamp(WORLD_FIRST)
    historic = full[before].reset_index(drop=True)
    return World(full, historic, data.frame_sha256(historic), full[~before])


def known_at(lake_tx: pd.DataFrame) -> pd.Series:
    """Every label 7 days after its transaction; card frauds (scenario 3) reported after 1."""
    delay = np.where(lake_tx["tx_fraud_scenario"] == 3, 1.0, DELAY)
    return lake_tx["tx_datetime"] + pd.to_timedelta(delay, unit="D")


def fake_lake(world: World, until: dt.datetime | None = None) -> FakeLake:
    """The lake after the world ran until ``until`` (labels known later have not landed)."""
    lake_tx = world.lake_tx
    if until is not None:
        lake_tx = lake_tx[lake_tx["tx_datetime"] < pd.Timestamp(until)]
    scored = lake_tx.drop(
        columns=["tx_fraud", "tx_fraud_scenario", "tx_time_seconds", "tx_time_days"]
    )
    labels = lake_tx[["transaction_id", "tx_fraud", "tx_fraud_scenario"]].assign(
        known_at=known_at(lake_tx)
    )
    if until is not None:
        labels = labels[labels["known_at"] <= pd.Timestamp(until)]
    return FakeLake(scored.reset_index(drop=True), labels.reset_index(drop=True))


def extract(world: World, lake: FakeLake | None, as_of: dt.datetime) -> Extract:
    return extract_rows(world.historic, world.historic_hash, lake, as_of, DELAY)


def last_day(result: Extract) -> dt.date:
    return result.window.split.test_end - dt.timedelta(days=1)


def test_without_lake_rows_it_is_exactly_the_first_champions_path(world: World) -> None:
    # What extract_window did before the lake: the dataset's newest window, the dataset's hash.
    first, last = dt.date(2018, 4, 1), WORLD_FIRST - dt.timedelta(days=1)
    window = newest_window(first, last)
    expected = world.historic[world.historic["tx_datetime"] >= pd.Timestamp(window.history_start)]
    empty = fake_lake(world, until=dt.datetime.combine(WORLD_FIRST, dt.time()))
    assert empty.scored.empty
    assert empty.newest_known_at() is None
    # One second before the world's first day is complete and labelled: nothing of it is used.
    not_yet = dt.datetime.combine(WORLD_FIRST, dt.time()) + dt.timedelta(days=1 + DELAY) - SECOND
    for lake, as_of in [(None, AS_OF_D), (empty, AS_OF_D), (fake_lake(world), not_yet)]:
        result = extract(world, lake, as_of)
        pd.testing.assert_frame_equal(result.rows, expected)
        assert (result.window, result.data_hash) == (window, world.historic_hash)
        assert (result.lake_rows, result.lake_as_of) == (0, None)


def test_the_window_ends_on_the_newest_day_whose_labels_are_all_known(world: World) -> None:
    lake = fake_lake(world)
    at = extract(world, lake, AS_OF_D)
    assert last_day(at) == D
    assert at.rows["tx_datetime"].max().date() == D
    assert at.window.test_week == "2018-09-04..2018-09-10"
    before = extract(world, lake, AS_OF_D - SECOND)
    assert last_day(before) == D - dt.timedelta(days=1)
    assert before.rows["tx_datetime"].max().date() == D - dt.timedelta(days=1)
    # The lake was read as of exactly the run's date, over the window's days from the world's first.
    assert lake.calls == [
        (WORLD_FIRST, D + dt.timedelta(days=1), AS_OF_D),
        (WORLD_FIRST, D, AS_OF_D - SECOND),
    ]


def test_a_label_known_one_second_after_as_of_is_never_used(world: World) -> None:
    lake = fake_lake(world)
    on_d = lake.scored["tx_datetime"].dt.date == D
    fraud_on_d = lake.labels["transaction_id"].isin(lake.scored.loc[on_d, "transaction_id"]) & (
        lake.labels["tx_fraud"] == 1
    )
    victim = int(lake.labels.loc[fraud_on_d, "transaction_id"].iloc[0])
    late = lake.labels["transaction_id"] == victim

    lake.labels.loc[late, "known_at"] = pd.Timestamp(AS_OF_D + SECOND)
    result = extract(world, lake, AS_OF_D)
    assert last_day(result) == D  # the transaction is inside the window...
    assert victim not in set(result.rows["transaction_id"])  # ...but not in the frame at all
    assert result.unlabelled_rows == 1

    # The control: known exactly at as_of, it is there, labelled a fraud.
    lake.labels.loc[late, "known_at"] = pd.Timestamp(AS_OF_D)
    row = extract(world, lake, AS_OF_D).rows.set_index("transaction_id").loc[victim]
    assert (row["tx_fraud"], row["tx_datetime"].date()) == (1, D)


def test_lake_rows_are_the_worlds_transactions_with_the_history_their_features_need(
    world: World, feature_order: list[str]
) -> None:
    result = extract(world, fake_lake(world), AS_OF_D)
    until_d = world.lake_tx["tx_datetime"] < pd.Timestamp(D + dt.timedelta(days=1))
    assert result.lake_rows == int(until_d.sum())
    # Raw columns (tx_time_* derived from tx_datetime) equal the uninterrupted simulation's rows.
    truth = world.full.set_index("transaction_id").loc[result.rows["transaction_id"]]
    pd.testing.assert_frame_equal(
        result.rows.set_index("transaction_id"), truth[list(TRANSACTION_COLUMNS)[1:]]
    )
    # Features recomputed over historic + lake rows equal those of the uninterrupted dataset for
    # every row the protocol uses (from the validation's first training day on).
    ours = add_features(result.rows).set_index("transaction_id")
    used = ours[ours["tx_datetime"] >= pd.Timestamp(result.window.validation_split.train_start)]
    theirs = add_features(world.full).set_index("transaction_id").loc[used.index]
    assert used["tx_datetime"].min().date() < WORLD_FIRST < used["tx_datetime"].max().date()
    np.testing.assert_allclose(
        used[feature_order].to_numpy(float),
        theirs[feature_order].to_numpy(float),
        rtol=0,
        atol=1e-9,
    )


def test_successive_weeks_read_different_rows_and_the_digest_is_of_the_rows_read(
    world: World,
) -> None:
    lake = fake_lake(world)
    first, second = extract(world, lake, AS_OF_D - WEEK), extract(world, lake, AS_OF_D)
    assert (last_day(first), last_day(second)) == (D - WEEK, D)
    assert first.data_hash != second.data_hash
    for result, as_of in ((first, AS_OF_D - WEEK), (second, AS_OF_D)):
        assert result.data_hash == data.frame_sha256(result.rows) != world.historic_hash
        assert result.lake_as_of == as_of
        assert result.lake_rows > 0


def test_a_run_as_of_after_the_lakes_newest_label_reads_as_of_that_label(world: World) -> None:
    # The world stopped on 2018-09-21 00:00: its last week's genuine labels never came. A
    # wall-clock run (2026) must not take that week, where only reported frauds are labelled.
    stopped = dt.datetime(2018, 9, 21)
    lake = fake_lake(world, until=stopped)
    newest = lake.newest_known_at()
    assert newest is not None
    assert newest < stopped
    result = extract(world, lake, dt.datetime(2026, 12, 3, 11, tzinfo=dt.UTC))
    assert result.lake_as_of == newest
    assert last_day(result) == dt.date(2018, 9, 12)  # newest - 8 days, floored
    # Every transaction of the window's lake days is there: none waits for its label.
    days = result.rows[result.rows["tx_datetime"] >= pd.Timestamp(WORLD_FIRST)]
    truth = world.lake_tx[world.lake_tx["tx_datetime"] < pd.Timestamp(dt.date(2018, 9, 13))]
    assert sorted(days["transaction_id"]) == sorted(truth["transaction_id"])
    assert result.unlabelled_rows == 0


def test_lake_ids_that_repeat_historic_ids_are_refused(world: World) -> None:
    lake = fake_lake(world)
    ours, theirs = lake.scored["transaction_id"].iloc[0], world.historic["transaction_id"].iloc[-1]
    lake.scored.loc[0, "transaction_id"] = theirs
    lake.labels.loc[lake.labels["transaction_id"] == ours, "transaction_id"] = theirs
    with pytest.raises(ValueError, match="repeats transaction ids of the historic dataset"):
        extract(world, lake, AS_OF_D)


def test_the_gate_scores_champion_and_candidate_on_the_as_of_windows_rows_each_week(
    world: World, feature_order: list[str], tmp_path: Path
) -> None:
    """Week 1 promotes a first candidate; week 2's is compared with it on week 2's rows."""
    lake = fake_lake(world)
    champion: Path | None = None
    digests = []
    for week, as_of in enumerate((AS_OF_D - WEEK, AS_OF_D)):
        result = extract(world, lake, as_of)
        frame = add_features(result.rows)
        trained = train.train(
            frame, feature_order, result.window.train_start, seed=0, candidates=["decision_tree"]
        )
        candidate = export.export_model(trained, result.data_hash, tmp_path / str(week)).model_dir
        comparison = compare_on_same_rows(
            candidate, champion, trained.test_frame, "average_precision", 0.002
        )
        test = trained.test_frame
        in_week = (test["tx_datetime"] >= pd.Timestamp(result.window.split.test_start)) & (
            test["tx_datetime"] < pd.Timestamp(result.window.split.test_end)
        )
        assert in_week.all()
        assert len(test) > 1000
        assert set(test["transaction_id"]) <= set(result.rows["transaction_id"])
        assert comparison.rows_digest == scoring.rows_digest(test)
        if champion is not None:
            assert comparison.champion_rows_digest == comparison.rows_digest
        digests.append(comparison.rows_digest)
        champion = candidate
    assert digests[0] != digests[1]
