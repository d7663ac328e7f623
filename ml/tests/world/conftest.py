"""Fixtures of the world's tests: the small preset replayed once, and a basis on it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from fraudops_ml import data
from fraudops_ml.simulate import FraudSchedule, Simulation, simulate_with_schedule
from fraudops_ml.world.days import CardholderReports, WorldBasis, build_basis

SMALL = data.PRESETS["small"]
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def replayed() -> tuple[Simulation, FraudSchedule]:
    """The small preset's historic simulation and its fraud schedule."""
    return simulate_with_schedule(SMALL)


@pytest.fixture(scope="session")
def history(replayed: tuple[Simulation, FraudSchedule]) -> pd.DataFrame:
    """The small preset's historic transactions."""
    return replayed[0].transactions


@pytest.fixture(scope="session")
def basis(replayed: tuple[Simulation, FraudSchedule]) -> WorldBasis:
    """The world's basis on the small preset, the default report rule."""
    return build_basis(replayed[0], replayed[1], SMALL, CardholderReports())


WORLD_SECTION = {
    "speed": 600,
    "fastSpeed": 4320,
    "scenario": "steady",
    "scenarioStartDay": 14,
    "feedbackDelayDays": 7,
    "cardholderReports": {"probability": 0.5, "minDays": 1, "maxDays": 3},
    "host": "127.0.0.1",
    "port": 19101,
    "stateFile": ".fraudops/world/state.json",
}


def write_config(directory: Path, world: dict[str, object] | None = None) -> Path:
    """A config file like the repository's, with a ``world`` section and the labels topic."""
    config = json.loads((REPO / "fraudops.config.json").read_text(encoding="utf-8"))
    config["stack"]["kafka"]["topics"]["labels"] = "labels"
    config["world"] = WORLD_SECTION if world is None else world
    config["retraining"]["preset"] = "small"
    config["data"]["dir"] = "data"
    path = directory / "fraudops.config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path
