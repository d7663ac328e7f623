"""The shared contract check (jsonschema-rs) gives jsonschema's verdict on every probe.

jsonschema is the reference implementation; the records are the contracts the world publishes
(Transaction without its labels, Label) and the lake reads (ScoredTransaction, Label).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fraudops_ml import contract_check, contracts
from fraudops_ml.lake import schema
from fraudops_ml.world import records

from .conftest import label, scored

T0 = dt.datetime(2018, 10, 1, 8)
PROBES: list[Any] = [
    None,
    True,  # a JSON boolean is not an integer, nor a number
    False,
    0,
    1,
    -1,
    1.0,  # Draft 7: an integer
    1.5,
    -0.5,
    2,
    3,
    220.5,
    1_000_001,
    9007199254740991,
    9007199254740992,
    2**64,
    -(2**63) - 1,
    1e308,
    "",
    "1",
    "01",
    "x",
    "2018-10-01 08:00:00",
    "2018-10-01T08:00:00Z",
    "2018-10-01T08:00:00.123+02:00",
    "2018-10-01",
    "2018-13-01 08:00:00",
    "cardholder-report",
    "feedback-delay",
    "Feedback-delay",
    "a" * 41,
    [],
    [1],
    {},
    {"a": 1},
]


def transaction() -> dict[str, Any]:
    """The world's transaction record: the contract's example without its labels."""
    example = contracts.load_schema(records.TRANSACTION_SCHEMA)["examples"][0]
    return {k: v for k, v in example.items() if k not in ("tx_fraud", "tx_fraud_scenario")}


def variants(record: dict[str, Any]) -> list[Any]:
    """The record; each field replaced by each probe; each field dropped; one unknown field."""
    out: list[Any] = [record, [], "x", None, {**record, "unknown": 1}]
    for name in record:
        out.append({k: v for k, v in record.items() if k != name})
        out += [{**record, name: probe} for probe in PROBES]
    return out


CASES = [
    (records.TRANSACTION_SCHEMA, transaction()),
    (records.TRANSACTION_SCHEMA, contracts.load_schema(records.TRANSACTION_SCHEMA)["examples"][0]),
    (schema.SCORED_TRANSACTIONS.contract, scored(7, T0)),
    (
        schema.SCORED_TRANSACTIONS.contract,
        {k: v for k, v in scored(8, T0).items() if k != "registry_version"},
    ),
    (records.LABEL_SCHEMA, label(7, T0, T0 + dt.timedelta(days=7), fraud=1)),
]


@pytest.mark.parametrize(
    ("contract", "record"),
    CASES,
    ids=["transaction", "transaction-labelled", "scored", "scored-no-registry-version", "label"],
)
def test_the_verdict_is_jsonschemas_on_every_probe(contract: str, record: dict[str, Any]) -> None:
    reference = contracts.validator(contract)
    check = contract_check.ContractCheck(contract)
    probes = variants(record)
    disagreements = [p for p in probes if check.is_valid(p) != reference.is_valid(p)]
    assert disagreements == []
    assert sum(check.is_valid(p) for p in probes) > 10  # probes of both verdicts
    assert sum(not check.is_valid(p) for p in probes) > 150


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"source": "guess"}, 'source: "guess" is not one of "cardholder-report" or "feedback'),
        ({"tx_fraud": True}, 'tx_fraud: true is not of type "integer"'),
        ({"transaction_id": "7"}, 'transaction_id: "7" is not of type "integer"'),
        ({"known_at": "2018-10-01"}, 'known_at: "2018-10-01" does not match "^'),
        ({"extra": 1}, "(record): Additional properties are not allowed ('extra' was unexpected)"),
        ({"source": None}, 'source: null is not of type "string"'),
    ],
)
def test_a_reason_names_the_field_and_the_rule(change: dict[str, Any], reason: str) -> None:
    check = contract_check.ContractCheck(records.LABEL_SCHEMA)
    assert check.reason(label(7, T0, T0)) is None
    found = check.reason(label(7, T0, T0) | change)
    assert found is not None
    assert found.startswith(reason)


def test_a_missing_field_is_named() -> None:
    check = contract_check.ContractCheck(records.LABEL_SCHEMA)
    missing = {k: v for k, v in label(7, T0, T0).items() if k != "source"}
    assert check.reason(missing) == '(record): "source" is a required property'
    assert check.reason([]) == '(record): [] is not of type "object"'


@pytest.mark.parametrize(
    "stamp",
    ["٢٠١٨-10-01 08:00:00", "2018-10-01 08:00:00\n"],
    ids=["arabic-indic-digits", "final-newline"],
)
def test_patterns_follow_ecma_262_not_pythons_re(stamp: str) -> None:
    # Python's re (jsonschema) lets \d match any script's digits and $ match before a final
    # newline; ECMA 262 (Draft 7's dialect, and the API's) does not, nor does fromisoformat: the
    # lake would crash on such a record instead of dead-lettering it.
    record = label(7, T0, T0) | {"tx_datetime": stamp}
    assert contracts.validator(records.LABEL_SCHEMA).is_valid(record)
    reason = contract_check.ContractCheck(records.LABEL_SCHEMA).reason(record)
    assert reason is not None
    assert reason.startswith("tx_datetime: ")
    with pytest.raises(ValueError, match="Invalid isoformat"):
        dt.datetime.fromisoformat(stamp)


def edited_contracts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Callable[[dict[str, Any]], None]
) -> None:
    """Point the contracts at a copy of them whose Label is changed by ``edit``."""
    shutil.copytree(contracts.contracts_dir(), tmp_path, dirs_exist_ok=True)
    path = tmp_path / records.LABEL_SCHEMA
    contract = json.loads(path.read_text(encoding="utf-8"))
    edit(contract)
    path.write_text(json.dumps(contract), encoding="utf-8")
    monkeypatch.setenv(contracts.CONTRACTS_ENV, str(tmp_path))


def test_a_ref_outside_the_contracts_is_refused_not_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def elsewhere(contract: dict[str, Any]) -> None:
        contract["properties"]["source"] = {"$ref": "https://fraudops.invalid/elsewhere.json"}

    edited_contracts(tmp_path, monkeypatch, elsewhere)
    with pytest.raises(ValueError, match=r"outside the contracts: https://fraudops\.invalid/"):
        contract_check.ContractCheck(records.LABEL_SCHEMA)


def test_a_contract_without_an_id_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited_contracts(tmp_path, monkeypatch, lambda contract: contract.pop("$id"))
    with pytest.raises(contracts.ContractError, match=r"label\.schema\.json has no \$id"):
        contract_check.ContractCheck(records.TRANSACTION_SCHEMA)
