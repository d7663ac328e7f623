"""The lake's settings: the ``lake`` section of the fraudops config file, and ``stack.kafka``.

From ``stack.kafka``: the broker and the source topics.
Paths are relative to the config file's directory. The same code runs on one machine (SQLite
catalog, file warehouse) and in the cluster (PostgreSQL catalog, ``s3://`` warehouse): only
the settings differ, and the cluster passes them as environment variables
(``FRAUDOPS_LAKE_CATALOG_URI``, ``FRAUDOPS_LAKE_WAREHOUSE``; object-storage keys the pyiceberg
way, e.g. ``PYICEBERG_CATALOG__FRAUDOPS__S3__ENDPOINT``). Airflow credentials come only from the
environment (``FRAUDOPS_AIRFLOW_USERNAME``/``FRAUDOPS_AIRFLOW_PASSWORD``), never from the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CATALOG_URI_ENV = "FRAUDOPS_LAKE_CATALOG_URI"
WAREHOUSE_ENV = "FRAUDOPS_LAKE_WAREHOUSE"
AIRFLOW_USER_ENV = "FRAUDOPS_AIRFLOW_USERNAME"
AIRFLOW_PASSWORD_ENV = "FRAUDOPS_AIRFLOW_PASSWORD"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The config's camelCase table keys, by TableSpec.key.
TABLE_KEYS = {
    "scored_transactions": "scoredTransactions",
    "labels": "labels",
    "shadow_scored_transactions": "shadowScoredTransactions",
}


class LakeSettingsError(ValueError):
    """The config file is unreadable or a lake field is invalid (named in the message)."""


@dataclass(frozen=True)
class LakeSettings:
    """What the sink, the reader and ``lake-check`` need.

    Attributes:
        config_file: the file these settings were read from.
        catalog_name: the pyiceberg catalog name (also its env-variable prefix).
        catalog_uri: SQLAlchemy URI of the SQL catalog (SQLite here, PostgreSQL in the cluster).
        warehouse: where data files go (``file://`` here, ``s3://`` in the cluster).
        namespace: the Iceberg namespace.
        tables: table name by ``TableSpec.key``.
        topics: source topic by ``TableSpec.key``.
        bootstrap: Kafka bootstrap servers.
        group_id: the sink's consumer group.
        dead_letter_topic: where records that fail their contract go.
        batch_max_rows: flush a batch at this many records.
        batch_max_seconds: or when its first record has waited this long.
        row_retention_days: rows whose tx_datetime is older than the newest landed minus this
            many simulated days are deleted.
        snapshot_retention_hours: snapshots older than this (wall clock) are expired.
        metrics_host: the sink's /metrics address.
        metrics_port: its port (0: no metrics endpoint).
        week_ends_before: weekday (0 Monday) whose 00:00 simulated time closes a week.
        airflow_url: the Airflow api-server base URL; None: the trigger is only logged.
        airflow_asset: the asset name the DAG schedules on.
        airflow_username: basic credentials for ``/auth/token`` (None: the all-admins token).
        airflow_password: its password.
    """

    config_file: Path
    catalog_name: str
    catalog_uri: str
    warehouse: str
    namespace: str
    tables: Mapping[str, str]
    topics: Mapping[str, str]
    bootstrap: str
    group_id: str
    dead_letter_topic: str
    batch_max_rows: int
    batch_max_seconds: float
    row_retention_days: int
    snapshot_retention_hours: float
    metrics_host: str
    metrics_port: int
    week_ends_before: int
    airflow_url: str | None
    airflow_asset: str
    airflow_username: str | None = None
    airflow_password: str | None = None


def get_field(config: Mapping[str, Any], path: str, file: Path) -> Any:
    """Args: config: the file's object; path: ``a.b.c``; file: for errors. Returns: the value."""
    node: Any = config
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            raise LakeSettingsError(f"{file}: missing field {path}")
        node = node[key]
    return node


def string_field(config: Mapping[str, Any], path: str, file: Path) -> str:
    """Args: as ``get_field``. Returns: a non-empty string, else LakeSettingsError."""
    value = get_field(config, path, file)
    if not isinstance(value, str) or not value.strip():
        raise LakeSettingsError(f"{file}: field {path} must be a non-empty string, got {value!r}")
    return value


def number_field(
    config: Mapping[str, Any], path: str, file: Path, low: float, integer: bool
) -> Any:
    """Args: as ``get_field``; low: minimum; integer: whole numbers only. Returns: the number."""
    value = get_field(config, path, file)
    kinds = int if integer else int | float
    if isinstance(value, bool) or not isinstance(value, kinds) or value < low:
        kind = "an integer" if integer else "a number"
        raise LakeSettingsError(f"{file}: field {path} must be {kind} >= {low}, got {value!r}")
    return value


def port_field(config: Mapping[str, Any], path: str, file: Path) -> int:
    """Args: as ``get_field``. Returns: a TCP port (0 allowed: none)."""
    port: int = number_field(config, path, file, 0, integer=True)
    if port > 65535:
        raise LakeSettingsError(f"{file}: field {path} must be a TCP port, got {port}")
    return port


def local_uri(value: str, base: Path) -> str:
    """Resolve a relative SQLite path or a scheme-less warehouse path against ``base``.

    Args:
        value: ``sqlite:///relative.db``, a path, or any other URI (kept as is).
        base: the config file's directory.

    Returns:
        An absolute ``sqlite:///`` URI, a ``file://`` URI, or ``value``.
    """
    if value.startswith("sqlite:///"):
        path = Path(value.removeprefix("sqlite:///"))
        return value if path.is_absolute() else f"sqlite:///{(base / path).resolve()}"
    if "://" in value:
        return value
    return (base / value).resolve().as_uri()


def read_config(file: Path) -> dict[str, Any]:
    """Args: file: the config file. Returns: its JSON object."""
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LakeSettingsError(f"{file}: cannot read the config file ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise LakeSettingsError(f"{file}: not valid JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise LakeSettingsError(f"{file}: the config must be a JSON object")
    return config


def _weekday(config: Mapping[str, Any], file: Path) -> int:
    name = string_field(config, "lake.retrainingTrigger.weekEndsBefore", file).lower()
    if name not in WEEKDAYS:
        raise LakeSettingsError(
            f"{file}: field lake.retrainingTrigger.weekEndsBefore is {name!r}; "
            f"choose from {', '.join(WEEKDAYS)}"
        )
    return WEEKDAYS.index(name)


def _airflow_url(config: Mapping[str, Any], file: Path) -> str | None:
    value = get_field(config, "lake.retrainingTrigger.airflowUrl", file)
    if value is not None and (not isinstance(value, str) or "://" not in value):
        raise LakeSettingsError(
            f"{file}: field lake.retrainingTrigger.airflowUrl must be null or a URL, got {value!r}"
        )
    return value.rstrip("/") if value else None


def load_lake_settings(file: Path, env: Mapping[str, str] | None = None) -> LakeSettings:
    """Read the lake's settings.

    Args:
        file: the fraudops config file.
        env: environment variables; ``os.environ`` by default.

    Returns:
        The settings, with absolute local paths.

    Raises:
        LakeSettingsError: when the file is unreadable or a field invalid.
    """
    env = os.environ if env is None else env
    file = file.resolve()
    config = read_config(file)
    base = file.parent
    host = string_field(config, "stack.kafka.host", file)
    kafka = f"{host}:{port_field(config, 'stack.kafka.port', file)}"
    return LakeSettings(
        config_file=file,
        catalog_name=string_field(config, "lake.catalog.name", file),
        catalog_uri=local_uri(
            env.get(CATALOG_URI_ENV) or string_field(config, "lake.catalog.uri", file), base
        ),
        warehouse=local_uri(
            env.get(WAREHOUSE_ENV) or string_field(config, "lake.catalog.warehouse", file), base
        ),
        namespace=string_field(config, "lake.namespace", file),
        tables={k: string_field(config, f"lake.tables.{c}", file) for k, c in TABLE_KEYS.items()},
        topics={
            k: string_field(config, f"stack.kafka.topics.{k}", file) for k in ("scores", "labels")
        },
        bootstrap=kafka,
        group_id=string_field(config, "lake.sink.groupId", file),
        dead_letter_topic=string_field(config, "stack.kafka.topics.lakeDeadLetter", file),
        batch_max_rows=number_field(config, "lake.sink.batchMaxRows", file, 1, integer=True),
        batch_max_seconds=float(
            number_field(config, "lake.sink.batchMaxSeconds", file, 0.01, False)
        ),
        row_retention_days=number_field(config, "lake.retention.rowDays", file, 1, integer=True),
        snapshot_retention_hours=float(
            number_field(config, "lake.retention.snapshotHours", file, 0, integer=False)
        ),
        metrics_host=string_field(config, "lake.metrics.host", file),
        metrics_port=port_field(config, "lake.metrics.port", file),
        week_ends_before=_weekday(config, file),
        airflow_url=_airflow_url(config, file),
        airflow_asset=string_field(config, "lake.retrainingTrigger.asset", file),
        airflow_username=env.get(AIRFLOW_USER_ENV) or None,
        airflow_password=env.get(AIRFLOW_PASSWORD_ENV) or None,
    )
