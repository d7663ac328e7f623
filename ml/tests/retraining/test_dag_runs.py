"""Real runs of the retraining DAG against a real MLflow server.

Airflow (`airflow dags test`) reads the DAG from a bare git repository. Airflow and MLflow run as
subprocesses with the settings fraudops gives them (see airflow-environment.ts in packages/stack);
the small preset and two fast candidates keep one run around half a minute.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from fraudops_ml import data

REPO_ROOT = Path(__file__).resolve().parents[3]
DAGS_FOLDER = REPO_ROOT / "ml" / "dags"
DAG_ID = "fraud_model_retraining"
MODEL_NAME = "fraud-detector-dag-test"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Stack:
    """What the tests need to run the DAG and inspect its results."""

    tracking_uri: str
    env: dict[str, str]
    bundle_commit: str
    airflow_home: Path


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real MLflow server (SQLite, served artifacts) on a free port."""
    root = tmp_path_factory.mktemp("mlflow")
    port = _free_port()
    log = (root / "server.log").open("w")
    server = subprocess.Popen(
        [
            str(BIN / "mlflow"),
            "server",
            "--backend-store-uri",
            f"sqlite:///{root}/mlflow.db",
            "--artifacts-destination",
            str(root / "artifacts"),
            "--serve-artifacts",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        start_new_session=True,
    )
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{uri}/health", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"MLflow did not start: see {root / 'server.log'}") from None
            time.sleep(0.5)
    yield uri
    os.killpg(server.pid, 15)
    server.wait(timeout=30)
    log.close()


def _git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def _bare_repository_with_dags(root: Path) -> tuple[Path, str]:
    """A bare repository whose `main` holds ml/dags under dags/, as fraudops publishes it."""
    bare = root / "dags.git"
    _git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    work = root / "checkout"
    shutil.copytree(DAGS_FOLDER, work / "dags", ignore=shutil.ignore_patterns("__pycache__"))
    _git("init", "--quiet", "--initial-branch=main", cwd=work)
    _git("add", "--all", cwd=work)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "dags", cwd=work)
    _git("push", "--quiet", str(bare), "main", cwd=work)
    return bare, _git("rev-parse", "HEAD", cwd=work)


@pytest.fixture(scope="module")
def stack(
    mlflow_server: str, small_dataset: data.Dataset, tmp_path_factory: pytest.TempPathFactory
) -> Stack:
    """A config file, an AIRFLOW_HOME with a migrated database and the DAG repository."""
    root = tmp_path_factory.mktemp("dag-runs")
    bare, commit = _bare_repository_with_dags(root)
    config = json.loads((REPO_ROOT / "fraudops.config.json").read_text(encoding="utf-8"))
    config["model"]["name"] = MODEL_NAME
    config["data"]["dir"] = str(small_dataset.path.parent)
    config["retraining"].update(
        preset="small",
        candidates=["logistic_regression", "decision_tree"],
        workDir=str(root / "work"),
    )
    config_file = root / "fraudops.config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    home = root / "airflow"
    empty_dags_folder = root / "not-the-dags"
    empty_dags_folder.mkdir()
    bundles = [
        {
            "name": "fraudops-dags",
            "classpath": "airflow.providers.git.bundles.git.GitDagBundle",
            "kwargs": {"git_conn_id": "fraudops_dags", "tracking_ref": "main", "subdir": "dags"},
        }
    ]
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # Nothing to find in the classic DAGs folder: the DAG can only come from the bundle.
        "AIRFLOW__CORE__DAGS_FOLDER": str(empty_dags_folder),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH": str(home / "dag_bundles"),
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(bundles),
        "AIRFLOW_CONN_FRAUDOPS_DAGS": json.dumps({"conn_type": "git", "host": str(bare)}),
        "FRAUDOPS_CONFIG": str(config_file),
        "MLFLOW_TRACKING_URI": mlflow_server,
        "PYTHONWARNINGS": "ignore",
    }
    subprocess.run(
        [str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True
    )
    return Stack(mlflow_server, env, commit, home)


def _run_dag(stack: Stack, logical_date: str) -> str:
    result = subprocess.run(
        [str(BIN / "airflow"), "dags", "test", DAG_ID, logical_date],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output


def _tags(version: object) -> dict[str, str]:
    return dict(getattr(version, "tags", {}))


def test_runs_register_promote_then_decline_the_same_model_and_a_rerun_registers_nothing(
    stack: Stack,
) -> None:
    client = MlflowClient(stack.tracking_uri)

    first = _run_dag(stack, "2026-11-16T00:00:00+00:00")
    # Parsed from the clone of the bare repository's commit, not from the project's folder.
    clone = stack.airflow_home / "dag_bundles" / "fraudops-dags" / "tracking_repo"
    assert f"Filling up the DagBag from {clone}/dags" in first
    assert _git("rev-parse", "HEAD", cwd=clone) == stack.bundle_commit

    [v1] = client.search_model_versions(f"name = '{MODEL_NAME}'")
    assert v1.version == "1"
    assert _tags(v1)["promotion_decision"] == "promoted"
    assert client.get_model_version_by_alias(MODEL_NAME, "champion").version == "1"
    metrics = client.get_run(v1.run_id).data.metrics
    for name in ("test_average_precision", "test_auc_roc", "test_card_precision_at_100"):
        assert 0.0 <= metrics[name] <= 1.0, name
    artifacts = {a.path for a in client.list_artifacts(v1.run_id, "model")}
    assert {"model/model.onnx", "model/model.json"} <= artifacts
    all_artifacts = {a.path for a in client.list_artifacts(v1.run_id)}
    nested = {a.path for d in all_artifacts for a in client.list_artifacts(v1.run_id, d)}
    assert any(path.endswith(".png") for path in all_artifacts | nested), all_artifacts | nested

    first_run = client.get_run(v1.run_id).data.tags
    assert _tags(v1)["champion_version"] == "none"
    assert first_run["promotion_champion_rows_digest"] == "none"
    assert first_run["promotion_rows_digest"].startswith("sha256:")

    _run_dag(stack, "2026-11-23T00:00:00+00:00")
    versions = {v.version: v for v in client.search_model_versions(f"name = '{MODEL_NAME}'")}
    assert set(versions) == {"1", "2"}
    v2 = _tags(versions["2"])
    # The same data, seed and candidates: the same choice and artifact, found champion 1 and
    # scored it on the very rows the candidate was scored on, equal to it: declined, gain 0.
    assert v2["card_version"] == _tags(v1)["card_version"]
    assert v2["champion_version"] == "1"
    assert v2["promotion_decision"] == "declined"
    assert v2["promotion_reason"].endswith(": gain +0.0000 < min gain 0.0020")
    second_run = client.get_run(versions["2"].run_id).data
    digest = second_run.tags["promotion_rows_digest"]
    assert second_run.tags["promotion_champion_rows_digest"] == digest
    assert digest == first_run["promotion_rows_digest"]  # the same newest test week
    assert (
        second_run.metrics["promotion_champion_average_precision"]
        == (second_run.metrics["promotion_candidate_average_precision"])
    )
    assert client.get_model_version_by_alias(MODEL_NAME, "champion").version == "1"

    # The same logical date again: its result is reused, nothing new is registered.
    _run_dag(stack, "2026-11-23T00:00:00+00:00")
    assert len(client.search_model_versions(f"name = '{MODEL_NAME}'")) == 2
    assert client.get_model_version_by_alias(MODEL_NAME, "champion").version == "1"
