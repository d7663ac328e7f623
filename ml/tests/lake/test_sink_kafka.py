"""The sink against a real broker: every record once, offsets committed, dead letters kept.

Skipped unless ``FRAUDOPS_TEST_KAFKA_BOOTSTRAP`` names a broker (the stack's e2e provides one).
Each test uses topics and a consumer group of its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from fraudops_ml.lake import check, service, tables
from fraudops_ml.lake.settings import LakeSettings, load_lake_settings

from .conftest import label, lake_config, scored, write_config

BOOTSTRAP = os.environ.get("FRAUDOPS_TEST_KAFKA_BOOTSTRAP", "")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not BOOTSTRAP, reason="no broker: set FRAUDOPS_TEST_KAFKA_BOOTSTRAP"),
]
T0 = dt.datetime(2018, 10, 1)
N = 600


@pytest.fixture
def kafka_settings(tmp_path: Path) -> Iterator[LakeSettings]:
    suffix = uuid.uuid4().hex[:8]
    names = {k: f"lake-test-{k}-{suffix}" for k in ("scores", "labels", "dlq")}
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    futures = admin.create_topics([NewTopic(n, num_partitions=2) for n in names.values()])
    for future in futures.values():
        future.result(timeout=30)
    config = lake_config(tmp_path)
    config["stack"]["kafka"]["topics"].update(
        scores=names["scores"], labels=names["labels"], lakeDeadLetter=names["dlq"]
    )
    config["lake"]["sink"].update(
        groupId=f"lake-test-{suffix}",
        batchMaxRows=250,
        batchMaxSeconds=0.5,
    )
    settings = load_lake_settings(write_config(tmp_path, config), env={})
    yield dataclasses.replace(settings, bootstrap=BOOTSTRAP)
    for future in admin.delete_topics(list(names.values())).values():
        future.result(timeout=30)


def produce(settings: LakeSettings, records: list[tuple[str, bytes, bytes]]) -> None:
    producer = Producer({"bootstrap.servers": settings.bootstrap, "acks": "all"})
    for topic, key, value in records:
        producer.produce(topic, value=value, key=key)
    assert producer.flush(30) == 0


def run_until(settings: LakeSettings, done: Callable[[], bool], timeout: float = 60) -> None:
    stop = threading.Event()
    failures: list[BaseException] = []

    def target() -> None:
        try:
            service.run(settings, log=lambda _: None, stop=stop)
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.5)
    stop.set()
    thread.join(60)
    assert not failures, failures
    assert done(), "the sink did not land everything in time"


def caught_up(settings: LakeSettings, topic: str) -> bool:
    """Whether the settings' group has committed every partition's end offset of ``topic``."""
    consumer = Consumer({"bootstrap.servers": settings.bootstrap, "group.id": settings.group_id})
    try:
        parts = [TopicPartition(topic, p) for p in (0, 1)]
        committed = [c.offset for c in consumer.committed(parts, timeout=10)]
        ends = [consumer.get_watermark_offsets(p, timeout=10)[1] for p in parts]
    finally:
        consumer.close()
    return committed == ends


def summary(settings: LakeSettings) -> dict[str, dict[str, int]]:
    return check.lake_summary(tables.open_catalog(settings), settings)


def test_every_record_lands_once_and_the_offsets_are_committed(
    kafka_settings: LakeSettings,
) -> None:
    s = kafka_settings
    scores = [scored(i, T0 + dt.timedelta(seconds=60 * i)) for i in range(N)]
    labels = [
        label(i, T0 + dt.timedelta(seconds=60 * i), T0 + dt.timedelta(days=7))
        for i in range(N // 2)
    ]
    records = [
        (s.topics["scores"], str(r["transaction_id"]).encode(), orjson.dumps(r)) for r in scores
    ]
    records += [
        (s.topics["labels"], str(r["transaction_id"]).encode(), orjson.dumps(r)) for r in labels
    ]
    records += [
        (s.topics["scores"], b"x", orjson.dumps(scores[5])),
        (s.topics["scores"], b"y", b"{bad"),
    ]
    produce(s, records)

    def landed() -> bool:
        found = summary(s)
        return found["scored_transactions"]["rows"] >= N and found["labels"]["rows"] >= N // 2

    run_until(s, landed)
    found = summary(s)
    assert (found["scored_transactions"]["rows"], found["scored_transactions"]["distinct_ids"]) == (
        N,
        N,
    )
    assert found["labels"]["rows"] == N // 2

    assert caught_up(s, s.topics["scores"])
    assert caught_up(s, s.topics["labels"])
    dead = Consumer(
        {
            "bootstrap.servers": s.bootstrap,
            "group.id": f"{s.group_id}-dlq",
            "auto.offset.reset": "earliest",
        }
    )
    dead.subscribe([s.dead_letter_topic])
    letters = []
    deadline = time.monotonic() + 20
    while len(letters) < 1 and time.monotonic() < deadline:
        message = dead.poll(0.5)
        if message is not None and message.error() is None:
            letters.append(message)
    dead.close()
    assert [m.value() for m in letters] == [b"{bad"]
    assert dict(letters[0].headers())["x-dead-letter-code"] == b"invalid_json"


def test_a_replay_from_offset_zero_writes_nothing_twice(kafka_settings: LakeSettings) -> None:
    s = kafka_settings
    scores = [scored(i, T0 + dt.timedelta(seconds=60 * i)) for i in range(N)]
    produce(
        s,
        [(s.topics["scores"], str(r["transaction_id"]).encode(), orjson.dumps(r)) for r in scores],
    )
    run_until(s, lambda: summary(s)["scored_transactions"]["rows"] >= N)
    again = dataclasses.replace(s, group_id=f"{s.group_id}-replay")  # reads everything again
    run_until(again, lambda: caught_up(again, s.topics["scores"]))
    found = summary(s)["scored_transactions"]
    assert (found["rows"], found["distinct_ids"], found["duplicate_ids"]) == (N, N, 0)


def metric(port: int, name: str) -> float | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            text = response.read().decode()
    except OSError:
        return None
    values = [line.split()[-1] for line in text.splitlines() if line.startswith(name + " ")]
    return float(values[0]) if values else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sigterm_commits_the_batch_in_progress_and_exits_0(kafka_settings: LakeSettings) -> None:
    s = kafka_settings
    scores = [scored(i, T0 + dt.timedelta(seconds=i)) for i in range(10)]
    produce(
        s,
        [(s.topics["scores"], str(r["transaction_id"]).encode(), orjson.dumps(r)) for r in scores],
    )
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "fraudops_ml",
        "lake-sink",
        "--config",
        str(s.config_file),
        "--bootstrap",
        s.bootstrap,
        "--metrics-port",
        str(port),
        "--batch-max-rows",
        "1000",
        "--batch-max-seconds",
        "600",  # only SIGTERM flushes
    ]
    sink_process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while metric(port, "fraudops_lake_batch_records") != 10 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert metric(port, "fraudops_lake_batch_records") == 10
        assert summary(s)["scored_transactions"]["rows"] == 0  # still in the batch
        sink_process.send_signal(signal.SIGTERM)
        assert sink_process.wait(60) == 0
    finally:
        if sink_process.poll() is None:
            sink_process.kill()
    assert summary(s)["scored_transactions"]["rows"] == 10
    assert caught_up(s, s.topics["scores"])
