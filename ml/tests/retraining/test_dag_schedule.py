"""The DAG's schedule: @weekly (the config's) or the lake's asset; the first run at once; and
the as-of date each kind of run gets from its task context.

A new deployment (the cluster's Airflow, or ``fraudops up --airflow``) has no champion until the
DAG has run once, and the scoring replicas stay not-ready until then. With ``catchup=False`` and a
``start_date`` in the past, Airflow's cron timetable schedules the most recent cron point at once
instead of waiting up to a week for the next one: this pins that behaviour on the DAG as written,
with the config's schedule, as the scheduler sees it (serialized).

Besides the wall clock, a run is due when the lake updates its asset (a simulated week of labels
landed): the schedule is Airflow's AssetOrTimeSchedule over the cron and that asset. A run the
asset triggered has no logical date in Airflow 3: its as-of date is the event's ``extra.as_of``,
read from the task context's ``triggering_asset_events`` (built here by Airflow's own accessor).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from fraudops_ml.retraining.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[3]
DAG_FILE = REPO_ROOT / "ml" / "dags" / "fraud_model_retraining.py"

# Run in a child process: importing Airflow reads AIRFLOW_HOME and its config once per process.
PROBE = """
import datetime as dt, importlib.util, json, sys
from airflow.serialization.serialized_objects import DagSerialization
from airflow.timetables.base import TimeRestriction
spec = importlib.util.spec_from_file_location("dag_under_test", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
# The decorated function builds the DAG the file registers; the scheduler sees it serialized.
dag = DagSerialization.from_dict(DagSerialization.to_dict(module.fraud_model_retraining()))
now = dt.datetime.now(dt.UTC)
info = dag.timetable.next_dagrun_info(
    last_automated_data_interval=None,
    restriction=TimeRestriction(earliest=dag.start_date, latest=None, catchup=dag.catchup),
)
later = dag.timetable.next_dagrun_info(
    last_automated_data_interval=info.data_interval,
    restriction=TimeRestriction(earliest=dag.start_date, latest=None, catchup=dag.catchup),
)
assets = list(dag.timetable.asset_condition.iter_assets()) if hasattr(
    dag.timetable, "asset_condition") else []
print(json.dumps({
    "timetable": type(dag.timetable).__name__,
    "cron": getattr(getattr(dag.timetable, "timetable", None), "summary", None),
    "assets": [[key.name, key.uri] for key, _ in assets],
    "now": now.isoformat(),
    "first_run_after": info.run_after.isoformat(),
    "second_run_after": later.run_after.isoformat(),
    "paused_upon_creation": dag.is_paused_upon_creation,
    "contexts": run_contexts(module, assets),
}))
"""

# The task context of three runs: scheduled, asset-triggered, manual with conf; what the DAG's
# tasks make of it (pipeline.RunContext).
RUN_CONTEXTS = """
def run_contexts(module, assets):
    import types
    from airflow.sdk.execution_time.comms import AssetEventDagRunReferenceResult
    from airflow.sdk.execution_time.context import TriggeringAssetEventsAccessor

    def event(name, uri, as_of):
        return AssetEventDagRunReferenceResult(
            asset={"name": name, "uri": uri, "extra": {}}, extra={"as_of": as_of},
            source_task_id=None, source_dag_id=None, source_run_id=None, source_map_index=None,
            source_aliases=[], timestamp=dt.datetime(2026, 12, 3, tzinfo=dt.UTC))

    (key, _), = assets
    sunday = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    wall = dt.datetime(2026, 12, 3, 11, tzinfo=dt.UTC)
    runs = {
        "scheduled": (sunday, sunday, {}, []),
        "asset_triggered": (None, wall, {}, [
            event(key.name, key.uri, "2018-10-15T00:00:00"),
            event(key.name, key.uri, "2018-10-22T00:00:00"),
            event("another", "other://asset", "2030-01-01T00:00:00"),
        ]),
        "manual": (sunday, wall, {"as_of": "2018-10-29T00:00:00"}, []),
    }
    out = {}
    for name, (logical, run_after, conf, events) in runs.items():
        dag_run = types.SimpleNamespace(run_id=name + "__x", run_after=run_after, conf=conf)
        context = {"dag_run": dag_run, "logical_date": logical,
                   "triggering_asset_events": TriggeringAssetEventsAccessor.build(events)}
        module.get_current_context = lambda context=context: context
        run = module._run_context()
        out[name] = [run.as_of, run.logical_date, run.dag_run_id]
    return out
"""


def test_the_schedule_is_weekly_or_the_lakes_asset_and_each_run_knows_its_as_of_date(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "FRAUDOPS_CONFIG": str(REPO_ROOT / "fraudops.config.json"),
    }
    command = [sys.executable, "-c", RUN_CONTEXTS + PROBE, str(DAG_FILE)]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    probe = json.loads(output.strip().splitlines()[-1])
    now = dt.datetime.fromisoformat(probe["now"])
    first = dt.datetime.fromisoformat(probe["first_run_after"])
    second = dt.datetime.fromisoformat(probe["second_run_after"])
    # Due already (the scheduler starts it on its next loop); the next one on the next cron point.
    assert first <= now < second
    # The DAG does not ask to be created paused: the deployments' setting decides (both unpause it).
    assert probe["paused_upon_creation"] is None
    # The wall-clock schedule, or the lake's asset (named by the config) when a week has landed.
    settings = load_settings({"FRAUDOPS_CONFIG": env["FRAUDOPS_CONFIG"]})
    assert probe["timetable"] == "AssetOrTimeSchedule"
    assert settings.schedule == "@weekly"
    assert probe["cron"] == "0 0 * * 0"  # Airflow's expansion of @weekly: Sundays, 00:00 UTC
    assert probe["assets"] == [[settings.labelled_week_asset, "fraudops://lake/labelled-week"]]
    # Scheduled: its logical date. Asset-triggered: the newest as_of of the lake's own events,
    # never the wall clock, never another asset's. Manual: the conf's as_of.
    assert probe["contexts"] == {
        "scheduled": ["2026-11-22T00:00:00+00:00", "2026-11-22T00:00:00+00:00", "scheduled__x"],
        "asset_triggered": ["2018-10-22T00:00:00+00:00", None, "asset_triggered__x"],
        "manual": ["2018-10-29T00:00:00+00:00", "2026-11-22T00:00:00+00:00", "manual__x"],
    }
