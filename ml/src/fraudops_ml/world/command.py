"""The ``world`` subcommand of ``python -m fraudops_ml``: arguments and handler."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fraudops_ml import data
from fraudops_ml.arguments import non_negative_float, non_negative_int, port, positive_int
from fraudops_ml.progress import stderr_log
from fraudops_ml.world import settings as world_settings
from fraudops_ml.world.run import RunOptions, run_world
from fraudops_ml.world.scenarios import SCENARIOS


def add_parser(commands: Any) -> None:
    """Add ``world`` to the command line.

    Args:
        commands: the subparsers action of the main parser.
    """
    wo = commands.add_parser(
        "world",
        help="run the world: new days of transactions and late labels, in simulated time",
        description="Continue the historic dataset (retraining.preset) day after day in simulated "
        "time: publish each day's transactions (Transaction, 15 inputs, no labels; key "
        "customer_id) to the transactions topic in event-time order, and each label (Label; key "
        "transaction_id) to the labels topic when it becomes known (feedback delay, or earlier "
        "card-holder reports). Settings come from the config's `world` section; flags override "
        "them. One progress line per simulated day on stdout; Prometheus metrics on the "
        "world's port; resumes from its state file. Stops cleanly (flushed) on SIGTERM/SIGINT. "
        f"Scenarios: {', '.join(SCENARIOS)} (ml/README.md, World).",
    )
    wo.add_argument(
        "--config",
        type=Path,
        default=None,
        help="fraudops config file (default: $FRAUDOPS_CONFIG, else ./fraudops.config.json)",
    )
    wo.add_argument("--scenario", choices=SCENARIOS, help="scenario of change (default: config)")
    wo.add_argument(
        "--scenario-start-day",
        type=non_negative_int,
        help="scenario's first day, counted from the world's first day (default: config)",
    )
    wo.add_argument(
        "--speed",
        type=non_negative_float,
        help="simulated seconds per wall second; 0 = as fast as possible (default: config)",
    )
    wo.add_argument("--fast", action="store_true", help="use the config's fastSpeed")
    wo.add_argument("--days", type=positive_int, help="stop after N simulated days")
    wo.add_argument("--bootstrap", help="Kafka bootstrap host:port (default: stack.kafka)")
    wo.add_argument("--metrics-port", type=port, help="/metrics port, 0 for none (default: config)")
    wo.add_argument(
        "--preset",
        choices=sorted(data.PRESETS),
        help="historic dataset (default: retraining.preset)",
    )
    wo.add_argument("--state-file", type=Path, help="state file (default: config's stateFile)")
    wo.add_argument(
        "--dry-run",
        action="store_true",
        help="publish nothing: write the records as JSON Lines to --out (no state file "
        "unless --state-file)",
    )
    wo.add_argument("--out", type=Path, help="with --dry-run: output .jsonl (e.g. /dev/null)")


def run(args: argparse.Namespace) -> int:
    """Args: args: parsed arguments. Returns: exit code."""
    if args.dry_run != (args.out is not None):
        raise world_settings.WorldSettingsError("--dry-run and --out go together")
    file = args.config or world_settings.default_config_file()
    loaded = world_settings.load_world_settings(file)
    speed = loaded.fast_speed if args.fast and args.speed is None else args.speed
    chosen = world_settings.with_overrides(
        loaded,
        scenario=args.scenario,
        scenario_start_day=args.scenario_start_day,
        speed=speed,
        bootstrap=args.bootstrap,
        metrics_port=args.metrics_port,
        preset=args.preset,
        state_file=args.state_file,
    )
    options = RunOptions(
        days=args.days,
        dry_run_out=args.out,
        serve_metrics=chosen.metrics_port != 0,
        state_file=None if args.dry_run and args.state_file is None else chosen.state_file,
    )
    return run_world(chosen, options, lambda line: print(line, flush=True), stderr_log)


def report_error(exc: Exception) -> int:
    """Args: exc: the failure. Returns: exit code 2 after one line on stderr."""
    print(f"fraudops_ml world: error: {exc}", file=sys.stderr)
    return 2
