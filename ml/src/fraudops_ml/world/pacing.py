"""The simulated clock: simulated seconds per wall second, never ahead, bounded catch-up.

Pure functions of explicit times (the caller reads the wall clock), so they are tested without
sleeping.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

# When publishing falls behind the clock by more than this much wall time, the clock slips
# (it is moved back) instead of bursting to catch up: the rate stays what the speed implies.
MAX_LAG_WALL_SECONDS = 2.0
# Longest sleep between two looks at the clock, so that a signal is handled promptly.
MAX_SLEEP_SECONDS = 0.2


@dataclass(frozen=True)
class Clock:
    """Simulated time as a function of wall time.

    Attributes:
        speed: simulated seconds per wall second; 0 means unpaced (as fast as possible).
        sim_origin: simulated seconds at ``wall_origin``.
        wall_origin: wall seconds (monotonic) when the simulated time was ``sim_origin``.
    """

    speed: float
    sim_origin: float
    wall_origin: float

    def now(self, wall: float) -> float:
        """Args: wall: monotonic wall seconds. Returns: simulated seconds (inf when unpaced)."""
        if self.speed == 0:
            return math.inf
        return self.sim_origin + (wall - self.wall_origin) * self.speed


def bounded(clock: Clock, published_through: int, wall: float) -> Clock:
    """The clock, slipped so that it is at most ``MAX_LAG_WALL_SECONDS`` ahead of publishing.

    Args:
        clock: the clock.
        published_through: every event up to this simulated second is published.
        wall: monotonic wall seconds now.

    Returns:
        ``clock`` or a clock restarted at ``published_through`` plus the allowed lag.
    """
    allowed = clock.speed * MAX_LAG_WALL_SECONDS
    if clock.speed == 0 or clock.now(wall) - published_through <= allowed:
        return clock
    return Clock(clock.speed, published_through + allowed, wall)


def due_end(times: Sequence[int], start: int, sim_now: float, max_batch: int) -> int:
    """End (exclusive) of the events to publish now.

    Args:
        times: event times, sorted.
        start: the first unpublished event.
        sim_now: the simulated clock.
        max_batch: most events in one batch.

    Returns:
        The index after the last event with time <= sim_now, at most start + max_batch.
    """
    limit = min(len(times), start + max_batch)
    if math.isinf(sim_now):
        return limit
    return min(bisect.bisect_right(times, math.floor(sim_now), lo=start), limit)


def through_after(times: Sequence[int], end: int, day_end: int) -> int:
    """The simulated second up to which everything is published once ``times[:end]`` is.

    Args:
        times: the day's event times, sorted.
        end: events before this index are published.
        day_end: the day's last instant (its events all lie at or before it).

    Returns:
        ``times[end] - 1`` (the next event's second is not complete), or ``day_end``.
    """
    return times[end] - 1 if end < len(times) else day_end


def sleep_for(clock: Clock, next_at: int, wall: float) -> float:
    """Args: clock: the clock; next_at: next event's time; wall: now. Returns: seconds to wait."""
    if clock.speed == 0:
        return 0.0
    return max(0.0, min(MAX_SLEEP_SECONDS, (next_at - clock.now(wall)) / clock.speed))
