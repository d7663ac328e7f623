"""Command line: ``python -m fraudops_ml COMMAND``.

Commands: simulate, train, replay, parity, world, lake-sink, lake-check, quality, quality-check,
retrain-trigger.

Exit codes: 0 success, 1 failed check (ONNX parity; lake-check: an id twice), 2 bad arguments or
missing inputs (one line on stderr).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from fraudops_ml import contracts, data, export, replay, train
from fraudops_ml.arguments import non_negative_int, positive_int
from fraudops_ml.evaluate import get_train_test_set
from fraudops_ml.features import add_features, feature_matrix
from fraudops_ml.lake import command as lake_command
from fraudops_ml.progress import stderr_log, timed
from fraudops_ml.quality import command as quality_command
from fraudops_ml.simulate import SimulationConfig, simulate
from fraudops_ml.world import command as world_command
from fraudops_ml.world.records import InvalidRecordError
from fraudops_ml.world.run import WorldError
from fraudops_ml.world.settings import WorldSettingsError


class CliError(Exception):
    """A bad argument or a missing input: reported in one line, exit code 2."""


class OneLineParser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        """Args: message: the problem. Exits with code 2."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def iso_date(text: str) -> dt.date:
    """Args: text: argument. Returns: the date (YYYY-MM-DD)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """Returns: the argument parser with its commands."""
    parser = OneLineParser(
        prog="python -m fraudops_ml",
        description="fraudops ML: simulate transactions, train and export the fraud detector "
        "(ONNX + model card), write replay data, re-check ONNX parity.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    presets = ", ".join(
        f"{name}: {c.n_customers} customers, {c.n_terminals} terminals, {c.n_days} days"
        for name, c in data.PRESETS.items()
    )

    sim = commands.add_parser(
        "simulate",
        help="generate a transactions parquet file",
        description="Generate transactions with the handbook's simulator, write them as parquet.",
    )
    book = SimulationConfig()
    sim.add_argument("--out", type=Path, required=True, help="output .parquet path")
    sim.add_argument(
        "--customers",
        type=positive_int,
        default=book.n_customers,
        help=f"customer profiles (default {book.n_customers})",
    )
    sim.add_argument(
        "--terminals",
        type=positive_int,
        default=book.n_terminals,
        help=f"terminal profiles (default {book.n_terminals})",
    )
    sim.add_argument(
        "--days",
        type=positive_int,
        default=book.n_days,
        help=f"simulated days (default {book.n_days})",
    )
    sim.add_argument(
        "--start-date",
        type=iso_date,
        default=dt.date.fromisoformat(book.start_date),
        help=f"first day, YYYY-MM-DD (default {book.start_date})",
    )
    sim.add_argument(
        "--seed",
        type=non_negative_int,
        default=book.seed,
        help=f"random seed (default {book.seed})",
    )

    tr = commands.add_parser(
        "train",
        help="train, evaluate, export to <models-dir>/<version>, repoint current",
        description="Load (or simulate and cache) the preset's dataset, build features, compare "
        "candidates with the handbook's protocol (selection on a validation week), export the "
        "chosen model to ONNX with its model card and evaluation.md, and repoint "
        "<models-dir>/current. Prints the evaluation table; the last stdout line is the new "
        f"model directory. Presets: {presets}.",
    )
    tr.add_argument("--data-dir", type=Path, required=True, help="dataset cache directory")
    tr.add_argument("--models-dir", type=Path, required=True, help="models directory")
    tr.add_argument(
        "--preset",
        choices=sorted(data.PRESETS),
        default="default",
        help="dataset size (default: default, the handbook's)",
    )
    tr.add_argument("--seed", type=non_negative_int, default=0, help="training seed (default 0)")
    tr.add_argument(
        "--data-seed",
        type=non_negative_int,
        default=0,
        help="simulation seed of the dataset (default 0)",
    )

    rp = commands.add_parser(
        "replay",
        help="write a JSON Lines replay file of Transactions",
        description="Write one Transaction (transaction.schema.json, with labels) per line for a "
        "day window of the preset's dataset (default: the test week).",
    )
    rp.add_argument("--data-dir", type=Path, required=True, help="dataset cache directory")
    rp.add_argument("--out", type=Path, required=True, help="output .jsonl path")
    rp.add_argument(
        "--preset",
        choices=sorted(data.PRESETS),
        default="default",
        help="dataset size (default: default)",
    )
    rp.add_argument(
        "--data-seed",
        type=non_negative_int,
        default=0,
        help="simulation seed of the dataset (default 0)",
    )
    rp.add_argument(
        "--start-date",
        type=iso_date,
        default=None,
        help="first day (default: the protocol's test week, 2018-08-08)",
    )
    rp.add_argument("--days", type=positive_int, default=7, help="number of days (default 7)")

    pa = commands.add_parser(
        "parity",
        help="re-check an exported model's ONNX parity",
        description="Refit the card's model_type with the card's seed on its training window (the "
        "dataset is found in --data-dir by the card's data_hash) and compare ONNX Runtime with "
        f"predict_proba on the whole test week; fails (exit 1) above {export.PARITY_TOLERANCE}.",
    )
    pa.add_argument(
        "--model-dir", type=Path, required=True, help="a version directory or <models-dir>/current"
    )
    pa.add_argument("--data-dir", type=Path, required=True, help="dataset cache directory")
    world_command.add_parser(commands)
    lake_command.add_parsers(commands)
    quality_command.add_parsers(commands)
    return parser


def preset_config(preset: str, data_seed: int) -> SimulationConfig:
    """Args: preset: preset name; data_seed: simulation seed. Returns: the dataset parameters."""
    return dataclasses.replace(data.PRESETS[preset], seed=data_seed)


def run_simulate(args: argparse.Namespace) -> int:
    """Args: args: parsed arguments. Returns: exit code."""
    config = SimulationConfig(
        n_customers=args.customers,
        n_terminals=args.terminals,
        n_days=args.days,
        start_date=args.start_date.isoformat(),
        seed=args.seed,
    )
    with timed(stderr_log, f"simulating {config.cache_key()}"):
        tx = simulate(config).transactions
    data.write_transactions(tx, args.out)
    print(f"{len(tx)} transactions ({int(tx['tx_fraud'].sum())} frauds) -> {args.out}")
    return 0


def run_train(args: argparse.Namespace) -> int:
    """Args: args: parsed arguments. Returns: exit code."""
    started = time.perf_counter()
    config = preset_config(args.preset, args.data_seed)
    dataset = data.load_or_simulate(args.data_dir, config, stderr_log)
    with timed(stderr_log, f"features for {len(dataset.transactions):,} transactions"):
        frame = add_features(dataset.transactions)
    result = train.train(
        frame,
        contracts.model_features(),
        train.protocol_start(dt.date.fromisoformat(config.start_date)),
        seed=args.seed,
        log=stderr_log,
    )
    with timed(stderr_log, "export and ONNX parity check"):
        exported = export.export_model(result, dataset.data_hash, args.models_dir)
    stderr_log(f"total {time.perf_counter() - started:.1f}s")
    print(train.format_table(result.results, result.chosen))
    print(
        f"chosen: {result.chosen}, threshold {result.threshold:.4f}; "
        f"ONNX parity max abs diff on the test week: {exported.parity_max_abs_diff:.3g}"
    )
    print(exported.model_dir.resolve())
    return 0


def run_replay(args: argparse.Namespace) -> int:
    """Args: args: parsed arguments. Returns: exit code."""
    config = preset_config(args.preset, args.data_seed)
    dataset = data.load_or_simulate(args.data_dir, config, stderr_log)
    start = args.start_date or train.protocol_start(
        dt.date.fromisoformat(config.start_date)
    ) + dt.timedelta(days=train.DELTA_TRAIN + train.DELTA_DELAY)
    with timed(stderr_log, "features"):
        frame = add_features(dataset.transactions)
    if replay.select_days(frame, start, args.days).empty:
        raise CliError(f"no transactions in {start} + {args.days} days")
    count = replay.write_replay(frame, args.out, start, args.days, contracts.model_features())
    print(f"{count} transactions ({start} .. {start + dt.timedelta(days=args.days)}) -> {args.out}")
    return 0


def run_parity(args: argparse.Namespace) -> int:
    """Args: args: parsed arguments. Returns: exit code."""
    if not (args.model_dir / "model.json").is_file():
        raise CliError(f"no model.json in {args.model_dir}")
    card = export.load_card(args.model_dir)
    found = data.find_dataset(args.data_dir, card["data_hash"])
    if found is None:
        raise CliError(f"no dataset with {card['data_hash']} in {args.data_dir}")
    path, config = found
    dataset = data.load_or_simulate(path.parent, config, stderr_log)
    if dataset.data_hash != card["data_hash"]:
        raise CliError(f"{path} no longer matches {card['data_hash']}")
    order = export.feature_order_of(card)
    frame = add_features(dataset.transactions)
    train_start = dt.date.fromisoformat(card["training_window"]["start"])
    train_df, test_df = get_train_test_set(frame, train_start)
    model = train.build_candidate(card["model_type"], int(card.get("seed", 0)))
    model.fit(feature_matrix(train_df, order), train_df["tx_fraud"].to_numpy())
    model_bytes = (args.model_dir / card["artifact"]["file"]).read_bytes()
    diff = export.check_parity(model, model_bytes, feature_matrix(test_df, order))
    print(f"parity ok: {card['version']} max abs diff {diff:.3g} on {len(test_df)} test rows")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: arguments without the program name; sys.argv by default.

    Returns:
        The exit code.
    """
    args = build_parser().parse_args(argv)
    handlers = {
        "simulate": run_simulate,
        "train": run_train,
        "replay": run_replay,
        "parity": run_parity,
        "world": world_command.run,
        "lake-sink": lake_command.run_sink,
        "lake-check": lake_command.run_check,
        "quality": quality_command.run_quality,
        "quality-check": quality_command.run_check,
        "retrain-trigger": quality_command.run_trigger,
    }
    try:
        return handlers[args.command](args)
    except (CliError, contracts.ContractError, FileNotFoundError, NotADirectoryError) as exc:
        print(f"fraudops_ml {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (WorldSettingsError, WorldError, InvalidRecordError) as exc:
        return world_command.report_error(exc)
    except export.ParityError as exc:
        print(f"fraudops_ml {args.command}: {exc}", file=sys.stderr)
        return 1
