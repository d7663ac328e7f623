"""Retrain the fraud detector on the newest window and promote it only when it is better.

Every candidate is logged to MLflow; the best is registered as a new version of the model;
the champion alias moves only when the new version beats the champion on the same newest test
week by the configured minimum gain. Settings come from ``$FRAUDOPS_CONFIG`` (the fraudops
config file) and ``$MLFLOW_TRACKING_URI``. The work happens in ``fraudops_ml.retraining``; this
file only wires the tasks (it is read from a git bundle, so it imports the installed package).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from airflow.sdk import dag, get_current_context, task

from fraudops_ml.retraining import pipeline
from fraudops_ml.retraining.settings import CONFIG_ENV, load_settings

DAG_ID = "fraud_model_retraining"
DEFAULT_SCHEDULE = "@weekly"
RETRY_ARGS: dict[str, Any] = {
    "retries": 2,
    "retry_delay": dt.timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": dt.timedelta(minutes=10),
}


def _schedule() -> str:
    # Without a config the DAG still parses (tasks then fail naming the missing variable).
    return load_settings().schedule if os.environ.get(CONFIG_ENV) else DEFAULT_SCHEDULE


def _run_context() -> pipeline.RunContext:
    context = get_current_context()
    logical_date = context.get("logical_date")
    dag_run = context["dag_run"]
    if logical_date is None:
        raise ValueError(f"DAG run {dag_run.run_id} has no logical date")
    return pipeline.RunContext(logical_date.isoformat(), str(dag_run.run_id))


@dag(
    dag_id=DAG_ID,
    schedule=_schedule(),
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    default_args=RETRY_ARGS,
    tags=["fraudops", "mlflow"],
    doc_md=__doc__,
)
def fraud_model_retraining() -> None:
    """The retraining pipeline."""

    @task
    def extract_window() -> dict[str, Any]:
        return pipeline.extract_window(load_settings(), _run_context())

    @task
    def build_features(state: dict[str, Any]) -> dict[str, Any]:
        return pipeline.build_features(state)

    @task
    def train_candidates(state: dict[str, Any]) -> dict[str, Any]:
        return pipeline.train_candidates(load_settings(), state)

    @task
    def evaluate_and_log(state: dict[str, Any]) -> dict[str, Any]:
        return pipeline.evaluate_and_log(load_settings(), _run_context(), state)

    @task
    def register_best(state: dict[str, Any]) -> dict[str, Any]:
        return pipeline.register_best(load_settings(), _run_context(), state)

    @task
    def promote_if_better(state: dict[str, Any]) -> dict[str, Any]:
        return pipeline.promote_if_better(load_settings(), state)

    # Each task passes its small JSON state to the next (an XComArg at parse time).
    state: Any = extract_window()
    for step in (
        build_features,
        train_candidates,
        evaluate_and_log,
        register_best,
        promote_if_better,
    ):
        state = step(state)


fraud_model_retraining()
