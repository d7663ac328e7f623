"""The sink process: Kafka clients, the metrics endpoint, SIGTERM, and the poll loop (I/O only)."""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

import confluent_kafka
from prometheus_client import start_http_server
from pyiceberg.table import Table

from fraudops_ml.contract_check import ContractCheck
from fraudops_ml.lake import airflow, tables
from fraudops_ml.lake.metrics import SinkMetrics
from fraudops_ml.lake.records import Message
from fraudops_ml.lake.schema import TABLES
from fraudops_ml.lake.settings import LakeSettings
from fraudops_ml.lake.sink import LakeSink, Log, Signal, batch_due

POLL_SECONDS = 0.2


def stderr_log(line: str) -> None:
    """Args: line: one log line (stderr, timestamped)."""
    print(f"{dt.datetime.now(dt.UTC):%H:%M:%S} lake-sink: {line}", file=sys.stderr, flush=True)


def to_message(raw: Any) -> Message:
    """Args: raw: a confluent_kafka.Message. Returns: its parts."""
    kind, stamp = raw.timestamp()
    headers = tuple((k, v or b"") for k, v in raw.headers() or ())
    return Message(
        topic=raw.topic(),
        partition=raw.partition(),
        offset=raw.offset(),
        key=raw.key(),
        value=raw.value(),
        timestamp_ms=stamp if kind != confluent_kafka.TIMESTAMP_NOT_AVAILABLE else None,
        headers=headers,
    )


def labels_newest_in(table: Table) -> dict[int, dt.datetime]:
    """The newest known_at per Kafka partition already in the labels table (restart state).

    Args:
        table: the labels table.

    Returns:
        ``{partition: newest known_at}``.
    """
    found = table.scan(selected_fields=("kafka_partition", "known_at")).to_arrow()
    if found.num_rows == 0:
        return {}
    grouped = found.group_by("kafka_partition").aggregate([("known_at", "max")])
    return dict(
        zip(
            grouped.column("kafka_partition").to_pylist(),
            grouped.column("known_at_max").to_pylist(),
            strict=True,
        )
    )


def make_signal(settings: LakeSettings, log: Log) -> Signal:
    """The week signal: an Airflow asset event, or a log line when no Airflow URL is set.

    Args:
        settings: lake settings.
        log: logger.

    Returns:
        ``signal(as_of, watermark) -> outcome`` (``sent``, ``logged`` or ``failed``).
    """

    def signal_week(as_of: dt.datetime, watermark: dt.datetime) -> str:
        if settings.airflow_url is None:
            log(f"simulated week closed as of {as_of} (no Airflow URL: not signalled)")
            return "logged"
        target = airflow.AirflowTarget(
            settings.airflow_url,
            settings.airflow_asset,
            settings.airflow_username,
            settings.airflow_password,
        )
        try:
            event = airflow.signal_week(target, as_of, watermark)
        except airflow.AirflowSignalError as exc:
            # The DAG's wall-clock schedule still runs; the next closed week signals again.
            log(f"simulated week closed as of {as_of}; Airflow signal failed: {exc}")
            return "failed"
        log(f"simulated week closed as of {as_of}: asset event {event} ({settings.airflow_asset})")
        return "sent"

    return signal_week


def kafka_config(settings: LakeSettings) -> dict[str, Any]:
    """Args: settings: lake settings. Returns: the consumer's configuration."""
    return {
        "bootstrap.servers": settings.bootstrap,
        "group.id": settings.group_id,
        # Offsets are committed by the sink, after the Iceberg commit (module docstring).
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
    }


def build_sink(
    settings: LakeSettings, producer: Any, consumer: Any, metrics: SinkMetrics, log: Log
) -> LakeSink:
    """Open the tables and wire the sink to its Kafka clients.

    Args:
        settings: lake settings.
        producer: the dead-letter producer.
        consumer: the consumer (for commits).
        metrics: metrics.
        log: logger.

    Returns:
        The sink.
    """
    catalog = tables.open_catalog(settings)
    opened = {spec.key: tables.ensure_table(catalog, settings, spec) for spec in TABLES}

    def commit(offsets: Mapping[tuple[str, int], int]) -> None:
        parts = [confluent_kafka.TopicPartition(t, p, o) for (t, p), o in offsets.items()]
        consumer.commit(offsets=parts, asynchronous=False)

    return LakeSink(
        tables=opened,
        specs={settings.topics[spec.topic_key]: spec for spec in TABLES},
        validators={spec.key: ContractCheck(spec.contract) for spec in TABLES},
        producer=producer,
        commit=commit,
        dead_letter_topic=settings.dead_letter_topic,
        metrics=metrics,
        signal=make_signal(settings, log),
        week_ends_before=settings.week_ends_before,
        retention=(settings.row_retention_days, settings.snapshot_retention_hours),
        log=log,
        labels_newest=labels_newest_in(opened["labels"]),
    )


def poll_loop(sink: LakeSink, consumer: Any, settings: LakeSettings, stop: threading.Event) -> None:
    """Consume until ``stop`` is set, flushing batches when due; flush the last one.

    Args:
        sink: the sink.
        consumer: the subscribed consumer.
        settings: lake settings (batch limits).
        stop: set by SIGTERM/SIGINT (or a test).
    """
    while not stop.is_set():
        raw = consumer.poll(POLL_SECONDS)
        if raw is not None:
            error = raw.error()
            if error is None:
                sink.add(to_message(raw))
            elif error.fatal():
                raise confluent_kafka.KafkaException(error)
            else:
                sink.log(f"kafka: {error}")
        due = batch_due(
            sink.batch, time.monotonic(), settings.batch_max_rows, settings.batch_max_seconds
        )
        if due:
            sink.flush()
    sink.flush()


def run(settings: LakeSettings, log: Log = stderr_log, stop: threading.Event | None = None) -> int:
    """Run the sink until SIGTERM/SIGINT (or ``stop``): finish the batch, commit, exit 0.

    Args:
        settings: lake settings.
        log: logger.
        stop: an event to stop on (tests); signals set it too when run in the main thread.

    Returns:
        The exit code.
    """
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stop.set())
    metrics = SinkMetrics()
    if settings.metrics_port:
        start_http_server(settings.metrics_port, settings.metrics_host, registry=metrics.registry)
    producer = confluent_kafka.Producer(
        {"bootstrap.servers": settings.bootstrap, "acks": "all", "enable.idempotence": True}
    )
    consumer = confluent_kafka.Consumer(kafka_config(settings))
    sink = build_sink(settings, producer, consumer, metrics, log)
    consumer.subscribe(
        [settings.topics[spec.topic_key] for spec in TABLES],
        on_revoke=lambda _consumer, _partitions: sink.flush(),
    )
    topics = ", ".join(settings.topics[spec.topic_key] for spec in TABLES)
    log(f"consuming {topics} from {settings.bootstrap} into {settings.warehouse}")
    try:
        poll_loop(sink, consumer, settings, stop)
    finally:
        consumer.close()
    log("stopped: last batch committed")
    return 0
