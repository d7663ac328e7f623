"""The retraining trigger: which alerts start a run, which duplicates are refused."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from fraudops_ml.lake import airflow
from fraudops_ml.retraining import trigger

MARK = dt.datetime(2018, 10, 20, 6, 30)


def notification(*alerts: tuple[str, dict[str, str]]) -> dict[str, Any]:
    """An Alertmanager webhook body (version 4) with (status, labels) alerts."""
    return {
        "version": "4",
        "status": "firing",
        "receiver": "retraining",
        "alerts": [{"status": s, "labels": labels, "annotations": {}} for s, labels in alerts],
    }


DRIFT = {"alertname": "FraudModelInputDrift", "input": "tx_amount", "retrain": "true"}
QUALITY = {"alertname": "FraudModelQualityDegraded", "model_version": "m1", "retrain": "true"}
PAGE = {"alertname": "ScoringApiSaturatedAtMaxReplicas", "severity": "critical"}


def test_only_firing_alerts_that_ask_for_it_count() -> None:
    body = notification(("firing", DRIFT), ("resolved", QUALITY), ("firing", PAGE))
    assert trigger.retrain_alerts(body) == [DRIFT]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "firing"}, "alerts"),
        ({"alerts": [{"status": "firing"}]}, r"alerts\[0\].labels"),
        ({"alerts": [{"labels": {}}]}, r"alerts\[0\].status"),
    ],
)
def test_a_body_that_is_no_notification_is_refused_naming_the_field(body: Any, field: str) -> None:
    with pytest.raises(trigger.BadNotificationError, match=field):
        trigger.retrain_alerts(body)


def service(outcome: str = "started") -> tuple[trigger.TriggerService, list[tuple[str, Any]]]:
    calls: list[tuple[str, Any]] = []

    def fake(run_id: str, conf: dict[str, Any]) -> str:
        calls.append((run_id, conf))
        return outcome

    return trigger.TriggerService(lambda: MARK, fake, lambda _: None, CollectorRegistry()), calls


def test_a_run_starts_as_of_the_watermark_with_the_alerts_in_its_conf() -> None:
    svc, calls = service()
    assert svc.handle(notification(("firing", DRIFT), ("firing", QUALITY))) == "started"
    assert calls == [
        (
            "alert__2018-10-20T06:30:00",
            {"as_of": "2018-10-20T06:30:00", "trigger": "alert", "alerts": [DRIFT, QUALITY]},
        )
    ]


def test_nothing_starts_without_an_alert_asking_or_before_the_first_label() -> None:
    svc, calls = service()
    assert svc.handle(notification(("firing", PAGE))) == "ignored"
    svc.watermark = lambda: None
    assert svc.handle(notification(("firing", DRIFT))) == "ignored"
    assert calls == []


class FakeAirflow(BaseHTTPRequestHandler):
    """/auth/token and /api/v2/dags/<dag>/dagRuns, with a set of existing runs."""

    runs: dict[str, str]  # run id -> state
    posted: list[Any]

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/auth/token":
            self._answer(201, {"access_token": "jwt"})
        elif self.path.startswith("/api/v2/dags/retrain/dagRuns?"):
            runs = [{"dag_run_id": k, "state": v} for k, v in self.runs.items()]
            wanted = [r for r in runs if f"state={r['state']}" in self.path]
            self._answer(200, {"dag_runs": wanted, "total_entries": len(wanted)})
        else:
            self._answer(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != "/api/v2/dags/retrain/dagRuns":
            self._answer(404, {"detail": "Not Found"})
        elif body["dag_run_id"] in self.runs:
            self._answer(409, {"detail": "exists"})
        else:
            self.posted.append(body)
            self.runs[body["dag_run_id"]] = "queued"
            self._answer(200, {"dag_run_id": body["dag_run_id"], "state": "queued"})


@pytest.fixture
def fake_airflow() -> Iterator[tuple[airflow.AirflowTarget, type[FakeAirflow]]]:
    handler = type("Handler", (FakeAirflow,), {"runs": {}, "posted": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield airflow.AirflowTarget(f"http://127.0.0.1:{server.server_port}", "asset"), handler
    server.shutdown()


def test_airflow_gets_one_run_and_refuses_duplicates(
    fake_airflow: tuple[airflow.AirflowTarget, type[FakeAirflow]],
) -> None:
    target, state = fake_airflow
    conf = trigger.run_conf(MARK, [DRIFT])
    assert airflow.trigger_run(target, "retrain", "alert__a", conf) == "started"
    assert state.posted == [{"dag_run_id": "alert__a", "logical_date": None, "conf": conf}]
    # Queued: a second alert (another id) starts nothing.
    assert airflow.trigger_run(target, "retrain", "alert__b", conf) == "in-progress"
    state.runs["alert__a"] = "success"
    # Finished: the same data (the same id) is not retrained twice; new data is.
    assert airflow.trigger_run(target, "retrain", "alert__a", conf) == "duplicate"
    assert airflow.trigger_run(target, "retrain", "alert__b", conf) == "started"
    assert [p["dag_run_id"] for p in state.posted] == ["alert__a", "alert__b"]


def test_the_webhook_answers_400_naming_the_field_and_503_when_airflow_is_down() -> None:
    svc, _ = service()

    def down(_run_id: str, _conf: dict[str, Any]) -> str:
        raise airflow.AirflowSignalError("http://127.0.0.1:1: connection refused")

    server = ThreadingHTTPServer(("127.0.0.1", 0), trigger.make_handler(svc))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/alerts"

    def post(body: bytes) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(url, data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    try:
        assert post(json.dumps(notification(("firing", DRIFT))).encode()) == (
            200,
            {"outcome": "started"},
        )
        status, answer = post(b'{"alerts": [{"status": "firing"}]}')
        assert (status, answer["error"]) == (400, "alerts[0].labels: expected an object")
        svc.trigger = down
        status, answer = post(json.dumps(notification(("firing", QUALITY))).encode())
        assert status == 503
        assert "connection refused" in answer["error"]
        with urllib.request.urlopen(url.replace("/alerts", "/metrics"), timeout=5) as response:
            text = response.read().decode()
        assert 'fraudops_retraining_triggers_total{outcome="started"} 1.0' in text
        assert 'fraudops_retraining_triggers_total{outcome="failed"} 1.0' in text
    finally:
        server.shutdown()
