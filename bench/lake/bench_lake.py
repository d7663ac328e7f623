"""The lake sink's sustained rows/s against a plain consume of the same topic (the ceiling).

Run with the ML environment from the repository root:

    ml/.venv/bin/python bench/lake/bench_lake.py --bootstrap 127.0.0.1:19092 [--rows 100000]
    ml/.venv/bin/python bench/lake/bench_lake.py              # no broker: the table-write path only

With a broker it creates a one-partition topic of ScoredTransaction records (ids in event-time
order, 10,000 a simulated day, as the world writes them), then, in one run and alternating for
``--rounds``: the ceiling (a confluent-kafka consumer with the sink's settings that polls every
record and touches its value) and the sink (``lake.service`` wiring: contract check, de-duplication
against the table, Iceberg append, offset commit) writing into a fresh lake. Both are timed from
their first record to their last (the group join is not counted). Without a broker it times the
sink's table path (parse + validate + dedupe + append) against parse + validate alone.
The topic is deleted at the end. Prints a JSON report.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "ml" / "tests"))  # the lake tests' record builders and config

from fraudops_ml.contract_check import ContractCheck  # noqa: E402
from fraudops_ml.lake import records, schema, service, tables  # noqa: E402
from fraudops_ml.lake.metrics import SinkMetrics  # noqa: E402
from fraudops_ml.lake.settings import LakeSettings, load_lake_settings  # noqa: E402
from lake.conftest import lake_config, scored, write_config  # noqa: E402

T0 = dt.datetime(2018, 10, 1)
PER_DAY = 10_000


def scored_records(count: int) -> list[tuple[bytes, bytes]]:
    """Args: count: records. Returns: (key, ScoredTransaction value), PER_DAY a simulated day."""
    step = 86_400 / PER_DAY
    ids = range(1_800_000, 1_800_000 + count)
    return [
        (
            str(i).encode(),
            orjson.dumps(scored(i, T0 + dt.timedelta(seconds=int((i - ids[0]) * step)))),
        )
        for i in ids
    ]


def fresh_settings(work: Path, topic: str, bootstrap: str, batch_rows: int) -> LakeSettings:
    """Args: work: a fresh directory; topic, bootstrap: Kafka; batch_rows: flush size."""
    config = lake_config(work)
    config["stack"]["kafka"]["topics"]["scores"] = topic
    config["lake"]["sink"].update(
        groupId=f"bench-lake-{uuid.uuid4().hex[:8]}", batchMaxRows=batch_rows
    )
    return dataclasses.replace(
        load_lake_settings(write_config(work, config), env={}), bootstrap=bootstrap
    )


def ceiling(settings: LakeSettings, topic: str, count: int) -> float:
    """A plain consume: the sink's consumer settings, poll, touch each value. Returns: rows/s."""
    consumer = Consumer(service.kafka_config(settings))
    consumer.subscribe([topic])
    seen, first, size = 0, 0.0, 0
    while seen < count:
        message = consumer.poll(0.2)
        if message is None or message.error() is not None:
            continue
        if seen == 0:
            first = time.perf_counter()
        size += len(message.value())
        seen += 1
    elapsed = time.perf_counter() - first
    consumer.close()
    return count / elapsed


class Stamped:
    """A consumer whose first record's time is kept (the sink's clock starts there)."""

    def __init__(self, consumer: Any) -> None:
        self.consumer = consumer
        self.first: float | None = None

    def poll(self, timeout: float) -> Any:
        """Args: timeout: seconds. Returns: the consumer's message, its time kept if first."""
        message = self.consumer.poll(timeout)
        if self.first is None and message is not None and message.error() is None:
            self.first = time.perf_counter()
        return message


def sink(settings: LakeSettings, count: int) -> dict[str, float]:
    """The sink, in-process as ``lake-sink`` wires it. Returns: rows/s and its time split."""
    producer = Producer(
        {"bootstrap.servers": settings.bootstrap, "acks": "all", "enable.idempotence": True}
    )
    consumer = Consumer(service.kafka_config(settings))
    metrics = SinkMetrics()
    lake = service.build_sink(settings, producer, consumer, metrics, lambda _: None)
    consumer.subscribe([settings.topics["scores"]])
    stamped, stop = Stamped(consumer), threading.Event()
    thread = threading.Thread(target=service.poll_loop, args=(lake, stamped, settings, stop))
    thread.start()
    rows = 0.0
    while rows < count:
        time.sleep(0.05)
        rows = (
            metrics.registry.get_sample_value(
                "fraudops_lake_rows_written_total", {"table": "scored_transactions"}
            )
            or 0.0
        )
    done = time.perf_counter()
    stop.set()
    thread.join()
    consumer.close()
    assert stamped.first is not None
    sample = metrics.registry.get_sample_value
    labels = {"table": "scored_transactions"}
    return {
        "rows_per_s": count / (done - stamped.first),
        "batches": sample("fraudops_lake_batches_total") or 0.0,
        "dedupe_s": sample("fraudops_lake_dedupe_seconds_sum", labels) or 0.0,
        "append_s": sample("fraudops_lake_commit_seconds_sum", labels) or 0.0,
        "wall_s": done - stamped.first,
    }


def with_broker(args: argparse.Namespace) -> dict[str, Any]:
    """Args: args: the command line. Returns: the report."""
    topic = f"bench-lake-scores-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1)])[topic].result(timeout=30)
    try:
        producer = Producer({"bootstrap.servers": args.bootstrap, "linger.ms": 20})
        for key, value in scored_records(args.rows):
            while True:
                try:
                    producer.produce(topic, value=value, key=key)
                    break
                except BufferError:
                    producer.poll(0.1)
        assert producer.flush(60) == 0
        rounds = []
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory() as work:
                settings = fresh_settings(Path(work), topic, args.bootstrap, args.batch_rows)
                top = ceiling(settings, topic, args.rows)
                settings = dataclasses.replace(settings, group_id=settings.group_id + "-sink")
                landed = sink(settings, args.rows)
            rounds.append(
                {"ceiling_rows_per_s": top, **landed, "ratio": landed["rows_per_s"] / top}
            )
    finally:
        admin.delete_topics([topic])[topic].result(timeout=30)
    return {
        "mode": "kafka",
        "rows": args.rows,
        "batch_rows": args.batch_rows,
        "rounds": rounds,
        "median_ratio": statistics.median(r["ratio"] for r in rounds),
    }


def table_path(args: argparse.Namespace) -> dict[str, Any]:
    """No broker: parse + validate + dedupe + append against parse + validate. Returns: report."""
    values = scored_records(args.rows)
    spec = schema.SCORED_TRANSACTIONS
    validator = ContractCheck(spec.contract)
    messages = [records.Message("scores", 0, i, k, v) for i, (k, v) in enumerate(values)]
    started = time.perf_counter()
    parsed = [records.parse(m, validator) for m in messages]
    parse_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as work:
        settings = fresh_settings(Path(work), "scores", "127.0.0.1:9", args.batch_rows)
        table = tables.ensure_table(tables.open_catalog(settings), settings, spec)
        times = records.converters(table.schema())
        now = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        for i in range(0, len(messages), args.batch_rows):
            chunk = messages[i : i + args.batch_rows]
            rows = []
            for message in chunk:
                record = records.parse(message, validator)
                assert isinstance(record, dict)
                rows.append(records.to_row(record, spec, message, now, times))
            tables.append_new(table, rows)
        full_s = time.perf_counter() - started
    assert all(isinstance(p, dict) for p in parsed)
    return {
        "mode": "table path (no broker)",
        "rows": args.rows,
        "parse_rows_per_s": args.rows / parse_s,
        "table_rows_per_s": args.rows / full_s,
        "ratio": parse_s / full_s,
    }


def main() -> int:
    """Run the benchmark; print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", help="a Kafka broker (loopback); without: table path only")
    parser.add_argument("--rows", type=int, default=100_000, help="records (default 100000)")
    parser.add_argument("--rounds", type=int, default=2, help="ceiling/sink rounds (default 2)")
    parser.add_argument("--batch-rows", type=int, default=5000, help="sink batch (default 5000)")
    args = parser.parse_args()
    report = with_broker(args) if args.bootstrap else table_path(args)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
