"""Dataset presets, the on-disk cache of simulated transactions and the data hash."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fraudops_ml.progress import Log, quiet, timed
from fraudops_ml.simulate import TRANSACTION_COLUMNS, SimulationConfig, simulate

PRESETS: dict[str, SimulationConfig] = {
    "default": SimulationConfig(),
    "small": SimulationConfig(n_customers=1_000, n_terminals=2_000),
}


@dataclass(frozen=True)
class Dataset:
    """A cached dataset.

    Attributes:
        transactions: the simulator's frame.
        config: its parameters.
        data_hash: ``sha256:<hex>`` of the frame.
        path: the parquet file.
    """

    transactions: pd.DataFrame
    config: SimulationConfig
    data_hash: str
    path: Path


def frame_sha256(tx: pd.DataFrame) -> str:
    """Hash of a transactions frame.

    Column names, then each column's values as little-endian int64 / float64 bytes (datetimes as
    int64 nanoseconds), in ``TRANSACTION_COLUMNS`` order.

    Args:
        tx: transactions.

    Returns:
        ``sha256:<64 hex>``.
    """
    digest = hashlib.sha256()
    for column in TRANSACTION_COLUMNS:
        series = tx[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            values = series.astype("datetime64[ns]").to_numpy().view(np.int64)
        elif pd.api.types.is_float_dtype(series):
            values = series.to_numpy(np.float64)
        else:
            values = series.to_numpy(np.int64)
        digest.update(column.encode() + b"\0")
        digest.update(np.ascontiguousarray(values.astype(values.dtype.newbyteorder("<"))).tobytes())
    return "sha256:" + digest.hexdigest()


def dataset_path(data_dir: Path, config: SimulationConfig) -> Path:
    """Where the dataset of ``config`` is cached.

    Args:
        data_dir: cache directory.
        config: dataset parameters.

    Returns:
        ``<data_dir>/transactions-<key>.parquet``.
    """
    return data_dir / f"transactions-{config.cache_key()}.parquet"


def write_transactions(tx: pd.DataFrame, path: Path) -> None:
    """Write a parquet file atomically (temp file, then rename).

    Args:
        tx: transactions.
        path: destination.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tx.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def read_transactions(path: Path) -> pd.DataFrame:
    """Read a transactions parquet file, normalising dtypes.

    Args:
        path: parquet file.

    Returns:
        The frame with ``TRANSACTION_COLUMNS``.
    """
    tx = pd.read_parquet(path)
    missing = [c for c in TRANSACTION_COLUMNS if c not in tx.columns]
    if missing:
        raise ValueError(f"{path} lacks columns {missing}")
    tx = tx[list(TRANSACTION_COLUMNS)].copy()
    tx["tx_datetime"] = tx["tx_datetime"].astype("datetime64[ns]")
    return tx


def load_or_simulate(data_dir: Path, config: SimulationConfig, log: Log = quiet) -> Dataset:
    """Load the cached dataset of ``config``, simulating and caching it first if missing.

    Args:
        data_dir: cache directory.
        config: dataset parameters.
        log: progress logger.

    Returns:
        The dataset.
    """
    path = dataset_path(data_dir, config)
    meta_path = path.with_suffix(".json")
    if path.exists():
        with timed(log, f"loading cached dataset {path}"):
            tx = read_transactions(path)
        return Dataset(tx, config, frame_sha256(tx), path)
    with timed(log, f"simulating {config.cache_key()}") as timing:
        tx = simulate(config).transactions
    log(f"{len(tx):,} transactions, {int(tx['tx_fraud'].sum()):,} frauds")
    data_hash = frame_sha256(tx)
    write_transactions(tx, path)
    meta: dict[str, Any] = {
        "config": dataclasses.asdict(config),
        "rows": len(tx),
        "frauds": int(tx["tx_fraud"].sum()),
        "data_hash": data_hash,
        "generation_seconds": round(timing["seconds"], 3),
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return Dataset(tx, config, data_hash, path)


def find_dataset(data_dir: Path, data_hash: str) -> tuple[Path, SimulationConfig] | None:
    """Find a cached dataset by hash, through the JSON sidecars written by ``load_or_simulate``.

    Args:
        data_dir: cache directory.
        data_hash: ``sha256:<hex>``.

    Returns:
        The parquet path and its parameters, or None.
    """
    for meta_path in sorted(data_dir.glob("transactions-*.json")):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        parquet = meta_path.with_suffix(".parquet")
        if meta.get("data_hash") == data_hash and parquet.exists():
            return parquet, SimulationConfig(**meta["config"])
    return None
