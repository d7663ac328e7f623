"""The model cards of the versions seen in the scores: from the registry, or a local directory.

A score names its model twice: ``model_version`` (the card's version) and, when the replica
followed a registry alias, ``registry_version`` (the MLflow version number). The card of a
registry version is its artifact ``model.json``; without one, ``<models dir>/<model_version>/
model.json``. A card that cannot be found is looked for again after ``RETRY_SECONDS``: the
version's figures are exported without the card-based ones (validated levels, drift) meanwhile.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fraudops_ml.quality.compute import Card

RETRY_SECONDS = 60.0
Log = Callable[[str], None]
# (model name, registry version) -> the card's JSON; raises when the registry cannot give it.
RegistryFetch = Callable[[str, str], dict[str, Any]]


def mlflow_fetch(tracking_uri: str) -> RegistryFetch:
    """Args: tracking_uri: the MLflow server. Returns: a fetch of a version's ``model.json``."""

    def fetch(model_name: str, registry_version: str) -> dict[str, Any]:
        # mlflow is slow to import: only when a registry card is fetched.
        from mlflow.artifacts import download_artifacts
        from mlflow.tracking import MlflowClient

        version = MlflowClient(tracking_uri).get_model_version(model_name, registry_version)
        with tempfile.TemporaryDirectory() as tmp:
            path = download_artifacts(
                artifact_uri=f"{str(version.source).rstrip('/')}/model.json",
                dst_path=tmp,
                tracking_uri=tracking_uri,
            )
            loaded: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
            return loaded

    return fetch


class Cards:
    """A cache of cards by model version."""

    def __init__(
        self, model_name: str, models_dir: Path, fetch: RegistryFetch | None, log: Log
    ) -> None:
        """Args: model_name: registered model; models_dir: local versions; fetch: registry; log."""
        self.model_name = model_name
        self.models_dir = models_dir
        self.fetch = fetch
        self.log = log
        self.found: dict[str, Card] = {}
        self.missing_since: dict[str, float] = {}

    def card(self, model_version: str, registry_version: str | None) -> Card | None:
        """Args: model_version: the card's version; registry_version: MLflow's number, if any.

        Returns:
            The card, or None when it cannot be found (logged once per retry period).
        """
        if model_version in self.found:
            return self.found[model_version]
        missing = self.missing_since.get(model_version)
        if missing is not None and time.monotonic() - missing < RETRY_SECONDS:
            return None
        try:
            data = self._load(model_version, registry_version)
        except Exception as exc:  # any failure: the figures go on without the card meanwhile
            self.missing_since[model_version] = time.monotonic()
            self.log(
                f"no model card for {model_version} yet ({exc}); retrying in {RETRY_SECONDS:.0f} s"
            )
            return None
        if data.get("version") != model_version:
            self.missing_since[model_version] = time.monotonic()
            self.log(f"the card found for {model_version} is version {data.get('version')!r}")
            return None
        self.missing_since.pop(model_version, None)
        self.found[model_version] = Card.from_json(data)
        return self.found[model_version]

    def _load(self, model_version: str, registry_version: str | None) -> dict[str, Any]:
        if registry_version is not None and self.fetch is not None:
            return self.fetch(self.model_name, registry_version)
        file = self.models_dir / model_version / "model.json"
        loaded: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
        return loaded
