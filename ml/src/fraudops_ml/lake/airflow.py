"""Tell Airflow that a simulated week of labels has landed: an asset event through its REST API.

Airflow 3's public API (``/api/v2``) creates an asset event with ``POST /assets/events``
(``{"asset_id": ..., "extra": {...}}``); the scheduler then queues a run of every DAG scheduled
on that asset. Asset-triggered runs have no logical date (Airflow 3 creates them with
``logical_date=None``), so the simulated "as of" date travels in the event's ``extra`` and the DAG
reads it from ``triggering_asset_events``. The API wants a JWT: ``POST /auth/token`` with a
username and password, or ``GET /auth/token`` when the simple auth manager makes everyone admin
(the embedded stack).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

AS_OF_KEY = "as_of"
TIMEOUT_SECONDS = 10.0


class AirflowSignalError(RuntimeError):
    """Airflow answered unexpectedly or not at all."""


@dataclass(frozen=True)
class AirflowTarget:
    """Where and as whom to signal.

    Attributes:
        url: the api-server base URL (``http://127.0.0.1:19099``).
        asset: the asset's name.
        username: for ``POST /auth/token``; None: ``GET /auth/token`` (all-admins mode).
        password: its password.
    """

    url: str
    asset: str
    username: str | None = None
    password: str | None = None


def event_extra(as_of: dt.datetime, watermark: dt.datetime) -> dict[str, str]:
    """The event's ``extra``: what the DAG reads.

    Args:
        as_of: the closed week boundary (simulated): every label known at or before it landed.
        watermark: the labels' watermark when the event was sent.

    Returns:
        ``{"as_of": "YYYY-MM-DDTHH:MM:SS", "week_start": ..., "labels_watermark": ...}``.
    """
    return {
        AS_OF_KEY: as_of.isoformat(),
        "week_start": (as_of - dt.timedelta(days=7)).isoformat(),
        "labels_watermark": watermark.isoformat(),
    }


Send = Callable[[urllib.request.Request], Any]


def _send(request: urllib.request.Request) -> Any:
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        return json.loads(response.read() or b"null")


def _request(
    url: str, method: str, body: Any = None, token: str | None = None
) -> urllib.request.Request:
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    return urllib.request.Request(url, data=data, headers=headers, method=method)


def token(target: AirflowTarget, send: Send) -> str:
    """Args: target: Airflow; send: HTTP. Returns: a JWT for the public API."""
    if target.username:
        body = {"username": target.username, "password": target.password or ""}
        answer = send(_request(f"{target.url}/auth/token", "POST", body))
    else:
        answer = send(_request(f"{target.url}/auth/token", "GET"))
    if not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str):
        raise AirflowSignalError(f"{target.url}/auth/token gave no access_token")
    return str(answer["access_token"])


def asset_id(target: AirflowTarget, jwt: str, send: Send) -> int:
    """Args: target: Airflow; jwt: token; send: HTTP. Returns: the asset's id (by exact name)."""
    query = urllib.parse.urlencode({"name_pattern": target.asset, "limit": 100})
    answer = send(_request(f"{target.url}/api/v2/assets?{query}", "GET", token=jwt))
    for asset in answer.get("assets", []) if isinstance(answer, dict) else []:
        if asset.get("name") == target.asset:
            return int(asset["id"])
    raise AirflowSignalError(
        f"Airflow knows no asset {target.asset!r}: is a DAG scheduled on it parsed?"
    )


def signal_week(
    target: AirflowTarget, as_of: dt.datetime, watermark: dt.datetime, send: Send = _send
) -> int:
    """Create the asset event for one closed simulated week.

    Args:
        target: Airflow.
        as_of: the closed week boundary.
        watermark: the labels' watermark.
        send: HTTP (urllib by default; tests pass their own).

    Returns:
        The asset event's id.

    Raises:
        AirflowSignalError: when Airflow cannot be reached or answers unexpectedly.
    """
    try:
        jwt = token(target, send)
        body = {"asset_id": asset_id(target, jwt, send), "extra": event_extra(as_of, watermark)}
        answer = send(_request(f"{target.url}/api/v2/assets/events", "POST", body, token=jwt))
    except OSError as exc:  # urllib's URLError and HTTPError are OSErrors
        raise AirflowSignalError(f"{target.url}: {exc}") from exc
    if not isinstance(answer, dict) or "id" not in answer:
        raise AirflowSignalError(f"{target.url}/api/v2/assets/events: unexpected answer")
    return int(answer["id"])


# --- DAG runs: what the retraining trigger (fraudops_ml.retraining.trigger) asks of the API ---

ACTIVE_STATES = ("queued", "running")


def active_runs(target: AirflowTarget, dag_id: str, jwt: str, send: Send = _send) -> list[str]:
    """Args: target: Airflow; dag_id: DAG; jwt: token; send: HTTP. Returns: queued/running runs."""
    query = urllib.parse.urlencode([("state", s) for s in ACTIVE_STATES] + [("limit", 100)])
    answer = send(_request(f"{target.url}/api/v2/dags/{dag_id}/dagRuns?{query}", "GET", token=jwt))
    runs = answer.get("dag_runs", []) if isinstance(answer, dict) else []
    return [str(r["dag_run_id"]) for r in runs if r.get("state") in ACTIVE_STATES]


def trigger_run(
    target: AirflowTarget, dag_id: str, run_id: str, conf: dict[str, Any], send: Send = _send
) -> str:
    """Start a DAG run unless one is queued or running already.

    Args:
        target: Airflow.
        dag_id: the DAG.
        run_id: the new run's id (a run of that id that exists already is not started twice).
        conf: the run's configuration.
        send: HTTP.

    Returns:
        ``started``, ``in-progress`` (another run is queued or running: nothing started) or
        ``duplicate`` (a run of that id exists).

    Raises:
        AirflowSignalError: when Airflow cannot be reached or answers unexpectedly.
    """
    try:
        jwt = token(target, send)
        if active_runs(target, dag_id, jwt, send):
            return "in-progress"
        body = {"dag_run_id": run_id, "logical_date": None, "conf": conf}
        send(_request(f"{target.url}/api/v2/dags/{dag_id}/dagRuns", "POST", body, token=jwt))
    except urllib.error.HTTPError as exc:
        if exc.code == 409:  # a run of this id exists: the same alert for the same data
            return "duplicate"
        raise AirflowSignalError(f"{target.url}: {exc}") from exc
    except OSError as exc:
        raise AirflowSignalError(f"{target.url}: {exc}") from exc
    return "started"
