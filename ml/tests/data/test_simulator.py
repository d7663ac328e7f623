"""Properties of the simulator's output against the handbook's parameters."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fraudops_ml.simulate import Simulation, SimulationConfig, simulate
from tests.conftest import DATA_TEST_CONFIG

EXPECTED_DTYPES = {
    "transaction_id": "int64",
    "tx_datetime": "datetime64[ns]",
    "customer_id": "int64",
    "terminal_id": "int64",
    "tx_amount": "float64",
    "tx_time_seconds": "int64",
    "tx_time_days": "int64",
    "tx_fraud": "int64",
    "tx_fraud_scenario": "int64",
}
P_TIME_KEPT = 0.9692  # P(0 < N(43200, 20000) < 86400), from the normal CDF at +-2.16 sd


def test_columns_and_dtypes(sim: Simulation) -> None:
    tx = sim.transactions
    assert list(tx.columns) == list(EXPECTED_DTYPES)
    assert {c: str(t) for c, t in tx.dtypes.items()} == EXPECTED_DTYPES


def test_ids_unique_increasing_and_time_sorted(sim: Simulation) -> None:
    tx = sim.transactions
    assert np.array_equal(tx["transaction_id"].to_numpy(), np.arange(len(tx)))
    assert tx["tx_time_seconds"].is_monotonic_increasing


def test_times_within_the_day_and_consistent(sim: Simulation) -> None:
    tx = sim.transactions
    seconds = tx["tx_time_seconds"].to_numpy()
    in_day = seconds % 86_400
    assert (in_day > 0).all()
    assert np.array_equal(tx["tx_time_days"].to_numpy(), seconds // 86_400)
    assert tx["tx_time_days"].between(0, DATA_TEST_CONFIG.n_days - 1).all()
    expected = pd.Timestamp(DATA_TEST_CONFIG.start_date) + pd.to_timedelta(seconds, unit="s")
    assert (tx["tx_datetime"].to_numpy() == expected.to_numpy()).all()


def test_amounts_and_labels(sim: Simulation) -> None:
    tx = sim.transactions
    amount = tx["tx_amount"]
    assert (amount >= 0).all()
    assert np.allclose(amount * 100, np.round(amount * 100))  # 2 decimals
    assert set(tx["tx_fraud_scenario"].unique()) <= {0, 1, 2, 3}
    assert ((tx["tx_fraud"] == 1) == (tx["tx_fraud_scenario"] > 0)).all()
    assert (amount[tx["tx_fraud_scenario"] == 1] > 220).all()
    assert (tx.loc[amount > 220, "tx_fraud"] == 1).all()
    assert {1, 2, 3} <= set(tx["tx_fraud_scenario"].unique())


def test_genuine_amounts_follow_the_customer_profile(sim: Simulation) -> None:
    tx = sim.transactions[sim.transactions["tx_fraud_scenario"] != 3]
    mean = sim.customers.set_index("customer_id").loc[tx["customer_id"], "mean_amount"].to_numpy()
    ratio = tx["tx_amount"].to_numpy() / mean
    # amount/m = 1 + z/2 (z ~ N(0,1)), redrawn from U(0, 2) (mean 1) when z < -2, so
    # E = P(z >= -2) + phi(2)/2 + P(z < -2) * 1 = 1 + phi(2)/2
    expected = 1 + math.exp(-2) / math.sqrt(2 * math.pi) / 2
    assert ratio.mean() == pytest.approx(expected, abs=0.01)
    assert ratio.min() >= 0


def test_profiles_follow_the_book(sim: Simulation) -> None:
    c, t = sim.customers, sim.terminals
    assert c[["x", "y"]].stack().between(0, 100).all()
    assert t[["x", "y"]].stack().between(0, 100).all()
    assert c["mean_amount"].between(5, 100).all()
    assert np.allclose(c["std_amount"], c["mean_amount"] / 2)
    assert c["mean_nb_tx_per_day"].between(0, 4).all()


def test_terminals_are_within_radius_of_their_customer(sim: Simulation) -> None:
    tx = sim.transactions
    cust = sim.customers.set_index("customer_id").loc[tx["customer_id"], ["x", "y"]].to_numpy()
    term = sim.terminals.set_index("terminal_id").loc[tx["terminal_id"], ["x", "y"]].to_numpy()
    assert (np.hypot(*(cust - term).T) < DATA_TEST_CONFIG.radius).all()
    # customers without any terminal in range make no transactions
    lonely = sim.customers.loc[sim.customers["nb_terminals"] == 0, "customer_id"]
    assert not tx["customer_id"].isin(lonely).any()


def test_transactions_per_customer_day_are_poisson(sim: Simulation) -> None:
    tx, customers = sim.transactions, sim.customers
    days = DATA_TEST_CONFIG.n_days
    active = customers[customers["nb_terminals"] > 0].set_index("customer_id")
    counts = (
        tx.groupby(["customer_id", "tx_time_days"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=active.index, columns=range(days), fill_value=0)
    )
    # thinned Poisson: mean = mean_nb_tx_per_day * P(time kept), variance = mean
    expected = active["mean_nb_tx_per_day"].to_numpy() * P_TIME_KEPT
    total_expected = expected.sum() * days
    assert counts.to_numpy().sum() == pytest.approx(total_expected, abs=4 * np.sqrt(total_expected))
    busy = expected > 2
    dispersion = counts.to_numpy()[busy].var(axis=1, ddof=1) / expected[busy]
    assert dispersion.mean() == pytest.approx(1.0, abs=0.1)


def test_same_seed_same_data_other_seed_other_data(sim: Simulation) -> None:
    again = simulate(DATA_TEST_CONFIG)
    pd.testing.assert_frame_equal(again.transactions, sim.transactions)
    other = simulate(SimulationConfig(**{**DATA_TEST_CONFIG.__dict__, "seed": 8}))
    assert not other.transactions["tx_amount"].equals(sim.transactions["tx_amount"])


def test_book_sized_dataset_matches_the_book_scale() -> None:
    tx = simulate(SimulationConfig()).transactions
    # the handbook: 1,754,155 transactions and 14,681 frauds (0.84%) with these parameters;
    # 5000 customers * U(0,4) mean 2 tx/day * 183 days * P(time kept), sd ~ 15k
    assert 1_700_000 < len(tx) < 1_850_000
    assert 0.006 < tx["tx_fraud"].mean() < 0.011
    assert (tx["tx_time_days"].max(), tx["tx_datetime"].min().date().isoformat()) == (
        182,
        "2018-04-01",
    )
