"""Shared, session-scoped fixtures: one small dataset, one training run, one export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from fraudops_ml import contracts, data, export, train
from fraudops_ml.features import add_features
from fraudops_ml.simulate import Simulation, SimulationConfig, simulate

DATA_TEST_CONFIG = SimulationConfig(n_customers=400, n_terminals=800, n_days=60, seed=7)


@pytest.fixture(scope="session")
def feature_order() -> list[str]:
    """The contract's model inputs."""
    return contracts.model_features()


@pytest.fixture(scope="session")
def sim() -> Simulation:
    """A small seeded simulation for data-property tests."""
    return simulate(DATA_TEST_CONFIG)


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> data.Dataset:
    """The ``small`` preset, cached in a temporary data directory (as the CLI would)."""
    return data.load_or_simulate(tmp_path_factory.mktemp("data"), data.PRESETS["small"])


@pytest.fixture(scope="session")
def small_frame(small_dataset: data.Dataset) -> pd.DataFrame:
    """The small preset with the 15 features."""
    return add_features(small_dataset.transactions)


@pytest.fixture(scope="session")
def trained(small_frame: pd.DataFrame, feature_order: list[str]) -> train.TrainingResult:
    """One full training run on the small preset."""
    start = train.protocol_start(dt.date.fromisoformat(data.PRESETS["small"].start_date))
    return train.train(small_frame, feature_order, start, seed=0)


@pytest.fixture(scope="session")
def exported(
    trained: train.TrainingResult,
    small_dataset: data.Dataset,
    tmp_path_factory: pytest.TempPathFactory,
) -> export.ExportResult:
    """The chosen model exported into a temporary models directory."""
    models_dir: Path = tmp_path_factory.mktemp("models")
    return export.export_model(trained, small_dataset.data_hash, models_dir)
