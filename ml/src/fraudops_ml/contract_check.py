r"""The contract check of every record on a hot path: the world's and the lake sink's.

jsonschema (``contracts.validator``) stays the reference implementation and checks what is read
once (settings, datasets); per record it costs 100-850 µs, most of a simulated day's CPU and a
cap of a few thousand rows/s on the sink. jsonschema-rs, a maintained Rust implementation,
compiles each contract once and gives a verdict in a few µs. tests/lake/test_contract_check.py
compares its verdicts with jsonschema's on generated records of every contract used here.

Two differences are deliberate: Draft 7 patterns are ECMA 262 regular expressions, where ``\d``
is an ASCII digit and ``$`` is the end of the string, as in the scoring API's validator; Python's
``re`` (jsonschema) also accepts other scripts' digits and a final newline, which
``datetime.fromisoformat`` then rejects.
"""

from __future__ import annotations

from typing import Any, NoReturn

import jsonschema_rs

from fraudops_ml import contracts


def _never_fetch(uri: str) -> NoReturn:
    # Every contract is in the registry; a $ref elsewhere is a bug in the contracts, and a
    # validator must not reach the network to find out.
    raise contracts.ContractError(f"$ref outside the contracts: {uri}")


def registry() -> jsonschema_rs.Registry:
    """Every contract file under its ``$id``, so ``$ref`` between files resolves offline.

    Returns:
        The registry.

    Raises:
        ContractError: if a contract has no ``$id``.
    """
    resources = []
    for name in contracts.SCHEMA_FILES:
        schema = contracts.load_schema(name)
        if "$id" not in schema:
            raise contracts.ContractError(f"{name} has no $id")
        resources.append((str(schema["$id"]), schema))
    return jsonschema_rs.Registry(resources, retriever=_never_fetch)


class ContractCheck:
    """One contract, compiled once: a fast verdict, and a reason naming the field."""

    def __init__(self, name: str) -> None:
        """Args: name: the contract file (``contracts.contracts_dir()``)."""
        self.name = name
        self._validator = jsonschema_rs.validator_for(
            contracts.load_schema(name), registry=registry(), retriever=_never_fetch
        )

    def is_valid(self, record: Any) -> bool:
        """Args: record: a parsed JSON value. Returns: whether it satisfies the contract."""
        return self._validator.is_valid(record)

    def reason(self, record: Any) -> str | None:
        """Why a record fails (the first error), or None when it is valid.

        Args:
            record: a parsed JSON value.

        Returns:
            ``<field path or (record)>: <message>``, e.g. ``source: "guess" is not one of ...``.
        """
        if self._validator.is_valid(record):
            return None
        error = next(iter(self._validator.iter_errors(record)))
        where = "/".join(str(p) for p in error.instance_path) or "(record)"
        return f"{where}: {error.message}"
