from __future__ import annotations

import datetime as dt

import pytest

from fraudops_ml.lake import weeks

MONDAY = 0
# 2018-10-08 is a Monday.
B1 = dt.datetime(2018, 10, 8)
B2 = dt.datetime(2018, 10, 15)


def test_the_last_boundary_is_the_latest_midnight_of_the_weekday() -> None:
    assert weeks.last_boundary(dt.datetime(2018, 10, 10, 12), MONDAY) == B1
    assert weeks.last_boundary(B1, MONDAY) == B1
    assert weeks.last_boundary(dt.datetime(2018, 10, 7, 23, 59), MONDAY) == dt.datetime(2018, 10, 1)
    assert weeks.last_boundary(dt.datetime(2018, 10, 10, 12), 6) == dt.datetime(2018, 10, 7)


@pytest.mark.parametrize(
    ("before", "after", "closed"),
    [
        (dt.datetime(2018, 10, 7, 23), dt.datetime(2018, 10, 8, 0, 0, 1), [B1]),
        # Exactly at the boundary: labels known at 00:00:00 may still be in flight.
        (dt.datetime(2018, 10, 7, 23), B1, []),
        (B1, dt.datetime(2018, 10, 8, 0, 0, 1), [B1]),
        (dt.datetime(2018, 10, 8, 0, 0, 1), dt.datetime(2018, 10, 14), []),
        (dt.datetime(2018, 10, 7), dt.datetime(2018, 10, 16), [B1, B2]),
        (None, dt.datetime(2018, 10, 16), []),
        (dt.datetime(2018, 10, 16), dt.datetime(2018, 10, 9), []),
    ],
)
def test_a_boundary_closes_once_when_the_watermark_passes_it(
    before: dt.datetime | None, after: dt.datetime, closed: list[dt.datetime]
) -> None:
    assert weeks.closed_boundaries(before, after, MONDAY) == closed


def test_the_watermark_is_the_slowest_partition() -> None:
    state = weeks.advance({}, {0: dt.datetime(2018, 10, 9), 1: dt.datetime(2018, 10, 7)})
    assert weeks.watermark(state) == dt.datetime(2018, 10, 7)
    state = weeks.advance(state, {1: dt.datetime(2018, 10, 10), 0: dt.datetime(2018, 10, 8)})
    assert state == {0: dt.datetime(2018, 10, 9), 1: dt.datetime(2018, 10, 10)}
    assert weeks.watermark(state) == dt.datetime(2018, 10, 9)
    assert weeks.watermark({}) is None
