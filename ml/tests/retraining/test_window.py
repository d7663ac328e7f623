"""The newest window: the protocol moved so that its test week ends with the dataset."""

from __future__ import annotations

import datetime as dt

import pytest

from fraudops_ml import data, train
from fraudops_ml.evaluate import make_split
from fraudops_ml.retraining.window import PROTOCOL_DAYS, WindowError, newest_window

D = dt.date.fromisoformat


def test_the_test_week_ends_on_the_last_full_day() -> None:
    window = newest_window(D("2018-04-01"), D("2018-09-30"))
    assert window.split.test_start == D("2018-09-24")
    assert window.split.test_end == D("2018-10-01")
    assert window.test_week == "2018-09-24..2018-09-30"
    assert window.train_start == D("2018-09-10")
    assert window.split == make_split(window.train_start)


def test_validation_is_the_same_protocol_shifted_back_like_train_train() -> None:
    window = newest_window(D("2018-04-01"), D("2018-09-30"))
    shift = dt.timedelta(days=train.VALIDATION_SHIFT_DAYS)
    assert window.validation_split == make_split(window.train_start - shift)
    assert window.validation_split.test_start == D("2018-09-10")


def test_the_preset_datasets_fit_the_protocol() -> None:
    for config in data.PRESETS.values():
        first = D(config.start_date)
        window = newest_window(first, first + dt.timedelta(days=config.n_days - 1))
        assert window.validation_split.train_start > first


def test_exactly_the_protocols_length_is_enough_and_history_is_clipped() -> None:
    first = D("2018-04-01")
    window = newest_window(first, first + dt.timedelta(days=PROTOCOL_DAYS - 1))
    assert PROTOCOL_DAYS == 35
    assert window.validation_split.train_start == first
    assert window.history_start == first


def test_history_covers_the_longest_feature_window_and_delay() -> None:
    window = newest_window(D("2018-04-01"), D("2018-09-30"))
    assert window.validation_split.train_start - window.history_start == dt.timedelta(days=37)


def test_a_short_dataset_says_how_many_days_it_has_and_needs() -> None:
    first = D("2018-04-01")
    with pytest.raises(WindowError, match=r"dataset has only 34 days .* the protocol needs 35"):
        newest_window(first, first + dt.timedelta(days=33))


def test_to_dict_is_json_ready() -> None:
    window = newest_window(D("2018-04-01"), D("2018-09-30")).to_dict()
    assert window["test_start"] == "2018-09-24"
    assert window["validation_train_start"] == "2018-08-27"
    assert all(isinstance(v, str) for v in window.values())
