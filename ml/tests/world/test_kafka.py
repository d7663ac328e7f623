"""The world against a real broker: what it produces equals its dry run, keys included.

Needs a Kafka broker: set FRAUDOPS_TEST_KAFKA_BOOTSTRAP=host:port (the stack's end-to-end test
does); skipped otherwise.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from fraudops_ml import cli

from .conftest import write_config

BOOTSTRAP = os.environ.get("FRAUDOPS_TEST_KAFKA_BOOTSTRAP", "")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not BOOTSTRAP, reason="no broker: set FRAUDOPS_TEST_KAFKA_BOOTSTRAP"),
]


def consume_all(topic: str, expected: int) -> list[tuple[str, dict[str, object]]]:
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": BOOTSTRAP,
            "group.id": f"world-test-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    got: list[tuple[str, dict[str, object]]] = []
    empty_polls = 0
    while len(got) < expected and empty_polls < 30:
        message = consumer.poll(1.0)
        if message is None or message.error():
            empty_polls += 1
            continue
        got.append((message.key().decode(), json.loads(message.value())))
    consumer.close()
    return got


def create_topics(names: list[str]) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    # The stack's broker creates no topic on first use (auto.create.topics.enable=false).
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    futures = admin.create_topics([NewTopic(name, 1, 1) for name in names])
    for future in futures.values():
        future.result(timeout=30)


def test_two_days_to_kafka_equal_the_dry_run(tmp_path: Path) -> None:
    config_path = write_config(tmp_path)
    config = json.loads(config_path.read_text(encoding="utf-8"))
    suffix = uuid.uuid4().hex[:8]
    topics = {"transactions": f"world-test-tx-{suffix}", "labels": f"world-test-labels-{suffix}"}
    config["stack"]["kafka"]["topics"].update(topics)
    config_path.write_text(json.dumps(config), encoding="utf-8")
    create_topics(list(topics.values()))
    base = ["world", "--config", str(config_path), "--metrics-port", "0", "--speed", "0"]
    base += ["--days", "2", "--bootstrap", BOOTSTRAP]
    dry = tmp_path / "dry.jsonl"
    assert cli.main([*base, "--dry-run", "--out", str(dry)]) == 0
    assert cli.main([*base, "--state-file", str(tmp_path / "state.json")]) == 0
    lines = [json.loads(line) for line in dry.read_text(encoding="utf-8").splitlines()]
    for kind, topic in topics.items():
        expected = [(line["key"], line["value"]) for line in lines if line["topic"] == kind]
        assert consume_all(topic, len(expected)) == expected
