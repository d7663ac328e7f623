"""A run's as-of date: the instant whose knowledge the run may use, and the newest full day.

In the embedded stack's world the as-of date is simulated time; in production it is real time.
It is decided once per DAG run (``resolve_as_of``, pure) from what Airflow knows of the run:

* a manual run may name it: ``{"as_of": "2018-10-15T00:00:00"}`` in its conf;
* a run triggered by the lake's asset: the newest ``as_of`` in the ``extra`` of the triggering
  asset events (several events are consumed at once when weeks landed while a run was busy; the
  newest window is the one to train on). Airflow 3 gives such a run no logical date, and its
  ``run_after`` is wall-clock time: never a simulated date, so an event without ``as_of`` is an
  error rather than a silent fallback;
* a scheduled run (and a manual one without ``as_of``): its logical date; a manual run created
  without a logical date: its ``run_after``.

The as-of date is the idempotency key of a run's results (a version registered "for" it): two
runs for the same simulated week reuse one result, two weeks differ. Naive times are UTC (the
world's simulated times carry no zone).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

AS_OF_KEY = "as_of"
DAY = dt.timedelta(days=1)


class AsOfError(ValueError):
    """The run's as-of date cannot be decided (a bad or missing ``as_of``)."""


@dataclass(frozen=True)
class RunFacts:
    """What Airflow knows of a DAG run that decides its as-of date.

    Attributes:
        run_id: the run's id (for messages).
        logical_date: its logical date (None for asset-triggered runs in Airflow 3).
        run_after: when it was due (wall clock).
        conf: its configuration (a manual run may carry ``as_of``).
        asset_extras: the ``extra`` of each triggering event of the lake's asset.
    """

    run_id: str
    logical_date: dt.datetime | None
    run_after: dt.datetime | None = None
    conf: Mapping[str, Any] = field(default_factory=dict)
    asset_extras: Sequence[Mapping[str, Any]] = ()


def parse_instant(value: object, where: str) -> dt.datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive means UTC).

    Args:
        value: the text, e.g. ``2018-10-15T00:00:00``, ``2018-10-15 00:00:00+00:00``.
        where: where it came from, for the error.

    Returns:
        The instant in UTC.

    Raises:
        AsOfError: when ``value`` is not an ISO 8601 string.
    """
    if not isinstance(value, str):
        raise AsOfError(f"{where}: as_of must be an ISO 8601 string, got {value!r}")
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise AsOfError(f"{where}: as_of {value!r} is not ISO 8601") from exc
    return to_utc(instant)


def to_utc(instant: dt.datetime) -> dt.datetime:
    """Args: instant: a datetime (naive means UTC). Returns: it, aware, in UTC."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(dt.UTC)


def resolve_as_of(facts: RunFacts) -> dt.datetime:
    """The run's as-of date (see the module's rules, in their order).

    Args:
        facts: the run.

    Returns:
        The as-of instant, aware UTC.

    Raises:
        AsOfError: when ``as_of`` is malformed, an asset event lacks it, or the run has no date.
    """
    if AS_OF_KEY in facts.conf:
        return parse_instant(facts.conf[AS_OF_KEY], f"run {facts.run_id} conf")
    if facts.asset_extras:
        where = f"run {facts.run_id}: triggering asset event"
        missing = [extra for extra in facts.asset_extras if AS_OF_KEY not in extra]
        if missing:
            raise AsOfError(f"{where} without {AS_OF_KEY!r} in its extra: {dict(missing[0])}")
        return max(parse_instant(extra[AS_OF_KEY], where) for extra in facts.asset_extras)
    if facts.logical_date is not None:
        return to_utc(facts.logical_date)
    if facts.run_after is not None:
        return to_utc(facts.run_after)
    raise AsOfError(f"run {facts.run_id} has no as_of, logical date or run_after")


def last_full_day(as_of: dt.datetime, feedback_delay_days: float) -> dt.date:
    """The newest day D whose every label is known at ``as_of``: D + 1 day + delay <= as_of.

    A transaction of day D happens before D + 1 day, and its label is known at most the feedback
    delay after it (earlier when the card holder reports it).

    Args:
        as_of: the run's as-of instant (naive means UTC).
        feedback_delay_days: the world's feedback delay, in days (> 0).

    Returns:
        D.
    """
    if not math.isfinite(feedback_delay_days) or feedback_delay_days <= 0:
        raise ValueError(f"feedback delay must be > 0 days, got {feedback_delay_days!r}")
    latest_start = to_utc(as_of) - DAY - dt.timedelta(days=feedback_delay_days)
    return latest_start.date()
