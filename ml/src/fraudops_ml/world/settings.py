"""The world's settings: the ``world`` section of the fraudops config, checked by its contract.

The section is validated with world-settings.schema.json; the dataset comes from
``retraining.preset`` (the first champion's), Kafka and the topics from ``stack.kafka``. Paths
are relative to the config file's directory (the repository root). Command-line flags
override single values (``with_overrides``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jsonschema.exceptions import best_match

from fraudops_ml import contracts, data
from fraudops_ml.world.days import CardholderReports
from fraudops_ml.world.scenarios import SCENARIOS

SETTINGS_SCHEMA = "world-settings.schema.json"


class WorldSettingsError(ValueError):
    """The config file is missing, unreadable or has an invalid field (named in the message)."""


@dataclass(frozen=True)
class WorldSettings:
    """What the world needs to know.

    Attributes:
        config_file: the file these settings were read from.
        preset: the historic dataset's preset (``retraining.preset``).
        data_dir: the dataset cache directory (``data.dir``).
        speed: simulated seconds per wall second.
        fast_speed: the fast profile's speed.
        scenario: scenario name.
        scenario_start_day: the scenario's first day, counted from the world's first day.
        feedback_delay_days: the feedback delay.
        reports: card-holder report parameters.
        metrics_host: address of the /metrics endpoint.
        metrics_port: its port.
        state_file: the world's state file.
        bootstrap: Kafka bootstrap address (``host:port``).
        topics: topic names by kind (``transactions``, ``labels``).
    """

    config_file: Path
    preset: str
    data_dir: Path
    speed: float
    fast_speed: float
    scenario: str
    scenario_start_day: int
    feedback_delay_days: float
    reports: CardholderReports
    metrics_host: str
    metrics_port: int
    state_file: Path
    bootstrap: str
    topics: Mapping[str, str]


def _field(config: Mapping[str, Any], path: str, file: Path) -> Any:
    node: Any = config
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            raise WorldSettingsError(f"{file}: missing field {path}")
        node = node[key]
    return node


def _string(config: Mapping[str, Any], path: str, file: Path) -> str:
    value = _field(config, path, file)
    if not isinstance(value, str) or not value:
        raise WorldSettingsError(f"{file}: field {path} must be a non-empty string")
    return value


def _check_world_section(section: Any, file: Path) -> None:
    validator = contracts.validator(SETTINGS_SCHEMA)
    if validator.is_valid(section):
        reports = section["cardholderReports"]
        if reports["maxDays"] < reports["minDays"]:
            raise WorldSettingsError(
                f"{file}: field world.cardholderReports.maxDays must be >= minDays"
            )
        return
    error = best_match(validator.iter_errors(section))
    where = ".".join(["world", *(str(p) for p in error.absolute_path)])
    raise WorldSettingsError(f"{file}: field {where}: {error.message}")


def read_config(file: Path) -> dict[str, Any]:
    """Args: file: the config file. Returns: its JSON object. Raises: WorldSettingsError."""
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorldSettingsError(f"{file}: cannot read the config file ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise WorldSettingsError(f"{file}: not valid JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise WorldSettingsError(f"{file}: the config must be a JSON object")
    return config


def settings_from_config(config: Mapping[str, Any], file: Path) -> WorldSettings:
    """The world's settings from a parsed config.

    Args:
        config: the parsed fraudops config.
        file: where it was read from (paths are relative to its directory).

    Returns:
        The settings, with absolute paths.

    Raises:
        WorldSettingsError: on a missing or invalid field.
    """
    world = _field(config, "world", file)
    _check_world_section(world, file)
    preset = _string(config, "retraining.preset", file)
    if preset not in data.PRESETS:
        raise WorldSettingsError(f"{file}: field retraining.preset is {preset!r}")
    root = file.parent
    kafka_port = _field(config, "stack.kafka.port", file)
    reports = world["cardholderReports"]
    return WorldSettings(
        config_file=file,
        preset=preset,
        data_dir=root / _string(config, "data.dir", file),
        speed=float(world["speed"]),
        fast_speed=float(world["fastSpeed"]),
        scenario=str(world["scenario"]),
        scenario_start_day=int(world["scenarioStartDay"]),
        feedback_delay_days=float(world["feedbackDelayDays"]),
        reports=CardholderReports(
            float(reports["probability"]), float(reports["minDays"]), float(reports["maxDays"])
        ),
        metrics_host=str(world["host"]),
        metrics_port=int(world["port"]),
        state_file=root / str(world["stateFile"]),
        bootstrap=f"{_string(config, 'stack.kafka.host', file)}:{kafka_port}",
        topics={
            "transactions": _string(config, "stack.kafka.topics.transactions", file),
            "labels": _string(config, "stack.kafka.topics.labels", file),
        },
    )


def load_world_settings(file: Path) -> WorldSettings:
    """Args: file: the config file. Returns: the world's settings. Raises: WorldSettingsError."""
    resolved = file.resolve()
    return settings_from_config(read_config(resolved), resolved)


def with_overrides(settings: WorldSettings, **overrides: Any) -> WorldSettings:
    """The settings with the given fields replaced (None values are ignored).

    Args:
        settings: settings from the config.
        **overrides: field values from the command line.

    Returns:
        The new settings.

    Raises:
        WorldSettingsError: on an unknown scenario or preset.
    """
    chosen = {k: v for k, v in overrides.items() if v is not None}
    if chosen.get("scenario", settings.scenario) not in SCENARIOS:
        raise WorldSettingsError(f"unknown scenario {chosen['scenario']!r}")
    if chosen.get("preset", settings.preset) not in data.PRESETS:
        raise WorldSettingsError(f"unknown preset {chosen['preset']!r}")
    return replace(settings, **chosen)


def default_config_file(env: Mapping[str, str] | None = None) -> Path:
    """Args: env: environment (os.environ). Returns: $FRAUDOPS_CONFIG or ./fraudops.config.json."""
    env = os.environ if env is None else env
    return Path(env.get("FRAUDOPS_CONFIG") or "fraudops.config.json")
