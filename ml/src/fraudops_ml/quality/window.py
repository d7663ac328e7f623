"""Which simulated days the quality component reads, and which of them are final.

The labels' watermark W (every label known before W has landed, ``lake.weeks.watermark``)
decides: a day D is final when every label of D is known by then, i.e. D's end plus the
feedback delay is at or before W. Its figures never change afterwards, so they are computed
once and kept while the day is among the last ``final_days`` final days (the span of the
7-day Average Precision and of the quality alert). Days after the last final one are open:
only their label coverage is exported, so a panel never shows an unfinished day as a bad one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Span:
    """The days one cycle looks at.

    Attributes:
        final: the final days kept, oldest first.
        open: the days after them up to the watermark's day, oldest first.
    """

    final: tuple[dt.date, ...]
    open: tuple[dt.date, ...]

    @property
    def days(self) -> tuple[dt.date, ...]:
        """Returns: every day of the span, oldest first."""
        return self.final + self.open


def last_final_day(watermark: dt.datetime, delay_days: float) -> dt.date:
    """Args: watermark: labels' watermark; delay_days: feedback delay. Returns: newest final day."""
    # D is final when D + 1 day + delay <= W.
    return (watermark - dt.timedelta(days=delay_days)).date() - DAY


def span(
    watermark: dt.datetime, delay_days: float, final_days: int, first_day: dt.date | None
) -> Span:
    """The days to read.

    Args:
        watermark: the labels' watermark (simulated).
        delay_days: the feedback delay.
        final_days: how many final days to keep.
        first_day: the oldest day with scores (None: no bound).

    Returns:
        The final and open days, none before ``first_day``.
    """
    last_final = last_final_day(watermark, delay_days)
    final = [last_final - i * DAY for i in range(final_days - 1, -1, -1)]
    opened = [last_final + i * DAY for i in range(1, (watermark.date() - last_final).days + 1)]
    keep = (lambda d: d >= first_day) if first_day else (lambda d: True)
    return Span(tuple(filter(keep, final)), tuple(filter(keep, opened)))
