"""``python -m fraudops_ml world``: dry run, resume from the state file, clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fraudops_ml import cli

from .conftest import write_config

DAY = 86_400


def run(config: Path, *extra: str) -> int:
    return cli.main(["world", "--config", str(config), "--metrics-port", "0", *extra])


def read_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_config(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="module")
def three_days(config: Path) -> list[dict[str, object]]:
    out = config.parent / "three.jsonl"
    assert run(config, "--dry-run", "--out", str(out), "--speed", "0", "--days", "3") == 0
    return read_lines(out)


def test_a_dry_run_writes_what_would_be_published_in_event_time_order(
    three_days: list[dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    ats = [str(line["at"]) for line in three_days]
    assert ats == sorted(ats)
    tx = [line["value"] for line in three_days if line["topic"] == "transactions"]
    ids = [v["transaction_id"] for v in tx]  # type: ignore[index]
    assert ids[0] == 350_405  # the small preset's last id + 1
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    assert ats[0].startswith("2018-10-01")
    assert ats[-1].startswith("2018-10-03")
    assert any(line["topic"] == "labels" for line in three_days)


def test_a_resumed_world_continues_with_the_same_ids(
    config: Path, three_days: list[dict[str, object]], tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    base = ["--dry-run", "--speed", "0", "--state-file", str(state)]
    assert run(config, *base, "--out", str(first), "--days", "2") == 0
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert saved["simulated_date"] == "2018-10-03"  # through the end of 2018-10-02
    assert run(config, *base, "--out", str(second), "--days", "1") == 0
    assert read_lines(first) + read_lines(second) == three_days
    # Another scenario would give the same ids to other transactions: refused.
    assert run(config, *base, "--out", str(second), "--scenario", "card-testing") == 2


def test_sigterm_flushes_saves_the_state_and_a_restart_resumes_mid_day(
    config: Path, three_days: list[dict[str, object]], tmp_path: Path
) -> None:
    state, out = tmp_path / "state.json", tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "fraudops_ml", "world", "--config", str(config)]
    command += ["--metrics-port", "0", "--dry-run", "--out", str(out), "--state-file", str(state)]
    command += ["--speed", str(DAY / 20)]  # a simulated day in 20 s: stopped within the first
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not out.exists() and time.monotonic() < deadline:  # created once set up
            time.sleep(0.1)
        time.sleep(1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
    saved = json.loads(state.read_text(encoding="utf-8"))
    lines = read_lines(out)
    assert 0 < saved["transactions_published"] == len(lines)
    assert saved["published_through"] < "2018-10-02"
    assert max(str(line["at"]) for line in lines) <= saved["published_through"]
    # Resumed, the rest of the day follows: nothing lost, nothing twice.
    rest = tmp_path / "rest.jsonl"
    resume = ["--dry-run", "--out", str(rest), "--state-file", str(state), "--speed", "0"]
    assert run(config, *resume, "--days", "1") == 0
    first_day = [line for line in three_days if str(line["at"]) <= "2018-10-02 00:00:00"]
    assert lines + read_lines(rest) == first_day
