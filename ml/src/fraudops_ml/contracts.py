"""Access to the project's JSON Schemas (packages/contracts/schemas), the single source of truth.

The directory is found relative to this file (``<repo>/packages/contracts/schemas``) unless the
environment variable ``FRAUDOPS_CONTRACTS_DIR`` points elsewhere.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

CONTRACTS_ENV = "FRAUDOPS_CONTRACTS_DIR"
SCHEMA_FILES = (
    "transaction.schema.json",
    "model-card.schema.json",
    "metrics.schema.json",
    "score.schema.json",
    "label.schema.json",
    "world-settings.schema.json",
)


class ContractError(RuntimeError):
    """Raised when the contracts directory or a schema cannot be read."""


def contracts_dir() -> Path:
    """Locate the schemas directory.

    Returns:
        The directory holding the ``*.schema.json`` files.

    Raises:
        ContractError: if the directory does not exist.
    """
    override = os.environ.get(CONTRACTS_ENV)
    if override:
        path = Path(override)
    else:
        # <repo>/ml/src/fraudops_ml/contracts.py -> parents[3] is <repo>.
        path = Path(__file__).resolve().parents[3] / "packages" / "contracts" / "schemas"
    if not path.is_dir():
        raise ContractError(f"contracts directory not found: {path} (set {CONTRACTS_ENV})")
    return path


def load_schema(name: str) -> dict[str, Any]:
    """Read one schema.

    Args:
        name: file name, e.g. ``"transaction.schema.json"``.

    Returns:
        The parsed schema.
    """
    path = contracts_dir() / name
    try:
        schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ContractError(f"cannot read schema {path}: {exc}") from exc
    return schema


def model_features() -> list[str]:
    """The ordered model inputs, from transaction.schema.json's ``x-model-features``.

    Returns:
        Feature names in the column order of the model's input tensor.
    """
    features = load_schema("transaction.schema.json").get("x-model-features")
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise ContractError("transaction.schema.json has no list 'x-model-features'")
    return [str(f) for f in features]


def validator(name: str) -> Draft7Validator:
    """Build a validator for one schema, resolving ``$ref`` between the contract files.

    Args:
        name: file name of the root schema.

    Returns:
        A Draft 7 validator with a registry holding every contract schema.
    """
    resources: list[tuple[str, Resource[Any]]] = []
    for file_name in SCHEMA_FILES:
        schema = load_schema(file_name)
        resource = Resource.from_contents(schema, default_specification=DRAFT7)
        resources.append((str(schema.get("$id", file_name)), resource))
    registry: Registry[Any] = Registry().with_resources(resources)
    return Draft7Validator(load_schema(name), registry=registry)


def validate(instance: Any, name: str) -> None:
    """Validate an instance against a schema, raising on the first error.

    Args:
        instance: the JSON-like value.
        name: schema file name.

    Raises:
        jsonschema.ValidationError: if the instance does not satisfy the schema.
    """
    validator(name).validate(instance)
