"""The lake sink: consume ``scores`` and ``labels``, commit micro-batches to Iceberg, then offsets.

At least once, never lost: a batch is flushed in this order, and a failure at any step raises
before the Kafka offsets are committed, so a restart re-reads the batch:
1. dead letters are produced to the dead-letter topic and flushed (acknowledged by the brokers);
2. each table gets one Iceberg append of the batch's new rows (``tables.append_new``: duplicates
   by transaction_id dropped, so a re-read batch writes nothing twice);
3. the batch's offsets are committed synchronously;
4. then the labels' watermark advances and closed simulated weeks are signalled to Airflow.
A batch is flushed at ``batch_max_rows`` records or when its first record has waited
``batch_max_seconds``, before partitions are revoked, and on SIGTERM (then the sink exits 0).
One sink per group writes the tables: Iceberg's optimistic commits would make concurrent writers
retry, and the dedupe scan assumes no concurrent writer of the same ids.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyiceberg.table import Table

from fraudops_ml.lake import records, tables, weeks
from fraudops_ml.lake.metrics import SinkMetrics
from fraudops_ml.lake.records import DeadLetter, Message
from fraudops_ml.lake.schema import TABLES, TIME_COLUMN, TableSpec

DEAD_LETTER_HEADERS = {  # the stream scorer's names (apps/stream-scorer/src/records.ts)
    "reason": "x-dead-letter-reason",
    "code": "x-dead-letter-code",
    "topic": "x-original-topic",
    "partition": "x-original-partition",
    "offset": "x-original-offset",
    "failed_at": "x-failed-at",
}
RETENTION_INTERVAL_SECONDS = 300.0  # each run commits a snapshot: not every batch
Log = Callable[[str], None]
Signal = Callable[[dt.datetime, dt.datetime], str]


class Producer(Protocol):
    """What the sink needs of confluent_kafka.Producer."""

    def produce(self, topic: str, value: Any = ..., key: Any = ..., headers: Any = ...) -> None:
        """Queue one record."""
        ...

    def flush(self, timeout: float = ...) -> int:
        """Wait for delivery. Returns: records still queued."""
        ...


class Committer(Protocol):
    """Commits offsets: ``{(topic, partition): next offset}``, synchronously."""

    def __call__(self, offsets: Mapping[tuple[str, int], int]) -> None:
        """Commit."""
        ...


@dataclass
class Batch:
    """Records waiting for the next flush.

    Attributes:
        rows: parsed rows by table key.
        dead: dead letters.
        offsets: next offset to commit per (topic, partition).
        count: messages in the batch.
        started: monotonic time of its first message.
    """

    rows: dict[str, list[tuple[Message, dict[str, Any]]]] = field(default_factory=dict)
    dead: list[DeadLetter] = field(default_factory=list)
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    count: int = 0
    started: float | None = None


def batch_due(batch: Batch, now: float, max_rows: int, max_seconds: float) -> bool:
    """Args: batch: the batch; now: monotonic time; max_rows, max_seconds: limits.

    Returns:
        Whether to flush.
    """
    if batch.count == 0 or batch.started is None:
        return False
    return batch.count >= max_rows or now - batch.started >= max_seconds


def dead_letter_headers(letter: DeadLetter, failed_at: dt.datetime) -> list[tuple[str, bytes]]:
    """The dead letter's headers: ours, then the original's unchanged.

    Args:
        letter: the dead letter.
        failed_at: when it failed (UTC).

    Returns:
        Kafka headers.
    """
    source = letter.message
    code = "invalid_json" if letter.reason.startswith(("not JSON", "empty")) else "invalid_event"
    ours = {
        "reason": letter.reason,
        "code": code,
        "topic": source.topic,
        "partition": str(source.partition),
        "offset": str(source.offset),
        "failed_at": failed_at.isoformat(),
    }
    return [(DEAD_LETTER_HEADERS[k], v.encode()) for k, v in ours.items()] + list(source.headers)


def newest_by_partition(pairs: Iterable[tuple[int, dt.datetime]]) -> dict[int, dt.datetime]:
    """Args: pairs: (partition, known_at). Returns: the newest known_at per partition."""
    newest: dict[int, dt.datetime] = {}
    for partition, known_at in pairs:
        if partition not in newest or known_at > newest[partition]:
            newest[partition] = known_at
    return newest


@dataclass
class LakeSink:
    """The sink's state and its flush; the Kafka loop is in ``run``.

    Attributes:
        tables: the open tables by spec key.
        specs: the table of each source topic.
        validators: the contract validator by spec key.
        producer: the dead-letter producer.
        commit: commits offsets synchronously.
        dead_letter_topic: where dead letters go.
        metrics: the sink's metrics.
        signal: tells Airflow a simulated week closed (as_of, watermark) -> what happened.
        week_ends_before: weekday of the week boundary.
        retention: (row days, snapshot hours).
        log: one-line logger.
        labels_newest: the newest known_at per Kafka partition of the labels topic.
        batch: the batch being filled.
    """

    tables: Mapping[str, Table]
    specs: Mapping[str, TableSpec]
    validators: Mapping[str, records.RecordValidator]
    producer: Producer
    commit: Committer
    dead_letter_topic: str
    metrics: SinkMetrics
    signal: Signal
    week_ends_before: int
    retention: tuple[int, float]
    log: Log
    labels_newest: dict[int, dt.datetime] = field(default_factory=dict)
    batch: Batch = field(default_factory=Batch)
    _converters: dict[str, records.Converters] = field(default_factory=dict)
    _last_retention: float = field(default_factory=time.monotonic)

    def add(self, message: Message) -> None:
        """Parse one message into the batch (a row or a dead letter).

        Args:
            message: a message of a subscribed topic.
        """
        spec = self.specs[message.topic]
        batch = self.batch
        if batch.started is None:
            batch.started = time.monotonic()
        batch.count += 1
        self.metrics.gauge("pending").set(batch.count)
        key = (message.topic, message.partition)
        batch.offsets[key] = max(batch.offsets.get(key, 0), message.offset + 1)
        parsed = records.parse(message, self.validators[spec.key])
        if isinstance(parsed, DeadLetter):
            batch.dead.append(parsed)
        else:
            batch.rows.setdefault(spec.key, []).append((message, parsed))

    def flush(self) -> None:
        """Land the batch: dead letters, Iceberg appends, offsets, then week signals."""
        batch, self.batch = self.batch, Batch()
        if batch.count == 0:
            return
        now = dt.datetime.now(dt.UTC)
        self._send_dead_letters(batch.dead, now)
        landed = {key: self._append(key, pairs, now) for key, pairs in batch.rows.items()}
        self.commit(batch.offsets)
        self.metrics.counter("batches").inc()
        self.metrics.gauge("pending").set(self.batch.count)
        labels = landed.get("labels")
        if labels:
            self._labels_landed(labels)
        self._maybe_apply_retention(landed, now)

    def _send_dead_letters(self, dead: list[DeadLetter], now: dt.datetime) -> None:
        for letter in dead:
            self.producer.produce(
                self.dead_letter_topic,
                value=letter.message.value,
                key=letter.message.key,
                headers=dead_letter_headers(letter, now),
            )
        if dead and self.producer.flush(30.0) > 0:
            raise RuntimeError(f"dead letters not acknowledged by Kafka ({self.dead_letter_topic})")
        for letter in dead:
            code = dead_letter_headers(letter, now)[1][1].decode()
            self.metrics.counter("dead").labels(letter.message.topic, code).inc()
        if dead:
            # One line per batch, not per record: old records would otherwise flood the log.
            first = dead[0]
            more = f" and {len(dead) - 1} more" if len(dead) > 1 else ""
            self.log(
                f"dead-lettered {first.message.topic}/{first.message.partition}@"
                f"{first.message.offset}{more} to {self.dead_letter_topic}: {first.reason}"
            )

    def _append(
        self, key: str, pairs: list[tuple[Message, dict[str, Any]]], now: dt.datetime
    ) -> list[dict[str, Any]]:
        table, spec = self.tables[key], next(s for s in TABLES if s.key == key)
        if key not in self._converters:
            self._converters[key] = records.converters(table.schema())
        rows = [records.to_row(r, spec, m, now, self._converters[key]) for m, r in pairs]
        result = tables.append_new(table, rows)
        self.metrics.counter("rows").labels(key).inc(result.written)
        self.metrics.counter("duplicates").labels(key).inc(result.duplicates)
        self.metrics.histogram("dedupe").labels(key).observe(result.dedupe_seconds)
        self.metrics.histogram("commit").labels(key).observe(result.commit_seconds)
        newest = max(r[TIME_COLUMN] for r in rows)
        self.metrics.gauge("newest_tx").labels(key).set(newest.replace(tzinfo=dt.UTC).timestamp())
        return rows

    def _labels_landed(self, rows: list[dict[str, Any]]) -> None:
        before = weeks.watermark(self.labels_newest)
        batch_newest = newest_by_partition((r["kafka_partition"], r["known_at"]) for r in rows)
        self.labels_newest = weeks.advance(self.labels_newest, batch_newest)
        after = weeks.watermark(self.labels_newest)
        assert after is not None  # rows is not empty
        newest = max(self.labels_newest.values())
        self.metrics.gauge("newest_known_at").set(newest.replace(tzinfo=dt.UTC).timestamp())
        self.metrics.gauge("watermark").set(after.replace(tzinfo=dt.UTC).timestamp())
        for boundary in weeks.closed_boundaries(before, after, self.week_ends_before):
            outcome = self.signal(boundary, after)
            self.metrics.counter("signals").labels(outcome).inc()

    def _maybe_apply_retention(
        self, landed: Mapping[str, list[dict[str, Any]]], now: dt.datetime
    ) -> None:
        if time.monotonic() - self._last_retention < RETENTION_INTERVAL_SECONDS:
            return
        self._last_retention = time.monotonic()
        # Days are counted back from the world's clock (the newest label known), not from the newest
        # row: the attack's events carry wall-clock times (2026) beside the world's simulated ones
        # (2018), and 120 days before the attack's newest would delete every simulated day. Rows
        # dated after the world's clock are kept.
        clock = max(self.labels_newest.values(), default=None)
        if clock is None:
            return
        for key, rows in landed.items():
            if rows:
                tables.apply_retention(self.tables[key], clock, *self.retention, now)
