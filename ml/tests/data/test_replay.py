"""Replay lines are valid Transactions with JSON integers where the schema says integer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from fraudops_ml import contracts
from fraudops_ml.replay import write_replay


def test_replay_lines_are_valid_transactions(
    small_frame: pd.DataFrame, feature_order: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "replay.jsonl"
    start = dt.date(2018, 8, 8)
    count = write_replay(small_frame, out, start, 2, feature_order)
    lines = out.read_text().splitlines()
    assert count == len(lines) > 0

    schema = contracts.load_schema("transaction.schema.json")
    integer_fields = {k for k, v in schema["properties"].items() if v.get("type") == "integer"}
    validator = contracts.validator("transaction.schema.json")
    records = [json.loads(line) for line in lines]
    for record in records:
        validator.validate(record)
        for field in integer_fields & record.keys():
            assert type(record[field]) is int, (field, record[field])
    assert {"tx_fraud", "tx_fraud_scenario", *feature_order} <= records[0].keys()

    days = {r["tx_datetime"][:10] for r in records}
    assert days == {"2018-08-08", "2018-08-09"}
    ids = [r["transaction_id"] for r in records]
    assert ids == sorted(ids)
    expected = small_frame[
        (small_frame["tx_datetime"] >= pd.Timestamp(start))
        & (small_frame["tx_datetime"] < pd.Timestamp(start) + pd.Timedelta(days=2))
    ]
    assert len(records) == len(expected)
    assert sum(r["tx_fraud"] for r in records) == int(expected["tx_fraud"].sum())
