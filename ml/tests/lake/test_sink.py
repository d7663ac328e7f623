"""The sink's flush with real Iceberg tables and recording stand-ins for the Kafka clients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson
import pytest

from fraudops_ml.contract_check import ContractCheck
from fraudops_ml.lake import schema, sink, tables
from fraudops_ml.lake.metrics import SinkMetrics
from fraudops_ml.lake.records import Message
from fraudops_ml.lake.settings import LakeSettings

from .conftest import label, scored

T0 = dt.datetime(2018, 10, 1, 8, 0, 0)


class Recorder:
    """Producer and committer: records what the sink did, in order, in one journal."""

    def __init__(self, journal: list[tuple[str, Any]], unacknowledged: int = 0) -> None:
        self.journal = journal
        self.unacknowledged = unacknowledged

    def produce(self, topic: str, value: Any = None, key: Any = None, headers: Any = None) -> None:
        self.journal.append(("produce", (topic, value, key, dict(headers or []))))

    def flush(self, timeout: float = 0) -> int:
        self.journal.append(("flush", timeout))
        return self.unacknowledged

    def __call__(self, offsets: Mapping[tuple[str, int], int]) -> None:
        self.journal.append(("commit", dict(offsets)))


def make_sink(
    settings: LakeSettings, journal: list[tuple[str, Any]], unacknowledged: int = 0
) -> tuple[sink.LakeSink, list[tuple[dt.datetime, dt.datetime]]]:
    catalog = tables.open_catalog(settings)
    signals: list[tuple[dt.datetime, dt.datetime]] = []
    recorder = Recorder(journal, unacknowledged)

    def signal(as_of: dt.datetime, watermark: dt.datetime) -> str:
        signals.append((as_of, watermark))
        return "logged"

    lake = sink.LakeSink(
        tables={s.key: tables.ensure_table(catalog, settings, s) for s in schema.TABLES},
        specs={"scores": schema.SCORED_TRANSACTIONS, "labels": schema.LABELS},
        validators={s.key: ContractCheck(s.contract) for s in schema.TABLES},
        producer=recorder,
        commit=recorder,
        dead_letter_topic="lake.dead-letter",
        metrics=SinkMetrics(),
        signal=signal,
        week_ends_before=0,
        retention=(120, 24.0),
        log=lambda line: journal.append(("log", line)),
    )
    return lake, signals


def message(topic: str, offset: int, value: Any, partition: int = 0) -> Message:
    data = value if isinstance(value, bytes) else orjson.dumps(value)
    return Message(topic, partition, offset, b"k", data, 1_700_000_000_000, (("trace", b"t1"),))


def ids(lake: sink.LakeSink, key: str) -> list[int]:
    table = lake.tables[key]
    table.refresh()
    return sorted(table.scan(selected_fields=("transaction_id",)).to_arrow().column(0).to_pylist())


def test_a_batch_lands_then_its_offsets_are_committed(settings: LakeSettings) -> None:
    journal: list[tuple[str, Any]] = []
    lake, _ = make_sink(settings, journal)
    for i in range(3):
        lake.add(message("scores", i, scored(i, T0)))
    lake.add(message("labels", 0, label(1, T0, T0 + dt.timedelta(days=7))))
    lake.flush()
    assert ids(lake, "scored_transactions") == [0, 1, 2]
    assert ids(lake, "labels") == [1]
    assert journal == [("commit", {("scores", 0): 3, ("labels", 0): 1})]


def test_retention_counts_days_on_the_worlds_clock_not_on_an_attacks_wall_clock(
    settings: LakeSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal: list[tuple[str, Any]] = []
    lake, _ = make_sink(settings, journal)
    monkeypatch.setattr(lake, "_last_retention", 0.0)  # retention is due
    attack = dt.datetime(2026, 12, 3, 15, 0)  # an attack's event: wall-clock time
    lake.add(message("scores", 0, scored(0, T0)))
    lake.add(message("scores", 1, scored(1, attack)))
    lake.add(message("labels", 0, label(0, T0, T0 + dt.timedelta(days=7))))
    lake.flush()
    # 120 days before the world's clock (T0 + 7 days) keeps T0; the attack's row is after it.
    assert ids(lake, "scored_transactions") == [0, 1]
    assert ids(lake, "labels") == [0]


def test_a_redelivered_batch_writes_nothing_twice(settings: LakeSettings) -> None:
    journal: list[tuple[str, Any]] = []
    lake, _ = make_sink(settings, journal)
    for _ in range(2):  # the same offsets again: the commit was lost, say
        for i in range(4):
            lake.add(message("scores", i, scored(i % 3, T0)))
        lake.flush()
    assert ids(lake, "scored_transactions") == [0, 1, 2]
    duplicates = lake.metrics.registry.get_sample_value(
        "fraudops_lake_duplicates_dropped_total", {"table": "scored_transactions"}
    )
    assert duplicates == 1 + 4


def test_when_the_iceberg_commit_fails_no_offset_is_committed(
    settings: LakeSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal: list[tuple[str, Any]] = []
    lake, _ = make_sink(settings, journal)
    lake.add(message("scores", 0, scored(0, T0)))

    def fail(*_: Any) -> None:
        raise OSError("warehouse unavailable")

    monkeypatch.setattr(tables, "append_new", fail)
    with pytest.raises(OSError, match="warehouse unavailable"):
        lake.flush()
    assert [entry for entry in journal if entry[0] == "commit"] == []


def test_bad_records_go_to_the_dead_letter_topic_before_the_commit(
    settings: LakeSettings,
) -> None:
    journal: list[tuple[str, Any]] = []
    lake, _ = make_sink(settings, journal)
    lake.add(message("scores", 0, b"{not json"))
    lake.add(message("scores", 1, {**scored(1, T0), "tx_fraud": 1}))  # labels never in scores
    lake.add(message("labels", 5, label(2, T0, T0, fraud=1) | {"source": "guess"}, partition=2))
    lake.add(message("scores", 2, scored(2, T0)))
    lake.flush()
    kinds = [kind for kind, _ in journal if kind != "log"]
    assert kinds == ["produce", "produce", "produce", "flush", "commit"]
    letters = [detail for kind, detail in journal if kind == "produce"]
    assert letters[0][:3] == ("lake.dead-letter", b"{not json", b"k")
    headers = [h for *_, h in letters]
    assert headers[0]["x-dead-letter-code"] == b"invalid_json"
    assert headers[1]["x-dead-letter-code"] == b"invalid_event"
    assert b"tx_fraud" in headers[1]["x-dead-letter-reason"]
    assert (headers[2]["x-original-topic"], headers[2]["x-original-partition"]) == (
        b"labels",
        b"2",
    )
    assert headers[2]["x-original-offset"] == b"5"
    assert headers[2]["trace"] == b"t1"
    assert journal[-1] == ("commit", {("scores", 0): 3, ("labels", 2): 6})
    assert ids(lake, "scored_transactions") == [2]


@pytest.mark.parametrize(
    "stamp", ["٢٠١٨-10-01 08:00:00", "2018-10-01 08:00:00\n"], ids=["arabic-indic", "newline"]
)
def test_a_time_only_pythons_re_accepts_is_a_dead_letter_not_a_crash(
    settings: LakeSettings, stamp: str
) -> None:
    # The contract's pattern is ECMA 262: with Python's re (jsonschema) this record passed the
    # check, then fromisoformat raised in flush, and every redelivery crashed the sink again.
    journal: list[tuple[str, Any]] = []
    lake, _ = make_sink(settings, journal)
    lake.add(message("labels", 0, label(1, T0, T0) | {"tx_datetime": stamp}))
    lake.add(message("labels", 1, label(2, T0, T0)))
    lake.flush()
    (letter,) = [detail for kind, detail in journal if kind == "produce"]
    assert letter[3]["x-dead-letter-reason"].startswith(b"contract: tx_datetime: ")
    assert journal[-1] == ("commit", {("labels", 0): 2})
    assert ids(lake, "labels") == [2]


def test_unacknowledged_dead_letters_stop_the_batch_before_anything_lands(
    settings: LakeSettings,
) -> None:
    journal: list[tuple[str, Any]] = []
    lake, _ = make_sink(settings, journal, unacknowledged=1)
    lake.add(message("scores", 0, b"[]"))
    lake.add(message("scores", 1, scored(1, T0)))
    with pytest.raises(RuntimeError, match="dead letters not acknowledged"):
        lake.flush()
    assert "commit" not in [kind for kind, _ in journal]
    assert ids(lake, "scored_transactions") == []


def test_a_week_is_signalled_once_when_every_partition_passed_its_end(
    settings: LakeSettings,
) -> None:
    journal: list[tuple[str, Any]] = []
    lake, signals = make_sink(settings, journal)
    monday = dt.datetime(2018, 10, 8)
    lake.add(message("labels", 0, label(1, T0, monday - dt.timedelta(hours=2)), partition=0))
    lake.add(message("labels", 0, label(2, T0, monday - dt.timedelta(hours=1)), partition=1))
    lake.flush()
    # Partition 0 passes Monday 00:00, partition 1 does not yet: the week is not closed.
    lake.add(message("labels", 1, label(3, T0, monday + dt.timedelta(hours=1)), partition=0))
    lake.flush()
    assert signals == []
    lake.add(message("labels", 1, label(4, T0, monday + dt.timedelta(minutes=5)), partition=1))
    lake.add(message("labels", 2, label(5, T0, monday + dt.timedelta(hours=3)), partition=1))
    lake.flush()
    assert signals == [(monday, monday + dt.timedelta(hours=1))]
    lake.add(message("labels", 3, label(6, T0, monday + dt.timedelta(days=1)), partition=1))
    lake.flush()
    assert len(signals) == 1


@pytest.mark.parametrize(
    ("count", "waited", "due"),
    [(0, 99.0, False), (4, 0.5, False), (5, 0.5, True), (1, 2.0, True)],
)
def test_a_batch_is_due_at_n_rows_or_t_seconds(count: int, waited: float, due: bool) -> None:
    batch = sink.Batch(count=count, started=100.0 if count else None)
    assert sink.batch_due(batch, 100.0 + waited, max_rows=5, max_seconds=2.0) is due
