"""Simulated weeks of labels: the watermark of landed labels and the week boundaries it crosses.

A week ends at 00:00 simulated time on a fixed weekday (``lake.retrainingTrigger.weekEndsBefore``,
Monday by default: a week is Monday..Sunday). The world publishes labels in ``known_at`` order,
and Kafka keeps that order within a partition, so once a partition has landed a label with
``known_at`` = m, every label of that partition known before m has landed. The watermark is the
minimum of those per-partition maxima: every label known before it is in the table. A boundary B
is closed when the watermark passes it (B < watermark), i.e. every label with known_at <= B
has landed; then the retraining may read the lake as of B.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

WEEK = dt.timedelta(days=7)


def last_boundary(when: dt.datetime, weekday: int) -> dt.datetime:
    """Args: when: simulated time; weekday: 0 Monday. Returns: the last boundary at or before it."""
    back = (when.weekday() - weekday) % 7
    return dt.datetime.combine(when.date() - dt.timedelta(days=back), dt.time())


def closed_boundaries(
    before: dt.datetime | None, after: dt.datetime, weekday: int
) -> list[dt.datetime]:
    """The boundaries the watermark passed moving from ``before`` to ``after``.

    Args:
        before: the previous watermark (None: nothing landed yet, nothing to close).
        after: the new watermark.
        weekday: the weekday whose midnight ends a week (0 Monday).

    Returns:
        Boundaries B with before <= B < after, oldest first.
    """
    if before is None or after <= before:
        return []
    boundary = last_boundary(after, weekday)
    if boundary == after:  # not passed yet: labels known exactly at B may still be in flight
        boundary -= WEEK
    found = []
    while boundary >= before:
        found.append(boundary)
        boundary -= WEEK
    return found[::-1]


def watermark(newest_by_partition: Mapping[int, dt.datetime]) -> dt.datetime | None:
    """Args: newest_by_partition: newest known_at landed per partition. Returns: their minimum."""
    return min(newest_by_partition.values(), default=None)


def advance(
    newest_by_partition: Mapping[int, dt.datetime], batch: Mapping[int, dt.datetime]
) -> dict[int, dt.datetime]:
    """Args: newest_by_partition: state; batch: newest known_at per partition in a batch.

    Returns:
        The new state.
    """
    merged = dict(newest_by_partition)
    for partition, newest in batch.items():
        merged[partition] = max(newest, merged.get(partition, newest))
    return merged
