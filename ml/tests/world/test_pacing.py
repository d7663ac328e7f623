"""The simulated clock: the speed's rate, never ahead, bounded catch-up."""

from __future__ import annotations

import math
import threading

import pandas as pd

from fraudops_ml.world import pacing, records
from fraudops_ml.world.days import WorldBasis
from fraudops_ml.world.engine import WorldEngine, day_start
from fraudops_ml.world.run import Progress, Runner, WorldMetrics, day_events
from fraudops_ml.world.scenarios import Scenario


def test_the_clock_runs_at_its_speed() -> None:
    clock = pacing.Clock(speed=600, sim_origin=1000, wall_origin=50)
    assert clock.now(50) == 1000
    assert clock.now(52) == 2200
    assert math.isinf(pacing.Clock(0, 0, 0).now(1))


def test_only_events_at_or_before_the_clock_are_due() -> None:
    times = [10, 20, 20, 30]
    assert pacing.due_end(times, 0, 19.9, 100) == 1
    assert pacing.due_end(times, 0, 20, 100) == 3
    assert pacing.due_end(times, 1, 20, 1) == 2  # batch bound
    assert pacing.due_end(times, 0, math.inf, 100) == 4


def test_published_through_never_claims_an_unpublished_second() -> None:
    times = [10, 20, 20, 30]
    assert pacing.through_after(times, 2, 99) == 19  # one event at 20 is still to go
    assert pacing.through_after(times, 4, 99) == 99


def test_falling_behind_slips_the_clock_instead_of_bursting() -> None:
    clock = pacing.Clock(speed=100, sim_origin=0, wall_origin=0)
    assert pacing.bounded(clock, published_through=0, wall=1) is clock  # 1 s behind: fine
    slipped = pacing.bounded(clock, published_through=0, wall=10)
    assert slipped.now(10) == 100 * pacing.MAX_LAG_WALL_SECONDS


class FakeSink:
    """Records what is produced, with the simulated clock at that moment."""

    def __init__(self, runner_box: list[Runner]) -> None:
        self.produced: list[tuple[records.Event, float]] = []
        self.runner_box = runner_box

    def produce(self, event: records.Event) -> None:
        runner = self.runner_box[0]
        self.produced.append((event, runner.clock.now(runner.wall())))

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


def test_a_day_is_published_in_time_order_never_ahead_of_the_clock(
    basis: WorldBasis, history: pd.DataFrame
) -> None:
    engine = WorldEngine(basis, Scenario("steady", 0), history, 7)
    batch = engine.step()
    events = day_events(batch, basis.start)
    wall = [0.0]
    box: list[Runner] = []
    sink = FakeSink(box)
    start = day_start(batch.day)
    speed = 86_400 / 40  # the day in 40 fake wall seconds
    runner = Runner(
        engine=engine,
        sink=sink,
        validator=records.RecordValidator(),
        metrics=WorldMetrics("steady", "2018-10-01", speed),
        progress=Progress(through=start),
        clock=pacing.Clock(speed, float(start), 0.0),
        stop=threading.Event(),
        save=lambda progress: None,
        out=lambda line: None,
        wall=lambda: wall[0],
        sleep=lambda seconds: wall.__setitem__(0, wall[0] + max(seconds, 0.01)),
    )
    box.append(runner)
    assert runner.publish_day(batch, events)
    produced = [e for e, _ in sink.produced]
    assert produced == events
    assert all(event.at <= now for event, now in sink.produced)
    assert 39 <= wall[0] <= 41  # the rate the speed implies
    assert runner.progress.through == day_start(batch.day + 1)
    registry = runner.metrics.registry
    published = registry.get_sample_value(
        "world_events_published_total", {"kind": records.TRANSACTIONS}
    )
    assert published == len(batch.transactions)
    assert registry.get_sample_value("world_simulated_time_seconds") is not None
