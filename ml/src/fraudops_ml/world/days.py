"""One simulated day of the world, a pure function of (basis, scenario, day).

Each day draws from its own generators, seeded from ``SeedSequence(seed, spawn_key=(WORLD, day))``
and split into one stream per purpose, so that day d is the same whichever day the world
started at, and a scenario that draws more in one stream (more compromised terminals, card
tests) leaves the other streams untouched.

What the world takes from the historic dataset (``simulate_with_schedule`` replays it, and the
replay is checked against the cached dataset's hash):

* the customer and terminal profiles and each customer's terminals within the radius;
* the fraud schedule of its last days: a terminal compromised on historic day e stays
  compromised until e + terminal_compromise_days - 1, a card until
  e + customer_compromise_days - 1, also when that reaches into the world's days.

Frauds on a world day follow the handbook's rules, one day at a time: amount > 220 (scenario
1); every transaction at a compromised terminal (scenario 2); each transaction of a
compromised card is, with probability 1/3, a fraud with 5 times the amount (scenario 3: the
book takes exactly a third of the card's transactions over its whole compromise, which needs
future days; one Bernoulli per transaction is its day-by-day equivalent); card testing
(scenario 4) when the scenario says so. Later scenarios overwrite earlier ones, as in the book.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fraudops_ml.simulate import (
    SECONDS_PER_DAY,
    FraudSchedule,
    IntArray,
    Simulation,
    SimulationConfig,
    generate_transactions,
    terminals_within_radius,
)
from fraudops_ml.world import scenarios
from fraudops_ml.world.scenarios import Scenario

# Distinguishes the world's seed sequences from the historic simulator's default_rng(seed).
WORLD_STREAM = 0x57_4F_52_4C_44  # "WORLD"
# Scenario-3 share of a compromised card's transactions that are frauds.
CARD_FRAUD_SHARE = 1 / 3
CARD_FRAUD_AMOUNT_FACTOR = 5
SCENARIO_1_AMOUNT = 220
NO_REPORT = -1

DAY_COLUMNS = (
    "tx_datetime",
    "customer_id",
    "terminal_id",
    "tx_amount",
    "tx_time_seconds",
    "tx_time_days",
    "tx_fraud",
    "tx_fraud_scenario",
    "report_at",
)


@dataclass(frozen=True)
class CardholderReports:
    """When card holders report card frauds (scenarios 3 and 4) before the feedback delay.

    Attributes:
        probability: chance that one card fraud is reported by its card holder.
        min_days: shortest time from the fraud to the report, in days (> 0).
        max_days: longest time from the fraud to the report, in days.
    """

    probability: float = 0.5
    min_days: float = 1.0
    max_days: float = 3.0


@dataclass(frozen=True)
class WorldBasis:
    """What every world day is drawn from.

    Attributes:
        config: the historic dataset's parameters (seed, sizes, fraud parameters).
        customers: customer profiles (with nb_terminals).
        indptr: CSR row pointers of each customer's terminals.
        indices: CSR terminal ids.
        first_day: the world's first day (the historic dataset's n_days).
        history_terminals: terminals compromised on each historic day.
        history_customers: cards compromised on each historic day.
        reports: card-holder report parameters.
    """

    config: SimulationConfig
    customers: pd.DataFrame
    indptr: IntArray
    indices: IntArray
    first_day: int
    history_terminals: tuple[IntArray, ...]
    history_customers: tuple[IntArray, ...]
    reports: CardholderReports

    @property
    def start(self) -> np.datetime64:
        """The historic dataset's first instant (tx_time_seconds 0)."""
        return np.datetime64(self.config.start_date, "s")


@dataclass(frozen=True)
class DayStreams:
    """The random generators of one day, one per purpose."""

    genuine: np.random.Generator
    terminals: np.random.Generator
    cards: np.random.Generator
    card_frauds: np.random.Generator
    card_testing: np.random.Generator
    reports: np.random.Generator


def build_basis(
    history: Simulation,
    schedule: FraudSchedule,
    config: SimulationConfig,
    reports: CardholderReports,
) -> WorldBasis:
    """The world's basis from the replayed historic simulation.

    Args:
        history: ``simulate_with_schedule(config)``'s simulation.
        schedule: its fraud schedule.
        config: its parameters.
        reports: card-holder report parameters.

    Returns:
        The basis.
    """
    indptr, indices = terminals_within_radius(
        history.customers[["x", "y"]].to_numpy(np.float64),
        history.terminals[["x", "y"]].to_numpy(np.float64),
        config.radius,
    )
    return WorldBasis(
        config=config,
        customers=history.customers,
        indptr=indptr,
        indices=indices,
        first_day=config.n_days,
        history_terminals=tuple(schedule.terminals),
        history_customers=tuple(schedule.customers),
        reports=reports,
    )


def day_streams(seed: int, day: int) -> DayStreams:
    """Args: seed: the dataset's seed; day: the day. Returns: that day's generators."""
    children = np.random.SeedSequence(seed, spawn_key=(WORLD_STREAM, day)).spawn(6)
    return DayStreams(*(np.random.default_rng(c) for c in children))


def terminals_compromised_on(basis: WorldBasis, scenario: Scenario, day: int) -> IntArray:
    """Terminals compromised on ``day`` (from the history's schedule before the world's days).

    Args:
        basis: the world's basis.
        scenario: the scenario.
        day: the day.

    Returns:
        Terminal ids.
    """
    if day < basis.first_day:
        found = basis.history_terminals[day] if 0 <= day < len(basis.history_terminals) else None
        return np.zeros(0, np.int64) if found is None else found
    n = scenarios.compromised_terminals_per_day(
        scenario, basis.config.compromised_terminals_per_day, day
    )
    rng = day_streams(basis.config.seed, day).terminals
    return rng.choice(basis.config.n_terminals, n, replace=False).astype(np.int64)


def cards_compromised_on(basis: WorldBasis, day: int) -> IntArray:
    """Cards compromised on ``day`` (from the history's schedule before the world's days).

    Args:
        basis: the world's basis.
        day: the day.

    Returns:
        Customer ids.
    """
    if day < basis.first_day:
        found = basis.history_customers[day] if 0 <= day < len(basis.history_customers) else None
        return np.zeros(0, np.int64) if found is None else found
    rng = day_streams(basis.config.seed, day).cards
    n = basis.config.compromised_customers_per_day
    return rng.choice(basis.config.n_customers, n, replace=False).astype(np.int64)


def active_compromises(
    basis: WorldBasis, scenario: Scenario, day: int
) -> tuple[IntArray, IntArray]:
    """Terminals and cards compromised on ``day`` or recently enough to still be fraudulent.

    Args:
        basis: the world's basis.
        scenario: the scenario.
        day: the day.

    Returns:
        ``(terminals, cards)``, sorted unique ids.
    """
    config = basis.config
    terminal_days = range(day - config.terminal_compromise_days + 1, day + 1)
    card_days = range(day - config.customer_compromise_days + 1, day + 1)
    terminals = [terminals_compromised_on(basis, scenario, e) for e in terminal_days]
    cards = [cards_compromised_on(basis, e) for e in card_days]
    return np.unique(np.concatenate(terminals)), np.unique(np.concatenate(cards))


def genuine_transactions(
    basis: WorldBasis, scenario: Scenario, day: int, rng: np.random.Generator
) -> pd.DataFrame:
    """The day's genuine transactions, drawn as the historic simulator draws one day.

    Args:
        basis: the world's basis.
        scenario: the scenario (a spending shift scales the customers' amounts).
        day: the day.
        rng: the day's genuine stream.

    Returns:
        Frame sorted by time (stable) with customer_id, terminal_id, tx_amount,
        tx_time_seconds, tx_time_days.
    """
    customers = basis.customers
    factor = scenarios.amount_factor(scenario, day)
    if factor != 1.0:
        customers = customers.assign(
            mean_amount=customers["mean_amount"] * factor,
            std_amount=customers["std_amount"] * factor,
        )
    raw = generate_transactions(customers, basis.indptr, basis.indices, 1, rng)
    raw["tx_time_seconds"] += day * SECONDS_PER_DAY
    raw["tx_time_days"] = np.int64(day)
    order = np.argsort(raw["tx_time_seconds"].to_numpy(), kind="stable")
    return raw.iloc[order].reset_index(drop=True)


def label_handbook_frauds(
    tx: pd.DataFrame, terminals: IntArray, cards: IntArray, rng: np.random.Generator
) -> pd.DataFrame:
    """Apply scenarios 1, 2 and 3 to one day's genuine transactions.

    Args:
        tx: the day's transactions.
        terminals: compromised terminals active that day.
        cards: compromised cards active that day.
        rng: the day's card-frauds stream.

    Returns:
        A copy with tx_amount updated and tx_fraud_scenario set.
    """
    amount = tx["tx_amount"].to_numpy(np.float64).copy()
    scenario = np.zeros(len(tx), dtype=np.int64)
    scenario[amount > SCENARIO_1_AMOUNT] = 1
    scenario[np.isin(tx["terminal_id"].to_numpy(np.int64), terminals)] = 2
    draws = rng.random(len(tx))
    card_fraud = np.isin(tx["customer_id"].to_numpy(np.int64), cards) & (draws < CARD_FRAUD_SHARE)
    amount[card_fraud] = np.round(amount[card_fraud] * CARD_FRAUD_AMOUNT_FACTOR, 2)
    scenario[card_fraud] = 3
    return tx.assign(tx_amount=amount, tx_fraud_scenario=scenario)


def card_testing_transactions(
    basis: WorldBasis, scenario: Scenario, day: int, rng: np.random.Generator
) -> pd.DataFrame:
    """The day's card-testing frauds (scenario 4), none unless the scenario says so.

    Args:
        basis: the world's basis.
        scenario: the scenario.
        day: the day.
        rng: the day's card-testing stream.

    Returns:
        Frame with the columns of ``genuine_transactions`` plus tx_fraud_scenario.
    """
    n_cards = scenarios.card_testing_cards(scenario, basis.config.n_customers, day)
    cards = rng.choice(basis.config.n_customers, n_cards, replace=False).astype(np.int64)
    counts = 1 + rng.poisson(scenarios.CARD_TESTING_EXTRA_TX_MEAN, n_cards)
    burst = scenarios.CARD_TESTING_BURST_SECONDS
    starts = rng.integers(1, SECONDS_PER_DAY - burst, n_cards)
    customer = np.repeat(cards, counts)
    n = len(customer)
    seconds = np.repeat(starts, counts) + rng.integers(0, burst, n)
    amount = rng.uniform(scenarios.CARD_TESTING_MIN_AMOUNT, scenarios.CARD_TESTING_MAX_AMOUNT, n)
    return pd.DataFrame(
        {
            "customer_id": customer,
            "terminal_id": rng.integers(0, basis.config.n_terminals, n).astype(np.int64),
            "tx_amount": np.round(amount, 2),
            "tx_time_seconds": (seconds + day * SECONDS_PER_DAY).astype(np.int64),
            "tx_time_days": np.full(n, day, dtype=np.int64),
            "tx_fraud_scenario": np.full(n, scenarios.CARD_TESTING_FRAUD_SCENARIO, np.int64),
        }
    )


def report_times(
    tx: pd.DataFrame, reports: CardholderReports, rng: np.random.Generator
) -> IntArray:
    """When each card fraud is reported by its card holder (``NO_REPORT`` when never).

    Args:
        tx: the day's transactions with tx_fraud_scenario and tx_time_seconds.
        reports: report parameters.
        rng: the day's reports stream.

    Returns:
        int64 simulated seconds of the report, or ``NO_REPORT``.
    """
    card_fraud = np.flatnonzero(tx["tx_fraud_scenario"].to_numpy(np.int64) >= 3)
    reported = rng.random(len(card_fraud)) < reports.probability
    delay = rng.uniform(reports.min_days, reports.max_days, len(card_fraud)) * SECONDS_PER_DAY
    at = np.full(len(tx), NO_REPORT, dtype=np.int64)
    seconds = tx["tx_time_seconds"].to_numpy(np.int64)[card_fraud]
    at[card_fraud[reported]] = seconds[reported] + np.ceil(delay[reported]).astype(np.int64)
    return at


def simulate_day(basis: WorldBasis, scenario: Scenario, day: int) -> pd.DataFrame:
    """All transactions of one world day with their labels and report times.

    Args:
        basis: the world's basis.
        scenario: the scenario.
        day: the day (>= basis.first_day).

    Returns:
        Frame with ``DAY_COLUMNS``, sorted by time (stable; transaction ids not yet assigned).
    """
    streams = day_streams(basis.config.seed, day)
    terminals, cards = active_compromises(basis, scenario, day)
    genuine = genuine_transactions(basis, scenario, day, streams.genuine)
    tx = label_handbook_frauds(genuine, terminals, cards, streams.card_frauds)
    tx["report_at"] = report_times(tx, basis.reports, streams.reports)
    # Card tests draw their reports from their own stream: the other rows' stay as in steady.
    testing = card_testing_transactions(basis, scenario, day, streams.card_testing)
    testing["report_at"] = report_times(testing, basis.reports, streams.card_testing)
    tx = pd.concat([tx, testing], ignore_index=True)
    order = np.argsort(tx["tx_time_seconds"].to_numpy(), kind="stable")
    tx = tx.iloc[order].reset_index(drop=True)
    tx["tx_fraud"] = (tx["tx_fraud_scenario"].to_numpy(np.int64) > 0).astype(np.int64)
    seconds = tx["tx_time_seconds"].to_numpy(np.int64)
    tx["tx_datetime"] = pd.Series(basis.start + seconds.astype("timedelta64[s]")).astype(
        "datetime64[ns]"
    )
    return tx[list(DAY_COLUMNS)]
