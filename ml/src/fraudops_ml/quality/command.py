"""The ``quality``, ``quality-check`` and ``retrain-trigger`` commands of ``fraudops_ml``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

from fraudops_ml.lake.command import simulated_time
from fraudops_ml.lake.settings import LakeSettingsError
from fraudops_ml.quality.settings import QualitySettings, load_quality_settings

CONFIG_ENV = "FRAUDOPS_CONFIG"


def add_parsers(commands: Any) -> None:
    """Args: commands: the subparsers action of the main parser."""
    quality = commands.add_parser(
        "quality",
        help="measure live model quality and drift from the lake; serve them on /metrics",
        description="Every quality.intervalSeconds, read the lake's scores and the labels known "
        "(cut at the labels' watermark) and export per simulated day and model version: Card "
        "Precision@100, precision and recall at the serving threshold, ROC AUC, fraud money caught "
        "and missed, genuine money flagged (final days only: every label known), Average "
        "Precision over the kept final days, label coverage per day, and drift (PSI and "
        "Jensen-Shannon distance) of each input and the score against the model card's "
        "reference. Stops on SIGTERM/SIGINT (exit 0). Documentation: ml/README.md, Quality.",
    )
    _common(quality)
    quality.add_argument(
        "--once",
        action="store_true",
        help="run one cycle, print its samples as JSON and exit (no /metrics server)",
    )
    check = commands.add_parser(
        "quality-check",
        help="recompute the live quality figures offline from the lake (JSON)",
        description="Recompute, with code independent of the live component, every figure it "
        "exports for one labels' watermark, and print them as JSON samples "
        "[{name, labels, value}]. The stack's end-to-end test compares them with /metrics.",
    )
    _common(check)
    trigger = commands.add_parser(
        "retrain-trigger",
        help="serve the webhook that starts the retraining DAG on quality and drift alerts",
        description="Listen on retraining.alertTrigger for Alertmanager notifications (POST "
        '/alerts). For firing alerts labelled retrain="true", start a run of the retraining DAG '
        "through Airflow's REST API, as of the lake's labels' watermark, with the alerts' labels "
        "in its configuration; nothing starts while a run is queued or running. Without an "
        "Airflow URL the request is only logged. Stops on SIGTERM/SIGINT (exit 0).",
    )
    _common(trigger)
    trigger.add_argument(
        "--airflow-url",
        help="Airflow api-server URL (default: lake.retrainingTrigger.airflowUrl; credentials from "
        "$FRAUDOPS_AIRFLOW_USERNAME and $FRAUDOPS_AIRFLOW_PASSWORD, else the all-admins token)",
    )
    check.add_argument(
        "--watermark",
        type=simulated_time,
        required=True,
        help="the live component's fraudops_quality_labels_watermark_seconds, as "
        "'YYYY-MM-DD HH:MM:SS' simulated time",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="fraudops config file (default: $FRAUDOPS_CONFIG, else ./fraudops.config.json)",
    )


def _load(args: argparse.Namespace, name: str) -> QualitySettings | None:
    file = args.config or Path(os.environ.get(CONFIG_ENV) or "fraudops.config.json")
    try:
        return load_quality_settings(file)
    except LakeSettingsError as exc:
        print(f"fraudops_ml {name}: error: {exc}", file=sys.stderr)
        return None


def run_quality(args: argparse.Namespace) -> int:
    """Args: args: parsed arguments. Returns: exit code."""
    from fraudops_ml.quality import exporter, service

    settings = _load(args, "quality")
    if settings is None:
        return 2
    if not args.once:
        return service.run(settings)
    cycle = service.build_cycle(settings, service.stderr_log)
    cycle.run_once()
    print(json.dumps(exporter.samples(exporter.QualityCollector(cycle.snapshot)), indent=1))
    return 0


def run_trigger(args: argparse.Namespace) -> int:
    """Args: args: parsed arguments. Returns: exit code."""
    from fraudops_ml.lake.settings import port_field, read_config, string_field
    from fraudops_ml.retraining import trigger

    settings = _load(args, "retrain-trigger")
    if settings is None:
        return 2
    lake = settings.lake
    if args.airflow_url:
        lake = dataclasses.replace(lake, airflow_url=args.airflow_url.rstrip("/"))
    file = lake.config_file
    try:
        config = read_config(file)
        host = string_field(config, "retraining.alertTrigger.host", file)
        port = port_field(config, "retraining.alertTrigger.port", file)
        dag_id = string_field(config, "retraining.dagId", file)
    except LakeSettingsError as exc:
        print(f"fraudops_ml retrain-trigger: error: {exc}", file=sys.stderr)
        return 2
    return trigger.serve(lake, dag_id, host, port)


def run_check(args: argparse.Namespace) -> int:
    """Args: args: parsed arguments. Returns: exit code."""
    from fraudops_ml.lake import tables
    from fraudops_ml.quality import recompute, service

    settings = _load(args, "quality-check")
    if settings is None:
        return 2
    cycle = service.build_cycle(settings, service.stderr_log)
    cycle.load_baseline = lambda: None  # read only: the live component writes the shadow table
    cycle.run_once()  # only for the cards of the versions in the lake
    _, cards = cycle.snapshot()
    samples = recompute.recompute(
        tables.open_catalog(settings.lake), settings, args.watermark, dict(cards)
    )
    print(json.dumps(samples, indent=1))
    return 0
