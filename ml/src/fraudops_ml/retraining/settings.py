"""The retraining settings, read from the fraudops config file (``$FRAUDOPS_CONFIG``).

Paths in the file are relative to the file's directory (the repository root for
``fraudops.config.json``). ``$MLFLOW_TRACKING_URI`` overrides the stack's MLflow address.

Two facts belong to other sections, read here with a default so that a config without them still
works: the feedback delay (``world.feedbackDelayDays``, owned by the world; 7 days, the
handbook's) and the lake's asset (``lake.retrainingTrigger.asset``, owned by the lake, which
emits its events). Without a ``lake`` section the retraining reads only the historic dataset.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraudops_ml import data, train

CONFIG_ENV = "FRAUDOPS_CONFIG"
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"
DEFAULT_FEEDBACK_DELAY_DAYS = 7.0
DEFAULT_LABELLED_WEEK_ASSET = "fraudops_lake_labelled_week"


class SettingsError(ValueError):
    """The config file is missing, unreadable or has an invalid field (named in the message)."""


@dataclass(frozen=True)
class Settings:
    """What the retraining DAG needs to know.

    Attributes:
        config_file: the file these settings were read from.
        model_name: registered model name (``model.name``).
        experiment: MLflow experiment of the retraining runs.
        champion_alias: the registry alias the scoring service follows.
        baseline_alias: the alias of the first champion, frozen: the shadow baseline the loop's
            models are measured against (set once, when the first champion is promoted).
        preset: dataset preset (a key of ``data.PRESETS``).
        candidates: candidate names, in ``train.CANDIDATES`` order.
        promotion_metric: test-week metric compared with the champion's.
        min_gain: how much the candidate must beat the champion by.
        work_dir: per-run working files (``<work_dir>/<logical date>/``).
        data_dir: dataset cache directory.
        schedule: the DAG's schedule (cron or preset such as ``@weekly``).
        tracking_uri: MLflow tracking server.
        feedback_delay_days: days after which every label is known (``world.feedbackDelayDays``).
        labelled_week_asset: the Airflow asset the lake updates when a simulated week of labels
            has landed (``lake.retrainingTrigger.asset``).
        lake: whether the config has a ``lake`` section (the retraining then reads it).
        seed: training seed.
    """

    config_file: Path
    model_name: str
    experiment: str
    champion_alias: str
    baseline_alias: str
    preset: str
    candidates: tuple[str, ...]
    promotion_metric: str
    min_gain: float
    work_dir: Path
    data_dir: Path
    schedule: str
    tracking_uri: str
    feedback_delay_days: float = DEFAULT_FEEDBACK_DELAY_DAYS
    labelled_week_asset: str = DEFAULT_LABELLED_WEEK_ASSET
    lake: bool = False
    seed: int = 0


PROMOTION_METRICS = ("average_precision", "auc_roc", "card_precision_at_100")


def _field(config: Mapping[str, Any], path: str, file: Path) -> Any:
    node: Any = config
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            raise SettingsError(f"{file}: missing field {path}")
        node = node[key]
    return node


def _string(config: Mapping[str, Any], path: str, file: Path) -> str:
    value = _field(config, path, file)
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{file}: field {path} must be a non-empty string, got {value!r}")
    return value


def _candidates(config: Mapping[str, Any], file: Path) -> tuple[str, ...]:
    value = _field(config, "retraining.candidates", file)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{file}: field retraining.candidates must be a list of names")
    unknown = [v for v in value if v not in train.CANDIDATES]
    if unknown:
        raise SettingsError(
            f"{file}: field retraining.candidates has unknown {', '.join(unknown)}; "
            f"choose from {', '.join(train.CANDIDATES)}"
        )
    # Config order does not matter: train.CANDIDATES order keeps selection ties stable.
    return tuple(c for c in train.CANDIDATES if c in value) if value else train.CANDIDATES


def _feedback_delay(config: Mapping[str, Any], file: Path) -> float:
    world = config.get("world", {})
    if not isinstance(world, Mapping):
        raise SettingsError(f"{file}: field world must be an object")
    value = world.get("feedbackDelayDays", DEFAULT_FEEDBACK_DELAY_DAYS)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise SettingsError(
            f"{file}: field world.feedbackDelayDays must be a number > 0, got {value!r}"
        )
    return float(value)


def _labelled_week_asset(config: Mapping[str, Any], file: Path) -> str:
    lake = config.get("lake", {})
    trigger = lake.get("retrainingTrigger", {}) if isinstance(lake, Mapping) else None
    if not isinstance(trigger, Mapping):
        raise SettingsError(f"{file}: field lake.retrainingTrigger must be an object")
    value = trigger.get("asset", DEFAULT_LABELLED_WEEK_ASSET)
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(
            f"{file}: field lake.retrainingTrigger.asset must be a non-empty string, got {value!r}"
        )
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the config file named by ``$FRAUDOPS_CONFIG``.

    Args:
        env: environment variables; ``os.environ`` by default.

    Returns:
        The settings, with absolute paths.

    Raises:
        SettingsError: when the variable is unset, the file unreadable or a field invalid.
    """
    env = os.environ if env is None else env
    name = env.get(CONFIG_ENV, "")
    if not name:
        raise SettingsError(f"{CONFIG_ENV} is not set: point it at fraudops.config.json")
    file = Path(name).resolve()
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{file}: cannot read the config file ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{file}: not valid JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise SettingsError(f"{file}: the config must be a JSON object")

    preset = _string(config, "retraining.preset", file)
    if preset not in data.PRESETS:
        raise SettingsError(
            f"{file}: field retraining.preset is {preset!r}; choose from {', '.join(data.PRESETS)}"
        )
    metric = _string(config, "retraining.promotion.metric", file)
    if metric not in PROMOTION_METRICS:
        raise SettingsError(
            f"{file}: field retraining.promotion.metric is {metric!r}; "
            f"choose from {', '.join(PROMOTION_METRICS)}"
        )
    min_gain = _field(config, "retraining.promotion.minGain", file)
    if isinstance(min_gain, bool) or not isinstance(min_gain, int | float) or min_gain < 0:
        raise SettingsError(
            f"{file}: field retraining.promotion.minGain must be a number >= 0, got {min_gain!r}"
        )
    port = _field(config, "stack.mlflow.port", file)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise SettingsError(f"{file}: field stack.mlflow.port must be a TCP port, got {port!r}")
    tracking_uri = env.get(TRACKING_URI_ENV) or (
        f"http://{_string(config, 'stack.mlflow.host', file)}:{port}"
    )
    return Settings(
        config_file=file,
        model_name=_string(config, "model.name", file),
        experiment=_string(config, "retraining.experiment", file),
        champion_alias=_string(config, "retraining.championAlias", file),
        baseline_alias=_string(config, "retraining.baselineAlias", file),
        preset=preset,
        candidates=_candidates(config, file),
        promotion_metric=metric,
        min_gain=float(min_gain),
        work_dir=file.parent / _string(config, "retraining.workDir", file),
        data_dir=file.parent / _string(config, "data.dir", file),
        schedule=_string(config, "retraining.schedule", file),
        tracking_uri=tracking_uri,
        feedback_delay_days=_feedback_delay(config, file),
        labelled_week_asset=_labelled_week_asset(config, file),
        lake="lake" in config,
    )
