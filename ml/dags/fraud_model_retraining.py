"""Retrain the fraud detector on the newest window and promote it only when it is better.

Every candidate is logged to MLflow; the best is registered as a new version of the model;
the champion alias moves only when the new version beats the champion on the same newest test
week by the configured minimum gain. Settings come from ``$FRAUDOPS_CONFIG`` (the fraudops
config file) and ``$MLFLOW_TRACKING_URI``.

It runs on its wall-clock schedule (``retraining.schedule``, production) or when the lake's asset
is updated (a simulated week of labels has landed, in the embedded stack's world), whichever comes
first. Each run trains on the newest window labelled as of its as-of date: the ``as_of`` of the
asset event that triggered it, else its logical date (a manual run may pass ``as_of`` in its conf).

The work happens in ``fraudops_ml.retraining``; this file only wires the tasks (it is read from
a git bundle, so it imports the installed package).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from airflow.sdk import (
    Asset,
    AssetOrTimeSchedule,
    CronTriggerTimetable,
    dag,
    get_current_context,
    task,
)

from fraudops_ml.retraining import pipeline
from fraudops_ml.retraining.as_of import RunFacts, resolve_as_of
from fraudops_ml.retraining.settings import (
    CONFIG_ENV,
    DEFAULT_LABELLED_WEEK_ASSET,
    Settings,
    load_settings,
)

DAG_ID = "fraud_model_retraining"
DEFAULT_SCHEDULE = "@weekly"
# The lake emits events on the asset by its name (lake.retrainingTrigger.asset); the URI only
# completes the asset's identity here.
LABELLED_WEEK_URI = "fraudops://lake/labelled-week"
RETRY_ARGS: dict[str, Any] = {
    "retries": 2,
    "retry_delay": dt.timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": dt.timedelta(minutes=10),
}


def _labelled_week(settings: Settings | None) -> Asset:
    name = DEFAULT_LABELLED_WEEK_ASSET if settings is None else settings.labelled_week_asset
    return Asset(name=name, uri=LABELLED_WEEK_URI)


def _schedule() -> AssetOrTimeSchedule:
    # Without a config the DAG still parses (tasks then fail naming the missing variable).
    settings = load_settings() if os.environ.get(CONFIG_ENV) else None
    cron = DEFAULT_SCHEDULE if settings is None else settings.schedule
    return AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(cron, timezone="UTC"), assets=[_labelled_week(settings)]
    )


def _run_context() -> pipeline.RunContext:
    context = get_current_context()
    dag_run = context["dag_run"]
    logical_date = context.get("logical_date")
    asset = _labelled_week(load_settings())
    events = context["triggering_asset_events"]
    facts = RunFacts(
        run_id=str(dag_run.run_id),
        logical_date=logical_date,
        run_after=getattr(dag_run, "run_after", None),
        conf=dag_run.conf or {},
        asset_extras=[event.extra for event in events.get(asset, ())],
    )
    return pipeline.RunContext(
        resolve_as_of(facts).isoformat(),
        facts.run_id,
        None if logical_date is None else logical_date.isoformat(),
    )


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
