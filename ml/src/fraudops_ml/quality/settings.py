"""The quality component's settings: the ``quality`` section, plus what it shares with others.

Owners elsewhere in the config file: the lake's catalog and tables (``lake``), the feedback delay
(``world.feedbackDelayDays``), the model's name and directory (``model``), the registry
(``stack.mlflow``; ``MLFLOW_TRACKING_URI`` overrides it in the cluster).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fraudops_ml.lake.settings import (
    LakeSettings,
    load_lake_settings,
    number_field,
    port_field,
    read_config,
    string_field,
)

TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"


@dataclass(frozen=True)
class QualitySettings:
    """What ``python -m fraudops_ml quality`` needs.

    Attributes:
        lake: the lake's settings (catalog, tables).
        feedback_delay_days: the world's feedback delay (when a day's labels are all known).
        interval_seconds: wall-clock seconds between two reads of the lake.
        final_days: final days kept (the Average Precision's span and the alert's).
        drift_window_hours: simulated hours of newest traffic compared with the reference.
        drift_min_transactions: smallest window (per version) drift is measured on.
        metrics_host: the /metrics address.
        metrics_port: its port (0: none).
        model_name: the registered model's name.
        models_dir: local model directories (``<version>/model.json``).
        tracking_uri: the MLflow server cards of registry versions are read from.
        baseline_alias: the registry alias of the frozen baseline scored in shadow.
    """

    lake: LakeSettings
    feedback_delay_days: float
    interval_seconds: float
    final_days: int
    drift_window_hours: float
    drift_min_transactions: int
    metrics_host: str
    metrics_port: int
    model_name: str
    models_dir: Path
    tracking_uri: str
    baseline_alias: str


def load_quality_settings(file: Path, env: Mapping[str, str] | None = None) -> QualitySettings:
    """Args: file: the config file; env: environment (os.environ). Returns: the settings.

    Raises:
        LakeSettingsError: when the file is unreadable or a field invalid (named in the message).
    """
    env = os.environ if env is None else env
    file = file.resolve()
    config = read_config(file)
    mlflow = f"http://{string_field(config, 'stack.mlflow.host', file)}:" + str(
        port_field(config, "stack.mlflow.port", file)
    )
    return QualitySettings(
        lake=load_lake_settings(file, env),
        feedback_delay_days=float(
            number_field(config, "world.feedbackDelayDays", file, 0, integer=False)
        ),
        interval_seconds=float(
            number_field(config, "quality.intervalSeconds", file, 0.1, integer=False)
        ),
        final_days=number_field(config, "quality.finalDays", file, 1, integer=True),
        drift_window_hours=float(
            number_field(config, "quality.driftWindowHours", file, 0.1, integer=False)
        ),
        drift_min_transactions=number_field(
            config, "quality.driftMinTransactions", file, 1, integer=True
        ),
        metrics_host=string_field(config, "quality.metrics.host", file),
        metrics_port=port_field(config, "quality.metrics.port", file),
        model_name=string_field(config, "model.name", file),
        models_dir=file.parent / string_field(config, "model.modelsDir", file),
        tracking_uri=env.get(TRACKING_URI_ENV) or mlflow,
        baseline_alias=string_field(config, "retraining.baselineAlias", file),
    )
