"""The world's simulated days per wall minute at full speed, against the historic simulator.

Run from the repository root: ``ml/.venv/bin/python bench/world/bench_world.py [--preset small]
[--days 14]``. It runs, in one process, on one machine:

1. the baseline: the historic ``simulate()`` generating the same number of days for the same
   customers and terminals (its labels included, no features, nothing written);
2. the world at full speed (``--speed 0``), the path ``python -m fraudops_ml world --dry-run
   --out /dev/null`` takes: days, rolling features, labels, every record validated against
   its contract and serialised to the null sink; days per minute from the progress lines,
   over the days after the first feedback delay (when labels flow as well);
3. the same days again, timed by stage (generation, features, records, validation, JSON).

Prints a Markdown table and one JSON line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson
from fraudops_ml import contracts, data
from fraudops_ml.simulate import SimulationConfig, simulate, simulate_with_schedule
from fraudops_ml.world import records
from fraudops_ml.world.days import CardholderReports, build_basis
from fraudops_ml.world.engine import WorldEngine
from fraudops_ml.world.run import RunOptions, run_world
from fraudops_ml.world.scenarios import Scenario
from fraudops_ml.world.settings import WorldSettings

DELAY_DAYS = 7


def baseline_seconds(config: SimulationConfig, days: int) -> float:
    """Wall seconds of the historic simulator for ``days`` days of the same world."""
    began = time.perf_counter()
    simulate(dataclasses.replace(config, n_days=days))
    return time.perf_counter() - began


def world_day_seconds(preset: str, days: int, data_dir: Path) -> list[float]:
    """Wall seconds of each day of a full-speed dry run (from its progress lines)."""
    settings = WorldSettings(
        config_file=Path("bench"),
        preset=preset,
        data_dir=data_dir,
        speed=0,
        fast_speed=0,
        scenario="steady",
        scenario_start_day=0,
        feedback_delay_days=DELAY_DAYS,
        reports=CardholderReports(),
        metrics_host="127.0.0.1",
        metrics_port=0,
        state_file=data_dir / "state.json",
        bootstrap="127.0.0.1:1",
        topics={"transactions": "transactions", "labels": "labels"},
    )
    stamps: list[float] = []
    options = RunOptions(days, Path("/dev/null"), serve_metrics=False, state_file=None)
    began = time.perf_counter()
    run_world(settings, options, lambda line: stamps.append(time.perf_counter()), lambda _: None)
    return [b - a for a, b in zip([began, *stamps], stamps, strict=False)]


def stage_seconds(config: SimulationConfig, days: int) -> dict[str, float]:
    """Mean seconds per day of each stage, over the days after the first delay."""
    history, schedule = simulate_with_schedule(config)
    basis = build_basis(history, schedule, config, CardholderReports())
    engine = WorldEngine(basis, Scenario("steady", 0), history.transactions, DELAY_DAYS)
    validator = records.RecordValidator()
    features = contracts.model_features()
    stages = ("generation + labels", "features", "records", "validation", "json")
    totals = dict.fromkeys(stages, 0.0)
    for _ in range(DELAY_DAYS + 1):
        engine.step(with_features=False)
    for _ in range(days):
        t0 = time.perf_counter()
        engine.step(with_features=False)
        t1 = time.perf_counter()
        totals["generation + labels"] += t1 - t0
    engine = WorldEngine(basis, Scenario("steady", 0), history.transactions, DELAY_DAYS)
    for _ in range(DELAY_DAYS + 1):
        engine.step(with_features=False)
    for _ in range(days):
        t1 = time.perf_counter()
        batch = engine.step()
        t2 = time.perf_counter()
        events = records.merge_events(
            records.transaction_events(batch.transactions, features),
            records.label_events(batch.labels, basis.start),
        )
        t3 = time.perf_counter()
        for event in events:
            validator.check(event)
        t4 = time.perf_counter()
        for event in events:
            orjson.dumps(event.value)
        t5 = time.perf_counter()
        totals["features"] += t2 - t1
        totals["records"] += t3 - t2
        totals["validation"] += t4 - t3
        totals["json"] += t5 - t4
    totals["features"] -= totals["generation + labels"]  # step() with features includes both
    return {k: v / days for k, v in totals.items()}


def main() -> int:
    """Run the benchmark; print the table and a JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(data.PRESETS), default="small")
    parser.add_argument("--days", type=int, default=14, help="world days (> 8)")
    args = parser.parse_args()
    if args.days <= DELAY_DAYS + 1:
        parser.error("--days must exceed the feedback delay + 1")
    config = data.PRESETS[args.preset]
    with tempfile.TemporaryDirectory() as tmp:
        base = baseline_seconds(config, args.days)
        per_day = world_day_seconds(args.preset, args.days, Path(tmp))
    steady = per_day[DELAY_DAYS + 1 :]  # labels flow from the 8th day on
    world = statistics.mean(steady)
    stages = stage_seconds(config, len(steady))
    result = {
        "preset": args.preset,
        "days": args.days,
        "baseline_days_per_minute": round(60 * args.days / base, 1),
        "world_days_per_minute": round(60 / world, 1),
        "world_seconds_per_day": round(world, 3),
        "first_day_seconds_including_start": round(per_day[0], 2),
        "ratio_world_to_baseline": round((60 / world) / (60 * args.days / base), 3),
        "stage_seconds_per_day": {k: round(v, 3) for k, v in stages.items()},
    }
    print(f"| run ({args.preset}, {args.days} days) | simulated days per wall minute |")
    print("| --- | ---: |")
    print(f"| historic simulate(), baseline | {result['baseline_days_per_minute']} |")
    print(f"| world, full speed, dry run to /dev/null | {result['world_days_per_minute']} |")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
