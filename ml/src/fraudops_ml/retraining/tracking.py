"""MLflow I/O: runs, the model registry and the champion alias (the only module that talks to it).

Contract with the scoring service (TypeScript): the chosen candidate's run holds the directory
written by ``export.export_model`` under the artifact path ``model``, and the registered version's
``source`` is ``<run artifact_uri>/model`` (``mlflow-artifacts:/...`` with a server started with
``--serve-artifacts``); the service downloads ``<source>/model.json`` and ``<source>/model.onnx``.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlflow import MlflowClient
from mlflow.artifacts import download_artifacts
from mlflow.entities import Metric, Param, RunTag
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

MODEL_ARTIFACT_PATH = "model"
PLOTS_ARTIFACT_PATH = "plots"
LOGICAL_DATE_TAG = "logical_date"
# The run's as-of date (ISO, UTC): the idempotency key of a version and of an evaluation.
AS_OF_TAG = "as_of"
DAG_RUN_TAG = "airflow_dag_run_id"
DECISION_TAG = "promotion_decision"
REASON_TAG = "promotion_reason"
CARD_VERSION_TAG = "card_version"
CHAMPION_VERSION_TAG = "champion_version"
# On the chosen candidate's run: scoring.rows_digest of the rows the candidate and the champion
# were compared on (equal when the comparison was fair).
ROWS_DIGEST_TAG = "promotion_rows_digest"
CHAMPION_ROWS_DIGEST_TAG = "promotion_champion_rows_digest"
# On a parent run, the JSON outcome of a finished evaluation; its presence makes reruns reuse it.
SUMMARY_TAG = "fraudops.evaluation_summary"
RUN_KIND_TAG = "fraudops.run_kind"
PARENT_RUN_TAG = "mlflow.parentRunId"
RUN_NAME_TAG = "mlflow.runName"


class TrackingUnavailableError(RuntimeError):
    """The MLflow tracking server does not answer."""


def check_reachable(tracking_uri: str, timeout: float = 10.0) -> None:
    """Fail fast, with the address in the message, when the tracking server is down.

    Args:
        tracking_uri: ``http(s)://host:port``; other schemes (local stores) are not checked.
        timeout: seconds to wait for ``/health``.

    Raises:
        TrackingUnavailableError: when ``/health`` does not answer 200.
    """
    if not tracking_uri.startswith(("http://", "https://")):
        return
    url = tracking_uri.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            if response.status == 200:
                return
            problem = f"HTTP {response.status}"
    except (urllib.error.URLError, OSError) as exc:
        problem = str(getattr(exc, "reason", exc))
    raise TrackingUnavailableError(f"MLflow at {tracking_uri} unreachable ({url}: {problem})")


def client(tracking_uri: str) -> MlflowClient:
    """Args: tracking_uri: the server. Returns: a client for it (registry on the same server)."""
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def experiment_id(mlflow: MlflowClient, name: str) -> str:
    """The experiment's id, created when missing.

    Args:
        mlflow: client.
        name: experiment name.

    Returns:
        Its id.
    """
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        return str(experiment.experiment_id)
    return str(mlflow.create_experiment(name))


def finished_evaluation(mlflow: MlflowClient, experiment: str, as_of: str) -> dict[str, Any] | None:
    """The summary of a finished evaluation for ``as_of``, if an earlier attempt made one.

    Args:
        mlflow: client.
        experiment: experiment id.
        as_of: the DAG run's as-of date (ISO), as tagged.

    Returns:
        The summary stored by ``finish_parent_run``, or None.
    """
    runs = mlflow.search_runs(
        [experiment],
        filter_string=(
            f"tags.{AS_OF_TAG} = {_quote(as_of)} and "
            f"tags.`{RUN_KIND_TAG}` = 'retraining' and attributes.status = 'FINISHED'"
        ),
        order_by=["attributes.start_time DESC"],
        max_results=10,
    )
    for run in runs:
        summary = run.data.tags.get(SUMMARY_TAG)
        if summary:
            value: dict[str, Any] = json.loads(summary)
            return value
    return None


def start_parent_run(
    mlflow: MlflowClient, experiment: str, name: str, tags: Mapping[str, str]
) -> str:
    """Open the run that groups one DAG run's candidates.

    Args:
        mlflow: client.
        experiment: experiment id.
        name: run name.
        tags: tags (logical date, DAG run id, ...).

    Returns:
        The run id.
    """
    run = mlflow.create_run(experiment, run_name=name, tags={**tags, RUN_KIND_TAG: "retraining"})
    return str(run.info.run_id)


def finish_parent_run(mlflow: MlflowClient, run_id: str, summary: Mapping[str, Any]) -> None:
    """Store the evaluation's outcome on the parent run and close it.

    Args:
        mlflow: client.
        run_id: parent run.
        summary: small JSON-ready outcome (reused by reruns of the same logical date).
    """
    mlflow.set_tag(run_id, SUMMARY_TAG, json.dumps(summary, sort_keys=True))
    mlflow.set_terminated(run_id, "FINISHED")


def fail_run(mlflow: MlflowClient, run_id: str) -> None:
    """Args: mlflow: client; run_id: a run to mark FAILED (best effort, never raises)."""
    with contextlib.suppress(MlflowException):
        mlflow.set_terminated(run_id, "FAILED")


def log_candidate_run(
    mlflow: MlflowClient,
    experiment: str,
    parent_run_id: str,
    name: str,
    params: Mapping[str, str | int | float],
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
    model_dir: Path,
    plots: list[Path],
) -> tuple[str, str]:
    """One finished candidate run, nested under the parent run.

    Args:
        mlflow: client.
        experiment: experiment id.
        parent_run_id: the DAG run's parent run.
        name: candidate name (the run name).
        params: parameters.
        metrics: metrics.
        tags: extra tags.
        model_dir: the export directory, logged under ``model``.
        plots: PNG files, logged under ``plots``.

    Returns:
        ``(run_id, artifact_uri)``.
    """
    run = mlflow.create_run(
        experiment,
        run_name=name,
        tags={**tags, PARENT_RUN_TAG: parent_run_id, RUN_KIND_TAG: "candidate"},
    )
    run_id = str(run.info.run_id)
    try:
        now = int(time.time() * 1000)
        mlflow.log_batch(
            run_id,
            metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items()],
            params=[Param(k, str(v)) for k, v in params.items()],
            tags=[RunTag(k, v) for k, v in tags.items()],
        )
        mlflow.log_artifacts(run_id, str(model_dir), artifact_path=MODEL_ARTIFACT_PATH)
        for plot in plots:
            mlflow.log_artifact(run_id, str(plot), artifact_path=PLOTS_ARTIFACT_PATH)
        mlflow.set_terminated(run_id, "FINISHED")
    except BaseException:
        fail_run(mlflow, run_id)
        raise
    return run_id, str(mlflow.get_run(run_id).info.artifact_uri)


def version_for(mlflow: MlflowClient, model_name: str, as_of: str) -> ModelVersion | None:
    """The version registered for ``as_of`` (the idempotency key), if any.

    Args:
        mlflow: client.
        model_name: registered model.
        as_of: the run's ISO as-of date, as tagged.

    Returns:
        The newest such version, or None.
    """
    versions = mlflow.search_model_versions(
        f"name = {_quote(model_name)} and tags.{AS_OF_TAG} = {_quote(as_of)}"
    )
    return max(versions, key=lambda v: int(v.version), default=None)


def alias_version(mlflow: MlflowClient, model_name: str, alias: str) -> ModelVersion | None:
    """The version an alias points at.

    Args:
        mlflow: client.
        model_name: registered model.
        alias: e.g. ``champion``.

    Returns:
        The version, or None when the model or the alias does not exist.
    """
    # get_model_version_by_alias answers INVALID_PARAMETER_VALUE for a missing alias (3.17),
    # indistinguishable from a bad request; the model's alias map is unambiguous.
    try:
        model = mlflow.get_registered_model(model_name)
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise
    version = model.aliases.get(alias)
    return None if version is None else mlflow.get_model_version(model_name, str(version))


def download_model(tracking_uri: str, version: ModelVersion, dest: Path) -> Path:
    """Fetch a version's ``model.json`` and ``model.onnx`` as the scoring service does.

    Args:
        tracking_uri: the server (artifacts are proxied by it).
        version: a registered version whose source is an export directory.
        dest: empty directory to write into.

    Returns:
        ``dest``, holding the two files.
    """
    dest.mkdir(parents=True, exist_ok=True)
    source = str(version.source).rstrip("/")
    for file in ("model.json", "model.onnx"):
        download_artifacts(
            artifact_uri=f"{source}/{file}", dst_path=str(dest), tracking_uri=tracking_uri
        )
    return dest


def register_version(
    mlflow: MlflowClient,
    model_name: str,
    run_id: str,
    artifact_uri: str,
    tags: Mapping[str, str],
) -> ModelVersion:
    """Register ``<artifact_uri>/model`` of ``run_id`` as a new version (model created if missing).

    Args:
        mlflow: client.
        model_name: registered model.
        run_id: the chosen candidate's run.
        artifact_uri: that run's artifact root.
        tags: version tags (the same are set on the run).

    Returns:
        The new version, READY.
    """
    try:
        mlflow.create_registered_model(model_name)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    for key, value in tags.items():
        mlflow.set_tag(run_id, key, value)
    return mlflow.create_model_version(
        name=model_name,
        source=f"{artifact_uri}/{MODEL_ARTIFACT_PATH}",
        run_id=run_id,
        tags=dict(tags),
    )


def set_alias(mlflow: MlflowClient, model_name: str, alias: str, version: str) -> None:
    """Args: mlflow: client; model_name: model; alias: alias; version: the version to point at."""
    mlflow.set_registered_model_alias(model_name, alias, version)
