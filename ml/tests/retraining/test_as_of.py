"""A run's as-of date: from its conf, its triggering asset events or its logical date; and the
newest day whose labels are all known then, at the boundary of the rule."""

from __future__ import annotations

import datetime as dt

import pytest

from fraudops_ml.retraining.as_of import (
    AsOfError,
    RunFacts,
    last_full_day,
    parse_instant,
    resolve_as_of,
)

UTC = dt.UTC
LOGICAL = dt.datetime(2026, 11, 22, tzinfo=UTC)  # a Sunday: the @weekly cron point
RUN_AFTER = dt.datetime(2026, 12, 3, 11, 0, 5, tzinfo=UTC)


def test_a_scheduled_run_is_as_of_its_logical_date() -> None:
    facts = RunFacts("scheduled__2026-11-22", LOGICAL, run_after=LOGICAL)
    assert resolve_as_of(facts) == LOGICAL


def test_an_asset_triggered_run_is_as_of_its_events_simulated_date_not_the_wall_clock() -> None:
    # Airflow 3 creates asset-triggered runs without a logical date, run_after the wall clock.
    extra = {"as_of": "2018-10-15T00:00:00", "week_start": "2018-10-08T00:00:00"}
    facts = RunFacts("asset_triggered__x", None, run_after=RUN_AFTER, asset_extras=[extra])
    assert resolve_as_of(facts) == dt.datetime(2018, 10, 15, tzinfo=UTC)


def test_several_events_consumed_at_once_give_the_newest_week() -> None:
    extras = [{"as_of": "2018-10-15T00:00:00"}, {"as_of": "2018-10-22T00:00:00"}]
    facts = RunFacts("asset_triggered__x", None, RUN_AFTER, asset_extras=extras[::-1])
    assert resolve_as_of(facts) == dt.datetime(2018, 10, 22, tzinfo=UTC)


def test_an_event_without_as_of_is_an_error_not_the_wall_clock() -> None:
    extras = [{"as_of": "2018-10-15T00:00:00"}, {"from_rest_api": True}]
    facts = RunFacts("asset_triggered__x", None, RUN_AFTER, asset_extras=extras)
    with pytest.raises(
        AsOfError, match="asset_triggered__x: triggering asset event without 'as_of'"
    ):
        resolve_as_of(facts)


def test_a_manual_run_may_name_its_as_of_date_in_its_conf() -> None:
    facts = RunFacts("manual__x", LOGICAL, RUN_AFTER, conf={"as_of": "2018-10-22 00:00:00+02:00"})
    assert resolve_as_of(facts) == dt.datetime(2018, 10, 21, 22, tzinfo=UTC)


def test_a_manual_run_without_as_of_or_logical_date_is_as_of_when_it_was_due() -> None:
    assert resolve_as_of(RunFacts("manual__x", None, RUN_AFTER, conf={"other": 1})) == RUN_AFTER


def test_a_run_with_no_date_at_all_is_an_error() -> None:
    with pytest.raises(AsOfError, match="run manual__x has no as_of, logical date or run_after"):
        resolve_as_of(RunFacts("manual__x", None))


@pytest.mark.parametrize("value", [20181015, "next week", "2018-13-01T00:00:00", None])
def test_a_malformed_as_of_names_where_it_came_from(value: object) -> None:
    with pytest.raises(AsOfError, match="run manual__x conf: as_of"):
        resolve_as_of(RunFacts("manual__x", LOGICAL, conf={"as_of": value}))


def test_naive_times_are_utc_and_offsets_are_converted() -> None:
    assert parse_instant("2018-10-15T00:00:00", "x") == dt.datetime(2018, 10, 15, tzinfo=UTC)
    assert parse_instant("2018-10-15", "x") == dt.datetime(2018, 10, 15, tzinfo=UTC)
    assert parse_instant("2018-10-15T02:00:00+02:00", "x") == dt.datetime(2018, 10, 15, tzinfo=UTC)


D = dt.date(2018, 10, 7)
AT_BOUNDARY = dt.datetime(2018, 10, 15)  # D + 1 day + 7 days: D's last label is known


def test_the_last_full_day_is_d_exactly_when_d_plus_one_plus_the_delay_has_come() -> None:
    assert last_full_day(AT_BOUNDARY, 7) == D
    assert last_full_day(AT_BOUNDARY - dt.timedelta(seconds=1), 7) == D - dt.timedelta(days=1)
    assert last_full_day(AT_BOUNDARY + dt.timedelta(hours=23, minutes=59), 7) == D
    assert last_full_day(AT_BOUNDARY.replace(tzinfo=UTC), 7) == D


def test_the_last_full_day_follows_the_feedback_delay() -> None:
    assert last_full_day(AT_BOUNDARY, 3) == D + dt.timedelta(days=4)
    assert last_full_day(AT_BOUNDARY, 6.5) == D  # half a day less delay: D+1 not yet complete
    assert last_full_day(AT_BOUNDARY + dt.timedelta(hours=12), 6.5) == D + dt.timedelta(days=1)


@pytest.mark.parametrize("delay", [0, -1, float("nan"), float("inf")])
def test_a_delay_that_is_not_positive_and_finite_is_refused(delay: float) -> None:
    with pytest.raises(ValueError, match="feedback delay must be > 0 days"):
        last_full_day(AT_BOUNDARY, delay)
