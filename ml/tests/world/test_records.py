"""Every record satisfies its contract before it is produced; a bad one stops the world."""

from __future__ import annotations

import threading
from dataclasses import replace

import pandas as pd
import pytest

from fraudops_ml import contracts
from fraudops_ml.world import pacing, records
from fraudops_ml.world.days import WorldBasis
from fraudops_ml.world.engine import WorldEngine, day_start
from fraudops_ml.world.run import Progress, Runner, WorldMetrics, day_events
from fraudops_ml.world.scenarios import Scenario


@pytest.fixture(scope="module")
def events(basis: WorldBasis, history: pd.DataFrame) -> list[records.Event]:
    """Events of the first three world days (a 2-day delay, so that labels come too)."""
    engine = WorldEngine(basis, Scenario("card-testing", basis.first_day), history, 2)
    batches = [engine.step() for _ in range(3)]
    return [e for b in batches for e in day_events(b, basis.start)]


def test_every_record_satisfies_its_contract(events: list[records.Event]) -> None:
    validator = records.RecordValidator()
    kinds = {e.kind for e in events}
    assert kinds == {records.TRANSACTIONS, records.LABELS}
    for event in events:
        validator.check(event)


def test_transactions_carry_no_labels_and_keys_follow_the_design(
    events: list[records.Event],
) -> None:
    for event in events:
        if event.kind == records.TRANSACTIONS:
            assert "tx_fraud" not in event.value
            assert "tx_fraud_scenario" not in event.value
            assert event.key == str(event.value["customer_id"])
        else:
            assert event.key == str(event.value["transaction_id"])
            assert event.value["known_at"] > event.value["tx_datetime"]


def test_the_label_schema_examples_are_labels() -> None:
    schema = contracts.load_schema("label.schema.json")
    for example in schema["examples"]:
        contracts.validate(example, "label.schema.json")
    with pytest.raises(Exception, match="is not one of"):
        contracts.validate({**schema["examples"][0], "source": "guess"}, "label.schema.json")


class ListSink:
    def __init__(self) -> None:
        self.produced: list[records.Event] = []

    def produce(self, event: records.Event) -> None:
        self.produced.append(event)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


def test_an_invalid_record_stops_the_world_before_it_is_produced(
    basis: WorldBasis, history: pd.DataFrame, events: list[records.Event]
) -> None:
    engine = WorldEngine(basis, Scenario("steady", 0), history, 7)
    batch = engine.step(with_features=False)
    bad = replace(events[1], value={**events[1].value, "tx_amount": -1.0})
    sink = ListSink()
    runner = Runner(
        engine=engine,
        sink=sink,
        validator=records.RecordValidator(),
        metrics=WorldMetrics("steady", "2018-10-01", 0),
        progress=Progress(through=day_start(batch.day)),
        clock=pacing.Clock(0, 0, 0),
        stop=threading.Event(),
        save=lambda progress: None,
        out=lambda line: None,
    )
    with pytest.raises(records.InvalidRecordError, match="tx_amount"):
        runner.publish_day(batch, [events[0], bad, events[2]])
    assert sink.produced == [events[0]]
