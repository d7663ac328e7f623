"""Lake fixtures: settings from a temporary config file (a fresh lake under tmp_path), records."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from fraudops_ml.lake.settings import LakeSettings, load_lake_settings


def lake_config(state: Path) -> dict[str, Any]:
    """A config file's lake section (and the parts of stack it reads), under ``state``."""
    return {
        "stack": {
            "kafka": {
                "host": "127.0.0.1",
                "port": 19092,
                "topics": {
                    "transactions": "transactions",
                    "scores": "scores",
                    "labels": "labels",
                    "lakeDeadLetter": "lake.dead-letter",
                },
            }
        },
        "lake": {
            "catalog": {
                "name": "fraudops",
                "uri": f"sqlite:///{state}/lake/catalog.db",
                "warehouse": f"{state}/lake/warehouse",
            },
            "namespace": "fraudops",
            "tables": {
                "scoredTransactions": "scored_transactions",
                "labels": "labels",
                "shadowScoredTransactions": "shadow_scored_transactions",
            },
            "sink": {
                "groupId": "fraudops-lake-sink",
                "batchMaxRows": 5000,
                "batchMaxSeconds": 5,
            },
            "retention": {"rowDays": 120, "snapshotHours": 24},
            "metrics": {"host": "127.0.0.1", "port": 0},
            "retrainingTrigger": {
                "weekEndsBefore": "monday",
                "airflowUrl": None,
                "asset": "fraudops_lake_labelled_week",
            },
        },
    }


def write_config(path: Path, config: dict[str, Any]) -> Path:
    """Write ``config`` as fraudops.config.json in ``path``."""
    file = path / "fraudops.config.json"
    file.write_text(json.dumps(config), encoding="utf-8")
    return file


@pytest.fixture
def settings(tmp_path: Path) -> LakeSettings:
    """Settings from a temporary config file with a fresh lake under tmp_path."""
    return load_lake_settings(write_config(tmp_path, lake_config(tmp_path)), env={})


FEATURES_EXAMPLE: dict[str, Any] = {
    "tx_during_weekend": 0,
    "tx_during_night": 1,
    "customer_id_nb_tx_1day_window": 5,
    "customer_id_avg_amount_1day_window": 29.72,
    "customer_id_nb_tx_7day_window": 24,
    "customer_id_avg_amount_7day_window": 37.67,
    "customer_id_nb_tx_30day_window": 83,
    "customer_id_avg_amount_30day_window": 35.7,
    "terminal_id_nb_tx_1day_window": 1,
    "terminal_id_risk_1day_window": 0.0,
    "terminal_id_nb_tx_7day_window": 5,
    "terminal_id_risk_7day_window": 0.0,
    "terminal_id_nb_tx_30day_window": 21,
    "terminal_id_risk_30day_window": 0.0,
}


def fmt(when: dt.datetime) -> str:
    """The contracts' simulated-time format."""
    return when.strftime("%Y-%m-%d %H:%M:%S")


def scored(tx_id: int, when: dt.datetime, **extra: Any) -> dict[str, Any]:
    """A valid ScoredTransaction."""
    return {
        "transaction_id": tx_id,
        "tx_datetime": fmt(when),
        "customer_id": tx_id % 97,
        "terminal_id": tx_id % 89,
        "tx_amount": 10.0 + tx_id % 50,
        **FEATURES_EXAMPLE,
        "fraud_probability": (tx_id % 100) / 100,
        "is_fraud": tx_id % 100 >= 50,
        "model_version": "m1",
        "registry_version": "1",
        **extra,
    }


def label(tx_id: int, when: dt.datetime, known_at: dt.datetime, fraud: int = 0) -> dict[str, Any]:
    """A valid Label."""
    return {
        "transaction_id": tx_id,
        "tx_datetime": fmt(when),
        "tx_fraud": fraud,
        "tx_fraud_scenario": 1 if fraud else 0,
        "known_at": fmt(known_at),
        "source": "feedback-delay",
    }
