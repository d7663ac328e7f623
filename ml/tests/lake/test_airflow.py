"""The week signal against a loopback HTTP server that answers as Airflow 3's api-server does."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fraudops_ml.lake import airflow

AS_OF = dt.datetime(2018, 10, 15)
WATERMARK = dt.datetime(2018, 10, 15, 0, 3, 2)


class FakeAirflow(BaseHTTPRequestHandler):
    """/auth/token, /api/v2/assets and /api/v2/assets/events, recording the requests."""

    seen: list[tuple[str, str, dict[str, str], Any]]
    assets: list[dict[str, Any]]

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.seen.append((self.command, self.path, dict(self.headers), body))

    def do_GET(self) -> None:
        self._record()
        if self.path == "/auth/token":
            self._answer(201, {"access_token": "all-admins-jwt"})
        elif self.path.startswith("/api/v2/assets?"):
            if self.headers.get("Authorization", "").startswith("Bearer "):
                self._answer(200, {"assets": self.assets, "total_entries": len(self.assets)})
            else:
                self._answer(401, {"detail": "Not authenticated"})
        else:
            self._answer(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        self._record()
        if self.path == "/auth/token":
            self._answer(201, {"access_token": "user-jwt"})
        elif self.path == "/api/v2/assets/events":
            self._answer(200, {"id": 42, "asset_id": self.seen[-1][3]["asset_id"]})
        else:
            self._answer(404, {"detail": "Not Found"})

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[FakeAirflow]]]:
    handler = type("Handler", (FakeAirflow,), {"seen": [], "assets": []})
    handler.assets = [
        {"id": 6, "name": "fraudops_lake_labelled_week_old", "uri": "x"},
        {"id": 7, "name": "fraudops_lake_labelled_week", "uri": "fraudops_lake_labelled_week"},
    ]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def test_an_asset_event_carries_the_simulated_as_of_date(
    server: tuple[str, type[FakeAirflow]],
) -> None:
    url, handler = server
    target = airflow.AirflowTarget(url, "fraudops_lake_labelled_week")
    assert airflow.signal_week(target, AS_OF, WATERMARK) == 42
    (method, path, headers, body) = handler.seen[-1]
    assert (method, path) == ("POST", "/api/v2/assets/events")
    assert headers["Authorization"] == "Bearer all-admins-jwt"
    assert body == {
        "asset_id": 7,
        "extra": {
            "as_of": "2018-10-15T00:00:00",
            "week_start": "2018-10-08T00:00:00",
            "labels_watermark": "2018-10-15T00:03:02",
        },
    }


def test_credentials_are_exchanged_for_a_token(server: tuple[str, type[FakeAirflow]]) -> None:
    url, handler = server
    target = airflow.AirflowTarget(url, "fraudops_lake_labelled_week", "lake", "pw")
    airflow.signal_week(target, AS_OF, WATERMARK)
    method, path, _, body = handler.seen[0]
    assert (method, path, body) == ("POST", "/auth/token", {"username": "lake", "password": "pw"})
    assert handler.seen[-1][2]["Authorization"] == "Bearer user-jwt"


def test_an_unknown_asset_is_an_error_naming_it(server: tuple[str, type[FakeAirflow]]) -> None:
    url, _ = server
    target = airflow.AirflowTarget(url, "no_such_asset")
    with pytest.raises(airflow.AirflowSignalError, match="no asset 'no_such_asset'"):
        airflow.signal_week(target, AS_OF, WATERMARK)


def test_an_unreachable_airflow_is_an_error() -> None:
    target = airflow.AirflowTarget("http://127.0.0.1:9", "fraudops_lake_labelled_week")
    with pytest.raises(airflow.AirflowSignalError, match=re.escape("http://127.0.0.1:9")):
        airflow.signal_week(target, AS_OF, WATERMARK)
