"""Running the world: pacing, publishing (Kafka or JSON Lines), metrics, state file, signals.

Restart: the world resumes. Its state file records what world it is (dataset hash, scenario,
its start day, label rule) and up to which simulated second everything was published and
flushed. A restart with the same world regenerates the days before that second without
publishing them (each day is a pure function of seed, day and scenario, so ids and records come
out the same) and continues after it; events published after the last state write are
published again, identical (at least once; consumers de-duplicate by id). A restart with a
different world is refused: its ids would name other transactions. Start over by deleting the
state file together with the topics and the lake.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Protocol, TextIO

import numpy as np
import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from fraudops_ml import contracts, data
from fraudops_ml.progress import Log
from fraudops_ml.simulate import SECONDS_PER_DAY, simulate_with_schedule
from fraudops_ml.world import labels, pacing, records
from fraudops_ml.world.days import build_basis
from fraudops_ml.world.engine import DayBatch, WorldEngine, day_start
from fraudops_ml.world.scenarios import Scenario
from fraudops_ml.world.settings import WorldSettings

STATE_VERSION = 1
STATE_INTERVAL_SECONDS = 5.0
MAX_BATCH = 2_000
FLUSH_TIMEOUT_SECONDS = 30.0


class WorldError(RuntimeError):
    """The world cannot start or continue (message says why)."""


class Sink(Protocol):
    """Where events go."""

    def produce(self, event: records.Event) -> None:
        """Args: event: a validated event."""

    def flush(self) -> None:
        """Block until everything produced is durable (raises on a delivery failure)."""

    def close(self) -> None:
        """Flush and release."""

    def abort(self) -> None:
        """Release at once, dropping what is not yet delivered (the world is failing)."""


class JsonLinesSink:
    """Dry run: one JSON line per event (topic, key, simulated time, value)."""

    def __init__(self, path: Path, topics: dict[str, str], start: np.datetime64) -> None:
        """Args: path: output file; topics: topic by kind; start: simulated second 0."""
        self._file: TextIO = path.open("w", encoding="utf-8")
        self._topics = topics
        self._start = start

    def produce(self, event: records.Event) -> None:
        """Args: event: a validated event."""
        at = str(self._start + np.timedelta64(event.at, "s")).replace("T", " ")
        line = {"topic": self._topics[event.kind], "key": event.key, "at": at, "value": event.value}
        self._file.write(orjson.dumps(line).decode() + "\n")

    def flush(self) -> None:
        """Write buffered lines."""
        self._file.flush()

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def abort(self) -> None:
        """Close the file (what was written stays)."""
        self._file.close()


class KafkaSink:
    """confluent-kafka producer: acks=all, idempotent, keys as the contracts say."""

    def __init__(self, bootstrap: str, topics: dict[str, str]) -> None:
        """Args: bootstrap: host:port; topics: topic by kind."""
        from confluent_kafka import Producer  # imported here: the dry run needs no client

        self._producer = Producer(
            {
                "bootstrap.servers": bootstrap,
                "acks": "all",
                "enable.idempotence": True,
                "linger.ms": 20,
                "compression.type": "lz4",
                "client.id": "fraudops-world",
                # Fail within a minute (not librdkafka's 5) when the broker or a topic is missing.
                "message.timeout.ms": 60_000,
            }
        )
        self._topics = topics
        self._errors: list[str] = []

    def _delivered(self, error: Any, message: Any) -> None:
        if error is not None:
            self._errors.append(f"{message.topic()}: {error}")

    def produce(self, event: records.Event) -> None:
        """Args: event: a validated event."""
        value = orjson.dumps(event.value)
        while True:
            try:
                self._producer.produce(
                    self._topics[event.kind], value, event.key, on_delivery=self._delivered
                )
                break
            except BufferError:  # the local queue is full: let deliveries drain it
                self._producer.poll(0.1)
        self._producer.poll(0)
        self._raise_errors()

    def _raise_errors(self) -> None:
        if self._errors:
            raise WorldError(f"Kafka delivery failed: {self._errors[0]}")

    def flush(self) -> None:
        """Block until every produced record is acknowledged."""
        left = self._producer.flush(FLUSH_TIMEOUT_SECONDS)
        self._raise_errors()
        if left:
            raise WorldError(f"{left} records not delivered after {FLUSH_TIMEOUT_SECONDS:.0f}s")

    def close(self) -> None:
        """Flush."""
        self.flush()

    def abort(self) -> None:
        """Drop queued records instead of waiting for them (a failure is being reported)."""
        self._producer.purge()
        self._producer.flush(0)


class WorldMetrics:
    """The world's Prometheus metrics (a registry of its own)."""

    def __init__(self, scenario: str, scenario_start: str, speed: float) -> None:
        """Args: scenario: name; scenario_start: its first date; speed: simulated s per s."""
        self.registry = CollectorRegistry()
        r = self.registry
        self.simulated_time = Gauge(
            "world_simulated_time_seconds",
            "Simulated time (Unix seconds) up to which the world has published everything.",
            registry=r,
        )
        self.events = Counter(
            "world_events_published_total",
            "Records published, by topic kind.",
            ["kind"],
            registry=r,
        )
        self.labels = Counter(
            "world_labels_published_total", "Labels published, by source.", ["source"], registry=r
        )
        # Every series exists from the start (at 0), so that rate() and absent() work at once.
        for kind in (records.TRANSACTIONS, records.LABELS):
            self.events.labels(kind=kind)
        for source in (labels.FEEDBACK_DELAY, labels.CARDHOLDER_REPORT):
            self.labels.labels(source=source)
        self.pending = Gauge("world_labels_pending", "Labels not yet known.", registry=r)
        Gauge("world_speed", "Simulated seconds per wall second (0: unpaced).", registry=r).set(
            speed
        )
        info = Gauge(
            "world_scenario_info", "The scenario of change.", ["scenario", "start_date"], registry=r
        )
        info.labels(scenario=scenario, start_date=scenario_start).set(1)


@dataclass(frozen=True)
class RunOptions:
    """One run's choices beyond the settings.

    Attributes:
        days: stop after this many simulated days (None: run until stopped).
        dry_run_out: write JSON Lines here instead of producing to Kafka.
        serve_metrics: serve /metrics on the settings' host and port.
        state_file: the state file (None: none, e.g. for a dry run).
    """

    days: int | None
    dry_run_out: Path | None
    serve_metrics: bool
    state_file: Path | None


@dataclass
class Progress:
    """What has been published (persisted in the state file)."""

    through: int
    transactions: int = 0
    labels: int = 0
    pending: int = 0


def identity(settings: WorldSettings, data_hash: str, seed: int) -> dict[str, Any]:
    """Everything that decides the world's records: a resumed run must have the same.

    Args:
        settings: the settings.
        data_hash: the historic dataset's hash.
        seed: its seed.

    Returns:
        A JSON-ready dict.
    """
    return {
        "preset": settings.preset,
        "data_hash": data_hash,
        "seed": seed,
        "scenario": settings.scenario,
        "scenario_start_day": settings.scenario_start_day,
        "feedback_delay_days": settings.feedback_delay_days,
        "cardholder_reports": asdict(settings.reports),
    }


def read_state(path: Path | None) -> dict[str, Any] | None:
    """Args: path: the state file or None. Returns: its content, or None when absent."""
    if path is None or not path.exists():
        return None
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise WorldError(f"cannot read the world's state file {path}: {exc}") from exc
    return state


def resume_point(state: dict[str, Any] | None, ident: dict[str, Any], first: int) -> int:
    """Where to continue: the state's published_through, or just before the first day.

    Args:
        state: the state file's content or None.
        ident: this run's identity.
        first: the world's first simulated second.

    Returns:
        Simulated second up to which everything is already published.

    Raises:
        WorldError: when the state file describes another world.
    """
    if state is None:
        return first
    if state.get("version") != STATE_VERSION or state.get("identity") != ident:
        raise WorldError(
            "the state file describes another world (scenario, label rule or dataset differ): "
            "its transaction ids would name other transactions. To start over, run "
            "`fraudops down` (topics and lake) and delete the state file."
        )
    return int(state["published_through_seconds"])


def write_state(path: Path, content: dict[str, Any]) -> None:
    """Write the state file atomically (temp file, then rename).

    Args:
        path: the state file.
        content: its JSON content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def simulated_text(start: np.datetime64, seconds: int) -> str:
    """Args: start: second 0; seconds: simulated seconds. Returns: 'YYYY-MM-DD HH:MM:SS'."""
    return str(start + np.timedelta64(seconds, "s")).replace("T", " ")


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """Turn SIGTERM and SIGINT into a stop request while the world runs.

    Yields:
        An event set by either signal (the loop then flushes and stops); the previous handlers
        come back afterwards (the world also runs inside test processes).
    """
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@dataclass
class Runner:
    """Publishes the engine's days, paced by the clock, into a sink."""

    engine: WorldEngine
    sink: Sink
    validator: records.RecordValidator
    metrics: WorldMetrics
    progress: Progress
    clock: pacing.Clock
    stop: threading.Event
    save: Callable[[Progress], None]
    out: Log
    wall: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def publish_day(self, batch: DayBatch, events: list[records.Event]) -> bool:
        """Publish one day's events after progress.through, paced; False when stopped."""
        times = [e.at for e in events]
        start = next((i for i, t in enumerate(times) if t > self.progress.through), len(times))
        day_end = day_start(batch.day + 1)
        last_save = self.wall()
        while start < len(times) or self.progress.through < day_end:
            if self.stop.is_set():
                return False
            now = self.wall()
            self.clock = pacing.bounded(self.clock, self.progress.through, now)
            end = pacing.due_end(times, start, self.clock.now(now), MAX_BATCH)
            if end == start and start < len(times):
                self.sleep(pacing.sleep_for(self.clock, times[start], now))
                continue
            for event in events[start:end]:
                self.validator.check(event)
                self.sink.produce(event)
                self.count(event)
            start = end
            self.progress.through = max(
                self.progress.through, pacing.through_after(times, end, day_end)
            )
            # The day's last event may come before its end: show no time ahead of the clock.
            shown = min(float(self.progress.through), self.clock.now(self.wall()))
            self.metrics.simulated_time.set(self.unix(int(shown)))
            if self.wall() - last_save >= STATE_INTERVAL_SECONDS:
                self.checkpoint()
                last_save = self.wall()
        return True

    def count(self, event: records.Event) -> None:
        """Args: event: a published event (counted in the metrics and the progress)."""
        self.metrics.events.labels(kind=event.kind).inc()
        if event.kind == records.LABELS:
            self.progress.labels += 1
            self.metrics.labels.labels(source=event.value["source"]).inc()
        else:
            self.progress.transactions += 1

    def unix(self, seconds: int) -> float:
        """Args: seconds: simulated seconds. Returns: Unix seconds of that simulated time."""
        start = self.engine.basis.start.astype("datetime64[s]").astype(np.int64)
        return float(start + seconds)

    def checkpoint(self) -> None:
        """Flush the sink, then record the progress (never ahead of what is durable)."""
        self.sink.flush()
        self.save(self.progress)


def day_events(batch: DayBatch, start: np.datetime64) -> list[records.Event]:
    """Args: batch: a day; start: simulated second 0. Returns: its events in time order."""
    return records.merge_events(
        records.transaction_events(batch.transactions, contracts.model_features()),
        records.label_events(batch.labels, start),
    )


def progress_line(batch: DayBatch, start: np.datetime64, wall_seconds: float) -> str:
    """Args: batch: a day; start: second 0; wall_seconds: its wall time. Returns: one line."""
    date = simulated_text(start, day_start(batch.day))[:10]
    tx = batch.transactions
    return (
        f"world {date}: {len(tx)} transactions ({int(tx['tx_fraud'].sum())} frauds), "
        f"{len(batch.labels)} labels known, {batch.pending} pending, {wall_seconds:.1f}s wall"
    )


def resumed_progress(state: dict[str, Any] | None, through: int) -> Progress:
    """Args: state: the state file's content or None; through: resume point. Returns: counts."""
    if state is None:
        return Progress(through=through)
    return Progress(
        through=through,
        transactions=int(state.get("transactions_published", 0)),
        labels=int(state.get("labels_published", 0)),
    )


def days_to_run(engine: WorldEngine, days: int | None) -> Iterator[int]:
    """Args: engine: the engine; days: how many (None: forever). Yields: day numbers."""
    count = 0
    while days is None or count < days:
        yield engine.day
        count += 1


def run_world(settings: WorldSettings, options: RunOptions, out: Log, log: Log) -> int:
    """Run the world until stopped or ``options.days`` days are published.

    Args:
        settings: the settings (overrides applied).
        options: this run's options.
        out: progress lines (stdout).
        log: diagnostics (stderr).

    Returns:
        0 (stopped cleanly or done).
    """
    config = data.PRESETS[settings.preset]
    dataset = data.load_or_simulate(settings.data_dir, config, log)
    history, schedule = simulate_with_schedule(config)
    if data.frame_sha256(history.transactions) != dataset.data_hash:
        raise WorldError(f"{dataset.path} is not what its parameters simulate: delete it")
    basis = build_basis(history, schedule, config, settings.reports)
    scenario = Scenario(settings.scenario, basis.first_day + settings.scenario_start_day)
    engine = WorldEngine(basis, scenario, dataset.transactions, settings.feedback_delay_days)
    ident = identity(settings, dataset.data_hash, config.seed)
    through = resume_point(read_state(options.state_file), ident, day_start(basis.first_day))
    while day_start(engine.day + 1) <= through:  # days already published: state only
        engine.step(with_features=False)
    start = basis.start
    metrics = WorldMetrics(
        settings.scenario, simulated_text(start, day_start(scenario.start_day))[:10], settings.speed
    )
    topics = dict(settings.topics)
    sink: Sink = (
        JsonLinesSink(options.dry_run_out, topics, start)
        if options.dry_run_out is not None
        else KafkaSink(settings.bootstrap, topics)
    )

    def save(progress: Progress) -> None:
        if options.state_file is not None:
            write_state(options.state_file, state_content(ident, progress, engine, start, settings))

    progress = resumed_progress(read_state(options.state_file), through)
    with ExitStack() as stack:
        if options.serve_metrics:
            server, _ = start_http_server(
                settings.metrics_port, settings.metrics_host, registry=metrics.registry
            )
            stack.callback(server.shutdown)
        runner = Runner(
            engine,
            sink,
            records.RecordValidator(),
            metrics,
            progress,
            pacing.Clock(settings.speed, float(through), time.monotonic()),
            stack.enter_context(stop_on_signals()),
            save,
            out,
        )
        publish_days(runner, options.days, start)
    return 0


def publish_days(runner: Runner, days: int | None, start: np.datetime64) -> None:
    """Publish day after day until done or stopped, then flush and record the progress.

    Args:
        runner: the runner.
        days: how many days (None: until stopped).
        start: simulated second 0.
    """
    engine, progress = runner.engine, runner.progress
    try:
        for _ in days_to_run(engine, days):
            began = time.monotonic()
            batch = engine.step()
            progress.pending = batch.pending
            runner.metrics.pending.set(batch.pending)
            if not runner.publish_day(batch, day_events(batch, start)):
                break
            runner.checkpoint()
            runner.out(progress_line(batch, start, time.monotonic() - began))
    except BaseException:
        # The state keeps its last checkpoint: what follows it is produced again on restart.
        runner.sink.abort()
        raise
    runner.sink.close()  # raises when undelivered: then the state is not moved forward
    runner.save(progress)


def state_content(
    ident: dict[str, Any],
    progress: Progress,
    engine: WorldEngine,
    start: np.datetime64,
    settings: WorldSettings,
) -> dict[str, Any]:
    """The state file's content (what `fraudops status` shows).

    Args:
        ident: the world's identity.
        progress: what has been published.
        engine: the engine.
        start: simulated second 0.
        settings: the settings.

    Returns:
        JSON-ready dict.
    """
    through = simulated_text(start, progress.through)
    return {
        "version": STATE_VERSION,
        "identity": ident,
        "published_through_seconds": progress.through,
        "published_through": through,
        "simulated_date": through[:10],
        "world_day": progress.through // SECONDS_PER_DAY - engine.basis.first_day,
        "scenario": settings.scenario,
        "scenario_start": simulated_text(start, day_start(engine.scenario.start_day))[:10],
        "speed": settings.speed,
        "transactions_published": progress.transactions,
        "labels_published": progress.labels,
        "labels_pending": progress.pending,
        "updated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
