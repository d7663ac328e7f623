"""The retraining trigger: Alertmanager hands it quality and drift alerts; it starts the retraining.

The loop closes on what the model does, not only on the calendar: alerts labelled
``retrain="true"`` (monitoring/rules/model-quality.rules.yaml) reach this webhook (a route of
their own in Alertmanager, ``continue: true`` so that they also reach their usual receivers). For
a notification with at least one such alert firing, it starts a run of the retraining DAG through
Airflow's REST API with

* ``as_of``: the lake's labels' watermark (every label known before it has landed), so the run
  trains on everything that flowed and was labelled until the alert;
* ``trigger: "alert"`` and ``alerts``: the firing alerts' labels (alertname, model_version, ...).

The champion gate decides as always. Duplicates start nothing: a run queued or running already
(Alertmanager notifies a group again every group_interval, several alerts fire together) leaves the
request at ``in-progress``; the run id is derived from the watermark, so the same data never gets a
second alert-triggered run (``duplicate``). Without an Airflow URL (the stack without
``--airflow``), the request is only logged. Answers 503 when Airflow cannot be reached, so
Alertmanager retries.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest

from fraudops_ml.lake import airflow
from fraudops_ml.lake.settings import LakeSettings

RETRAIN_LABEL = ("retrain", "true")  # monitoring/src/alerts.ts RETRAIN_LABEL
Log = Callable[[str], None]
Watermark = Callable[[], dt.datetime | None]
# (run id, conf) -> outcome; raises AirflowSignalError.
Trigger = Callable[[str, dict[str, Any]], str]


class BadNotificationError(ValueError):
    """The body is not an Alertmanager webhook notification (the message names the field)."""


def retrain_alerts(payload: object) -> list[dict[str, str]]:
    """The labels of the firing alerts that ask for a retraining (pure).

    Args:
        payload: the decoded body of an Alertmanager webhook notification (version 4).

    Returns:
        Each such alert's labels, in the notification's order.

    Raises:
        BadNotificationError: when ``alerts`` or an alert's ``status``/``labels`` is missing or
            mistyped.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
        raise BadNotificationError("alerts: expected a list of alerts")
    found = []
    for index, alert in enumerate(payload["alerts"]):
        if not isinstance(alert, dict) or not isinstance(alert.get("labels"), dict):
            raise BadNotificationError(f"alerts[{index}].labels: expected an object")
        if not isinstance(alert.get("status"), str):
            raise BadNotificationError(f"alerts[{index}].status: expected a string")
        labels = {str(k): str(v) for k, v in alert["labels"].items()}
        if alert["status"] == "firing" and labels.get(RETRAIN_LABEL[0]) == RETRAIN_LABEL[1]:
            found.append(labels)
    return found


def run_id(as_of: dt.datetime) -> str:
    """Args: as_of: the watermark trained to. Returns: the DAG run id (one alert run per data)."""
    return f"alert__{as_of.strftime('%Y-%m-%dT%H:%M:%S')}"


def run_conf(as_of: dt.datetime, alerts: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """Args: as_of: the watermark; alerts: their labels. Returns: the DAG run's configuration."""
    return {"as_of": as_of.isoformat(), "trigger": "alert", "alerts": [dict(a) for a in alerts]}


@dataclass
class TriggerService:
    """Decides and acts on one notification; counts outcomes."""

    watermark: Watermark
    trigger: Trigger | None
    log: Log
    registry: CollectorRegistry

    def __post_init__(self) -> None:
        self.outcomes = Counter(
            "fraudops_retraining_triggers",
            "Alert notifications received, by what they did: started, in-progress (a run was "
            "queued or running), duplicate (this data had its run), logged (no Airflow), ignored "
            "(nothing to retrain for), failed (Airflow unreachable).",
            ["outcome"],
            registry=self.registry,
        )

    def handle(self, payload: object) -> str:
        """Args: payload: a notification. Returns: the outcome (see the metric's help)."""
        alerts = retrain_alerts(payload)
        mark = self.watermark() if alerts else None
        if not alerts or mark is None:
            outcome = "ignored"
        elif self.trigger is None:
            names = sorted({a.get("alertname", "?") for a in alerts})
            self.log(f"{', '.join(names)}: would retrain as of {mark} (no Airflow URL)")
            outcome = "logged"
        else:
            try:
                outcome = self.trigger(run_id(mark), run_conf(mark, alerts))
            except airflow.AirflowSignalError:
                self.outcomes.labels("failed").inc()
                raise
            self.log(
                f"{', '.join(sorted({a.get('alertname', '?') for a in alerts}))}: {outcome} "
                f"({run_id(mark)})"
            )
        self.outcomes.labels(outcome).inc()
        return outcome


def make_handler(service: TriggerService) -> type[BaseHTTPRequestHandler]:
    """Args: service: the trigger. Returns: the HTTP handler class (POST /alerts, GET /metrics)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: one line per outcome is logged by the service instead."""

        def _answer(self, code: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/metrics":
                self._answer(200, generate_latest(service.registry), CONTENT_TYPE_LATEST)
            elif self.path == "/health":
                self._answer(200, b'{"status":"ok"}')
            else:
                self._answer(404, b'{"error":"not found: GET /metrics, GET /health, POST /alerts"}')

        def do_POST(self) -> None:
            if self.path != "/alerts":
                self._answer(404, b'{"error":"not found: POST /alerts"}')
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                outcome = service.handle(json.loads(self.rfile.read(length) or b"null"))
            except (json.JSONDecodeError, BadNotificationError) as exc:
                self._answer(400, json.dumps({"error": str(exc)}).encode())
            except airflow.AirflowSignalError as exc:
                service.log(f"Airflow unreachable, Alertmanager will retry: {exc}")
                self._answer(503, json.dumps({"error": str(exc)}).encode())
            else:
                self._answer(200, json.dumps({"outcome": outcome}).encode())

    return Handler


def lake_watermark(settings: LakeSettings) -> Watermark:
    """Args: settings: the lake. Returns: a reader of its labels' watermark (one scan per call)."""
    from fraudops_ml.lake import tables, weeks
    from fraudops_ml.quality import reader

    def read() -> dt.datetime | None:
        catalog = tables.open_catalog(settings)
        return weeks.watermark(reader.newest_known_at(catalog, settings, None))

    return read


def airflow_trigger(settings: LakeSettings, dag_id: str) -> Trigger | None:
    """Args: settings: the lake (Airflow URL, credentials); dag_id: DAG. Returns: the trigger."""
    if settings.airflow_url is None:
        return None
    target = airflow.AirflowTarget(
        settings.airflow_url,
        settings.airflow_asset,
        settings.airflow_username,
        settings.airflow_password,
    )
    return lambda rid, conf: airflow.trigger_run(target, dag_id, rid, conf)


def serve(
    settings: LakeSettings, dag_id: str, host: str, port: int, stop: threading.Event | None = None
) -> int:
    """Serve until SIGTERM/SIGINT (or ``stop``). Returns: the exit code."""
    import signal

    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stop.set())

    def log(line: str) -> None:
        print(f"[retrain-trigger] {line}", file=sys.stderr, flush=True)

    service = TriggerService(
        lake_watermark(settings), airflow_trigger(settings, dag_id), log, CollectorRegistry()
    )
    server = ThreadingHTTPServer((host, port), make_handler(service))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    where = settings.airflow_url or "nowhere (no Airflow URL: logged only)"
    log(f"POST http://{host}:{port}/alerts starts {dag_id} on {where}")
    stop.wait()
    server.shutdown()
    log("stopped")
    return 0
