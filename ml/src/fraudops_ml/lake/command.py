"""The ``lake-sink`` and ``lake-check`` subcommands of ``python -m fraudops_ml``."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

from fraudops_ml.arguments import positive_int
from fraudops_ml.lake import check, tables
from fraudops_ml.lake.settings import (
    LakeSettings,
    LakeSettingsError,
    load_lake_settings,
    local_uri,
)

CONFIG_ENV = "FRAUDOPS_CONFIG"


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port: {text!r}") from None
    if not 0 <= value < 65536:
        raise argparse.ArgumentTypeError(f"not a port: {value}")
    return value


def simulated_time(text: str) -> dt.datetime:
    """Args: text: 'YYYY-MM-DD HH:MM:SS'. Returns: it; an argparse type (bad: a usage error)."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not 'YYYY-MM-DD HH:MM:SS': {text!r}") from None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="fraudops config file (default: $FRAUDOPS_CONFIG, else ./fraudops.config.json)",
    )
    parser.add_argument(
        "--catalog-uri",
        help="SQL catalog URI, e.g. sqlite:///path.db or postgresql+psycopg2://... "
        "(default: lake.catalog.uri, or $FRAUDOPS_LAKE_CATALOG_URI)",
    )
    parser.add_argument(
        "--warehouse",
        help="data files location, a path or s3://bucket/prefix (default: lake.catalog.warehouse, "
        "or $FRAUDOPS_LAKE_WAREHOUSE)",
    )


def add_parsers(commands: Any) -> None:
    """Add ``lake-sink`` and ``lake-check`` to the command line.

    Args:
        commands: the subparsers action of the main parser.
    """
    sink = commands.add_parser(
        "lake-sink",
        help="land the scores and labels topics in the lake's Iceberg tables",
        description="Consume the scores and labels topics (stack.kafka.topics) and append them in "
        "micro-batches to the Iceberg tables of the lake section (SQL catalog). At least once: "
        "offsets are committed only after the Iceberg commit; rows are de-duplicated by "
        "transaction_id; records failing their contract go to the dead-letter topic with the "
        "reason in a header. When the labels' watermark passes a simulated week boundary, an "
        "Airflow asset event (extra.as_of) asks for a retraining; without an Airflow URL it is "
        "only logged. Stops on SIGTERM/SIGINT after committing its batch (exit 0).",
    )
    _common(sink)
    sink.add_argument("--bootstrap", help="Kafka bootstrap host:port (default: stack.kafka)")
    sink.add_argument("--group-id", help="consumer group (default: lake.sink.groupId)")
    sink.add_argument("--metrics-port", type=_port, help="/metrics port, 0 for none")
    sink.add_argument("--batch-max-rows", type=positive_int, help="flush at N records")
    sink.add_argument(
        "--batch-max-seconds", type=_positive_float, help="or when the first waited N s"
    )
    sink.add_argument(
        "--airflow-url",
        help="Airflow api-server URL to signal closed simulated weeks to "
        "(default: lake.retrainingTrigger.airflowUrl; credentials from $FRAUDOPS_AIRFLOW_USERNAME "
        "and $FRAUDOPS_AIRFLOW_PASSWORD, else the all-admins token)",
    )
    check_parser = commands.add_parser(
        "lake-check",
        help="print what the lake holds (JSON); exit 1 if an id is in a table twice",
        description="Print, as one JSON object, per table: rows, distinct transaction ids, ids "
        "present more than once, the newest tx_datetime (and known_at for labels), snapshots. "
        "Exit code 1 when any table holds an id twice (the sink's exactly-once-by-id promise), "
        "or, with --labels-due-by, when a label known after that simulated time has landed.",
    )
    _common(check_parser)
    check_parser.add_argument(
        "--labels-due-by",
        type=simulated_time,
        help="the world's simulated time 'YYYY-MM-DD HH:MM:SS': count labels known after it "
        "(labels.not_yet_due) and exit 1 if there is one",
    )


def load(args: argparse.Namespace) -> LakeSettings:
    """Args: args: parsed arguments. Returns: the settings with the flags applied."""
    file = args.config or Path(os.environ.get(CONFIG_ENV) or "fraudops.config.json")
    settings = load_lake_settings(file)
    flags: dict[str, Any] = {
        "catalog_uri": args.catalog_uri and local_uri(args.catalog_uri, Path.cwd()),
        "warehouse": args.warehouse and local_uri(args.warehouse, Path.cwd()),
        "bootstrap": getattr(args, "bootstrap", None),
        "group_id": getattr(args, "group_id", None),
        "metrics_port": getattr(args, "metrics_port", None),
        "batch_max_rows": getattr(args, "batch_max_rows", None),
        "batch_max_seconds": getattr(args, "batch_max_seconds", None),
        "airflow_url": getattr(args, "airflow_url", None),
    }
    return dataclasses.replace(settings, **{k: v for k, v in flags.items() if v is not None})


def run_sink(args: argparse.Namespace) -> int:
    """Args: args: parsed arguments. Returns: exit code."""
    from fraudops_ml.lake import service  # imports confluent_kafka only for this command

    try:
        settings = load(args)
    except LakeSettingsError as exc:
        print(f"fraudops_ml lake-sink: error: {exc}", file=sys.stderr)
        return 2
    return service.run(settings)


def run_check(args: argparse.Namespace) -> int:
    """Args: args: parsed arguments. Returns: exit code."""
    try:
        settings = load(args)
    except LakeSettingsError as exc:
        print(f"fraudops_ml lake-check: error: {exc}", file=sys.stderr)
        return 2
    summary = check.lake_summary(tables.open_catalog(settings), settings, args.labels_due_by)
    print(json.dumps(summary, indent=2))
    duplicated = any(
        isinstance(v, dict) and v.get("duplicate_ids", 0) > 0 for v in summary.values()
    )
    early = summary["labels"].get("not_yet_due", 0) > 0
    return 1 if duplicated or early else 0
