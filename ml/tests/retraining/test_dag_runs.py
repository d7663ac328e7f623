"""Real runs of the retraining DAG against a real MLflow server.

Airflow (`airflow dags test`) reads the DAG from a bare git repository. Airflow and MLflow run as
subprocesses with the settings fraudops gives them (see airflow-environment.ts in packages/stack);
the small preset and two fast candidates keep one run around half a minute.

The second test runs the loop on real data: the world (its dry run) continues the small preset,
its transactions (as scored) and labels land in an Iceberg lake, and two runs as of successive
simulated weeks (``conf.as_of``, as the lake's asset events carry it) train on different rows.
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
from fraudops_ml.lake import schema
from fraudops_ml.retraining.lake_source import open_lake
from fraudops_ml.retraining.settings import load_settings

from .test_lake_source import land, with_private_lake

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


def _run_dag(stack: Stack, logical_date: str, conf: dict[str, str] | None = None) -> str:
    options = [] if conf is None else ["--conf", json.dumps(conf)]
    result = subprocess.run(
        [str(BIN / "airflow"), "dags", "test", *options, DAG_ID, logical_date],
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
    # The first champion is frozen as the baseline, the model the loop is measured against.
    assert client.get_model_version_by_alias(MODEL_NAME, "baseline").version == "1"
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
    assert client.get_model_version_by_alias(MODEL_NAME, "baseline").version == "1"


LAKE_MODEL = "fraud-detector-lake-test"
# A shorter feedback delay than the world's default keeps the world's run short: both the world
# and the retraining read it from the config (world.feedbackDelayDays).
LAKE_DELAY_DAYS = 3
WORLD_DAYS = 15  # 2018-10-01..15: labels of transactions to 2018-10-11 are known by 10-15
# The Mondays 00:00 the lake's sink would send as extra.as_of; last full days 10-04 and 10-11.
WEEK_1, WEEK_2 = "2018-10-08T00:00:00", "2018-10-15T00:00:00"


def _world_into_lake(config_file: Path, root: Path) -> None:
    """The world's dry run for WORLD_DAYS days, landed as the stream scorer and sink would."""
    out = root / "world.jsonl"
    command = [str(BIN / "python"), "-m", "fraudops_ml", "world", "--config", str(config_file)]
    command += ["--dry-run", "--out", str(out), "--days", str(WORLD_DAYS), "--speed", "0"]
    subprocess.run([*command, "--metrics-port", "0"], check=True, capture_output=True)
    events = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    scored = [
        {**e["value"], "fraud_probability": 0.1, "is_fraud": False, "model_version": "m1"}
        for e in events
        if e["topic"] == "transactions"
    ]
    labels = [e["value"] for e in events if e["topic"] == "labels"]
    lake = open_lake(load_settings({"FRAUDOPS_CONFIG": str(config_file)}))
    assert lake is not None
    land(lake, schema.SCORED_TRANSACTIONS, scored)
    land(lake, schema.LABELS, labels)


@pytest.fixture(scope="module")
def lake_stack(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """The same Airflow and MLflow; a config with a world and a lake the world filled."""
    root = tmp_path_factory.mktemp("lake-runs")
    config = json.loads(Path(stack.env["FRAUDOPS_CONFIG"]).read_text(encoding="utf-8"))
    config = with_private_lake(config, root)
    config["model"]["name"] = LAKE_MODEL
    config["retraining"]["workDir"] = str(root / "work")
    config["world"].update(stateFile=str(root / "world.json"), feedbackDelayDays=LAKE_DELAY_DAYS)
    config_file = root / "fraudops.config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    _world_into_lake(config_file, root)
    return Stack(stack.tracking_uri, {**stack.env, "FRAUDOPS_CONFIG": str(config_file)}, "", root)


def _params_and_tags(
    client: MlflowClient, version: object
) -> tuple[dict[str, str], dict[str, str]]:
    run = client.get_run(str(getattr(version, "run_id", ""))).data
    return dict(run.params), dict(run.tags)


def test_runs_as_of_successive_simulated_weeks_train_on_the_lakes_new_rows(
    lake_stack: Stack, small_dataset: data.Dataset
) -> None:
    client = MlflowClient(lake_stack.tracking_uri)
    _run_dag(lake_stack, "2026-12-07T00:00:00+00:00", {"as_of": WEEK_1})
    _run_dag(lake_stack, "2026-12-14T00:00:00+00:00", {"as_of": WEEK_2})
    versions = {v.version: v for v in client.search_model_versions(f"name = '{LAKE_MODEL}'")}
    assert set(versions) == {"1", "2"}
    (params_1, run_1), (params_2, run_2) = (_params_and_tags(client, versions[v]) for v in "12")
    assert (_tags(versions["1"])["as_of"], _tags(versions["2"])["as_of"]) == (
        "2018-10-08T00:00:00+00:00",
        "2018-10-15T00:00:00+00:00",
    )
    # Each week's rows: the historic days and the lake's, as of that week; different data.
    assert (params_1["window_test_end"], params_2["window_test_end"]) == (
        "2018-10-05",
        "2018-10-12",
    )
    assert int(params_1["lake_rows"]) > 0
    assert int(params_2["lake_rows"]) > int(params_1["lake_rows"])
    assert len({params_1["data_hash"], params_2["data_hash"], small_dataset.data_hash}) == 3
    # Week 2's candidate and week 1's champion were scored on week 2's newest labelled rows.
    assert _tags(versions["2"])["champion_version"] == "1"
    assert run_2["promotion_champion_rows_digest"] == run_2["promotion_rows_digest"]
    assert run_2["promotion_rows_digest"] != run_1["promotion_rows_digest"]
    # Whatever week 2 decided, the baseline stays the first champion.
    assert client.get_model_version_by_alias(LAKE_MODEL, "baseline").version == "1"

    # The same simulated week again (another logical date): its result is reused.
    _run_dag(lake_stack, "2026-12-21T00:00:00+00:00", {"as_of": WEEK_2})
    assert len(client.search_model_versions(f"name = '{LAKE_MODEL}'")) == 2
