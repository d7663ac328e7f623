"""The live figures equal an offline recomputation from the lake, and survive a restart."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from fraudops_ml import contracts
from fraudops_ml.export import INPUT_NAME, PROBABILITY_OUTPUT, to_onnx
from fraudops_ml.lake import schema, tables
from fraudops_ml.quality import drift, exporter, recompute, service, shadow
from fraudops_ml.quality.settings import QualitySettings, load_quality_settings

from ..lake.conftest import label, lake_config, scored, write_config
from ..lake.test_read import land

DAY0 = dt.datetime(2018, 10, 1)
NOW = DAY0 + dt.timedelta(days=20, hours=12)  # the world's simulated clock
SWITCH = DAY0 + dt.timedelta(days=12, hours=12)  # m2 replaces m1 mid-day
PER_DAY = 240


def world_rows(rng: np.random.Generator) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Scores and the labels known by NOW: 21 days, two versions, early reports for frauds."""
    scores, labels = [], []
    for i in range(21 * PER_DAY):
        when = DAY0 + dt.timedelta(seconds=int(i * 86_400 / PER_DAY))
        fraud = int(rng.random() < 0.08)
        probability = float(np.clip(rng.normal(0.6 if fraud else 0.3, 0.2), 0, 1))
        features = {f: float(rng.normal(1.0, 1.0)) for f in contracts.model_features()[2:]}
        row = scored(i, when, **features, fraud_probability=probability)
        version = "m1" if when < SWITCH else "m2"
        row |= {"customer_id": int(rng.integers(0, 150)), "is_fraud": probability >= 0.5}
        row |= {"tx_amount": round(float(rng.uniform(5, 300)), 2), "model_version": version}
        del row["registry_version"]
        scores.append(row)
        early = fraud and rng.random() < 0.5
        known = when + dt.timedelta(days=float(rng.uniform(1, 3)) if early else 7)
        if known <= NOW:
            labels.append(label(i, when, known, fraud))
    return scores, sorted(labels, key=lambda r: r["known_at"])


def write_card(models: Path, version: str, rng: np.random.Generator) -> None:
    inputs = {
        f: drift.reference_of(rng.normal(1.0, 1.0, 5000)).to_json()
        for f in contracts.model_features()
    }
    card = {
        "version": version,
        "metrics": {
            "test": {"card_precision_at_100": 0.3, "average_precision": 0.6, "auc_roc": 0.8}
        },
        "reference": {
            "window": {"start": "2018-09-01", "end": "2018-09-08"},
            "inputs": inputs,
            "score": drift.reference_of(rng.uniform(0, 1, 5000)).to_json(),
        },
    }
    (models / version).mkdir(parents=True)
    (models / version / "model.json").write_text(json.dumps(card), encoding="utf-8")


@pytest.fixture
def quality(tmp_path: Path) -> QualitySettings:
    config = lake_config(tmp_path) | {
        "world": {"feedbackDelayDays": 7},
        "model": {"name": "fraud-detector", "modelsDir": "models"},
        "retraining": {"baselineAlias": "baseline"},
        "quality": {
            "intervalSeconds": 1,
            "finalDays": 7,
            "driftWindowHours": 24,
            "driftMinTransactions": 100,
            "metrics": {"host": "127.0.0.1", "port": 0},
        },
    }
    config["stack"]["mlflow"] = {"host": "127.0.0.1", "port": 1}
    rng = np.random.default_rng(11)
    write_card(tmp_path / "models", "m2", rng)  # m1 has no card: its figures come without drift
    settings = load_quality_settings(write_config(tmp_path, config), env={})
    scores, labels = world_rows(rng)
    land(settings.lake, schema.SCORED_TRANSACTIONS, scores)
    land(settings.lake, schema.LABELS, labels)
    write_baseline(tmp_path / "models", scores)
    return settings


def write_baseline(models: Path, scores: list[dict[str, Any]]) -> Path:
    """A small logistic regression on the rows' inputs, exported to ONNX as the baseline."""
    order = contracts.model_features()
    x = np.array([[row[f] for f in order] for row in scores[:2000]], dtype=np.float32)
    y = np.array([row["fraud_probability"] > 0.45 for row in scores[:2000]], dtype=np.int64)
    model = LogisticRegression(max_iter=200).fit(x, y)
    folder = models / "logistic-regression-baseline"
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(to_onnx(model, len(order)).SerializeToString())
    card = {
        "version": "logistic-regression-baseline",
        "feature_order": order,
        "threshold": {"value": 0.5},
        "metrics": {"test": {"card_precision_at_100": 0.2}},
        "artifact": {"input_name": INPUT_NAME, "probability_output": PROBABILITY_OUTPUT},
    }
    (folder / "model.json").write_text(json.dumps(card), encoding="utf-8")
    return folder


def live_samples(settings: QualitySettings) -> list[dict[str, Any]]:
    cycle = service.build_cycle(settings, lambda _line: None)
    cycle.cards.fetch = None  # the test's cards are files
    baseline = settings.models_dir / "logistic-regression-baseline"
    cycle.load_baseline = lambda: shadow.baseline_from_dir(baseline, "1")
    cycle.run_once()
    return exporter.samples(exporter.QualityCollector(cycle.snapshot))


def keyed(samples: list[dict[str, Any]]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s["name"], tuple(sorted(s["labels"].items()))): s["value"] for s in samples}


def test_every_live_figure_equals_its_offline_recomputation(quality: QualitySettings) -> None:
    live = keyed(live_samples(quality))
    watermark = dt.datetime.fromtimestamp(
        live[("fraudops_quality_labels_watermark_seconds", ())], dt.UTC
    ).replace(tzinfo=None)
    cards = service.build_cycle(quality, lambda _line: None).cards
    cards.fetch = None
    card = cards.card("m2", None)
    baseline = cards.card("logistic-regression-baseline", None)
    assert card is not None
    assert baseline is not None
    versions = {"m2": card, "logistic-regression-baseline": baseline}
    offline = keyed(
        recompute.recompute(tables.open_catalog(quality.lake), quality, watermark, versions)
    )
    compared = {k: v for k, v in live.items() if k[0] in {n for n, _ in offline}}
    assert compared.keys() == offline.keys()
    for key, value in offline.items():
        assert math.isclose(compared[key], value, rel_tol=0, abs_tol=1e-9), key
    names = {name for name, _ in offline}
    # Both versions were measured, the switch day for each; drift only where the card has bins.
    days = {dict(k[1])["day"] for k in offline if k[0] == "fraudops_quality_card_precision_at_100"}
    assert days == {f"2018-10-{d:02d}" for d in range(7, 14)}
    assert (
        "fraudops_quality_card_precision_at_100",
        (("day", "2018-10-13"), ("model_version", "m1"), ("role", "serving")),
    ) in offline
    assert (
        "fraudops_quality_card_precision_at_100",
        (("day", "2018-10-13"), ("model_version", "m2"), ("role", "serving")),
    ) in offline
    assert {
        "fraudops_drift_psi",
        "fraudops_drift_js_distance",
        "fraudops_quality_label_coverage",
    } <= names
    drifted = {dict(k[1])["model_version"] for k in offline if k[0] == "fraudops_drift_psi"}
    assert drifted == {"m2"}
    # The baseline in shadow: the same final days, on the same transactions, as role "shadow".
    shadow_days = {
        dict(k[1])["day"]
        for k in offline
        if k[0] == "fraudops_quality_labelled_transactions" and dict(k[1])["role"] == "shadow"
    }
    assert shadow_days == days
    for day in days:
        counted = {"serving": 0.0, "shadow": 0.0}
        for (name, labels), value in offline.items():
            if name == "fraudops_quality_labelled_transactions" and dict(labels)["day"] == day:
                counted[dict(labels)["role"]] += value
        assert counted["serving"] == counted["shadow"] > 0, day


def test_a_restart_and_a_redelivered_batch_change_nothing(quality: QualitySettings) -> None:
    before = keyed(live_samples(quality))
    # The same rows again (the sink's at-least-once redelivery), then a new process.
    rng = np.random.default_rng(11)
    write_card(quality.models_dir.parent / "unused", "m2", rng)  # advances rng as the fixture did
    scores, labels = world_rows(rng)
    land(quality.lake, schema.SCORED_TRANSACTIONS, scores[-500:])
    land(quality.lake, schema.LABELS, labels[-500:])
    assert keyed(live_samples(quality)) == before
    # The baseline scored each transaction once, however many cycles and restarts.
    catalog = tables.open_catalog(quality.lake)
    shadow_ids = (
        catalog.load_table(tables.identifier(quality.lake, schema.SHADOW_SCORED_TRANSACTIONS))
        .scan(selected_fields=("transaction_id",))
        .to_arrow()
        .column("transaction_id")
        .to_pylist()
    )
    assert len(shadow_ids) == len(set(shadow_ids)) > 0
