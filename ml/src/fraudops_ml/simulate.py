"""The transaction simulator of the handbook, vectorised with numpy.

"Reproducible Machine Learning for Credit Card Fraud Detection" (Le Borgne et al., chapter 3.2).

The distributions are the book's; the random streams are not (one explicitly seeded
``numpy.random.Generator`` replaces the book's per-customer ``np.random.seed`` loops), so the
data are statistically equivalent, not bitwise equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

SECONDS_PER_DAY = 86_400

TRANSACTION_COLUMNS = (
    "transaction_id",
    "tx_datetime",
    "customer_id",
    "terminal_id",
    "tx_amount",
    "tx_time_seconds",
    "tx_time_days",
    "tx_fraud",
    "tx_fraud_scenario",
)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SimulationConfig:
    """Parameters of one simulated dataset (defaults are the book's).

    Attributes:
        n_customers: number of customer (card) profiles.
        n_terminals: number of terminal profiles.
        n_days: number of simulated days.
        start_date: first day, ``YYYY-MM-DD``.
        radius: customers use terminals closer than this (Euclidean, on the 100x100 grid).
        seed: seed of the random generator.
        compromised_terminals_per_day: scenario 2, terminals compromised each day.
        terminal_compromise_days: scenario 2, days a compromised terminal stays fraudulent.
        compromised_customers_per_day: scenario 3, customers compromised each day.
        customer_compromise_days: scenario 3, days a compromised card stays fraudulent.
    """

    n_customers: int = 5_000
    n_terminals: int = 10_000
    n_days: int = 183
    start_date: str = "2018-04-01"
    radius: float = 5.0
    seed: int = 0
    compromised_terminals_per_day: int = 2
    terminal_compromise_days: int = 28
    compromised_customers_per_day: int = 3
    customer_compromise_days: int = 14

    def cache_key(self) -> str:
        """A file-name-safe key identifying the dataset these parameters produce.

        Returns:
            e.g. ``c5000-t10000-d183-s2018-04-01-r5-seed0``.
        """
        key = (
            f"c{self.n_customers}-t{self.n_terminals}-d{self.n_days}-s{self.start_date}"
            f"-r{self.radius:g}-seed{self.seed}"
        )
        book_fraud = (2, 28, 3, 14)
        fraud = (
            self.compromised_terminals_per_day,
            self.terminal_compromise_days,
            self.compromised_customers_per_day,
            self.customer_compromise_days,
        )
        if fraud != book_fraud:
            key += "-f" + "_".join(str(v) for v in fraud)
        return key


@dataclass(frozen=True)
class Simulation:
    """The simulator's output.

    Attributes:
        customers: customer profiles (customer_id, x, y, mean_amount, std_amount,
            mean_nb_tx_per_day, nb_terminals).
        terminals: terminal profiles (terminal_id, x, y).
        transactions: the transactions, sorted by time, with the course's column names.
    """

    customers: pd.DataFrame
    terminals: pd.DataFrame
    transactions: pd.DataFrame


@dataclass(frozen=True)
class FraudSchedule:
    """Which terminals and cards ``add_frauds`` compromised on which day.

    The labels alone cannot tell (a compromised terminal may see no transaction), and the world
    (``fraudops_ml.world``) continues the compromises still running on the last simulated day.

    Attributes:
        terminals: ``terminals[d]`` are the terminals compromised on day d (scenario 2).
        customers: ``customers[d]`` are the cards compromised on day d (scenario 3).
    """

    terminals: list[IntArray] = field(default_factory=list)
    customers: list[IntArray] = field(default_factory=list)


def generate_customer_profiles(n_customers: int, rng: np.random.Generator) -> pd.DataFrame:
    """Draw customer profiles as in the book.

    Args:
        n_customers: number of customers.
        rng: random generator.

    Returns:
        A frame with customer_id, x, y ~ U(0,100), mean_amount ~ U(5,100),
        std_amount = mean_amount / 2 and mean_nb_tx_per_day ~ U(0,4).
    """
    x = rng.uniform(0, 100, n_customers)
    y = rng.uniform(0, 100, n_customers)
    mean_amount = rng.uniform(5, 100, n_customers)
    mean_nb_tx_per_day = rng.uniform(0, 4, n_customers)
    return pd.DataFrame(
        {
            "customer_id": np.arange(n_customers, dtype=np.int64),
            "x": x,
            "y": y,
            "mean_amount": mean_amount,
            "std_amount": mean_amount / 2,
            "mean_nb_tx_per_day": mean_nb_tx_per_day,
        }
    )


def generate_terminal_profiles(n_terminals: int, rng: np.random.Generator) -> pd.DataFrame:
    """Draw terminal locations as in the book.

    Args:
        n_terminals: number of terminals.
        rng: random generator.

    Returns:
        A frame with terminal_id and x, y ~ U(0,100).
    """
    return pd.DataFrame(
        {
            "terminal_id": np.arange(n_terminals, dtype=np.int64),
            "x": rng.uniform(0, 100, n_terminals),
            "y": rng.uniform(0, 100, n_terminals),
        }
    )


def terminals_within_radius(
    customer_xy: FloatArray, terminal_xy: FloatArray, radius: float, chunk: int = 512
) -> tuple[IntArray, IntArray]:
    """Terminals strictly closer than ``radius`` to each customer, as a CSR structure.

    Args:
        customer_xy: (n_customers, 2) locations.
        terminal_xy: (n_terminals, 2) locations.
        radius: the book's r.
        chunk: customers processed per block (bounds memory).

    Returns:
        ``(indptr, indices)``: the terminals of customer c are
        ``indices[indptr[c]:indptr[c + 1]]``, in increasing id order.
    """
    counts: list[IntArray] = []
    indices: list[IntArray] = []
    for start in range(0, len(customer_xy), chunk):
        block = customer_xy[start : start + chunk]
        diff_x = block[:, 0:1] - terminal_xy[None, :, 0]
        diff_y = block[:, 1:2] - terminal_xy[None, :, 1]
        inside = np.sqrt(diff_x**2 + diff_y**2) < radius
        counts.append(inside.sum(axis=1).astype(np.int64))
        indices.append(np.nonzero(inside)[1].astype(np.int64))
    all_counts = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(all_counts)]).astype(np.int64)
    flat = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    return indptr, flat


def generate_transactions(
    customers: pd.DataFrame,
    indptr: IntArray,
    indices: IntArray,
    n_days: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Draw the genuine transactions of every customer and day.

    Per customer and day: nb_tx ~ Poisson(mean_nb_tx_per_day); per transaction
    time = int(N(43200, 20000)) kept only if 0 < time < 86400, amount ~ N(mean, std) (a negative
    draw is replaced by U(0, 2 * mean)) rounded to 2 decimals, terminal uniform among the
    customer's available terminals (customers without one make no transactions).

    Args:
        customers: customer profiles.
        indptr: CSR row pointers of available terminals.
        indices: CSR terminal ids.
        n_days: number of days.
        rng: random generator.

    Returns:
        Unsorted frame with customer_id, terminal_id, tx_amount, tx_time_seconds, tx_time_days.
    """
    n_customers = len(customers)
    mean_nb = customers["mean_nb_tx_per_day"].to_numpy(np.float64)
    nb_tx = rng.poisson(np.repeat(mean_nb, n_days)).astype(np.int64)  # customer-major
    cells = np.arange(n_customers * n_days, dtype=np.int64)
    cell = np.repeat(cells, nb_tx)
    customer = cell // n_days
    day = cell % n_days

    time_tx = rng.normal(SECONDS_PER_DAY / 2, 20_000, len(cell)).astype(np.int64)  # int()
    keep = (time_tx > 0) & (time_tx < SECONDS_PER_DAY)
    nb_terminals = np.diff(indptr)
    keep &= nb_terminals[customer] > 0
    customer, day, time_tx = customer[keep], day[keep], time_tx[keep]

    mean_amount = customers["mean_amount"].to_numpy(np.float64)[customer]
    std_amount = customers["std_amount"].to_numpy(np.float64)[customer]
    amount = rng.normal(mean_amount, std_amount)
    negative = amount < 0
    amount[negative] = rng.uniform(0, 2 * mean_amount[negative])
    amount = np.round(amount, 2)

    pick = np.floor(rng.random(len(customer)) * nb_terminals[customer]).astype(np.int64)
    pick = np.minimum(pick, nb_terminals[customer] - 1)
    terminal = indices[indptr[customer] + pick]

    return pd.DataFrame(
        {
            "customer_id": customer,
            "terminal_id": terminal,
            "tx_amount": amount,
            "tx_time_seconds": time_tx + day * SECONDS_PER_DAY,
            "tx_time_days": day,
        }
    )


def add_frauds(
    transactions: pd.DataFrame,
    n_customers: int,
    n_terminals: int,
    config: SimulationConfig,
    rng: np.random.Generator,
    schedule: FraudSchedule | None = None,
) -> pd.DataFrame:
    """Label the book's three fraud scenarios (later scenarios overwrite earlier labels).

    1. every amount > 220 is fraud (scenario 1);
    2. each day d, ``compromised_terminals_per_day`` random terminals are compromised and all their
       transactions in days [d, d + terminal_compromise_days) are fraud (scenario 2);
    3. each day d, ``compromised_customers_per_day`` random customers are compromised and a third
       of their transactions in days [d, d + customer_compromise_days) get amount * 5 and are
       fraud (scenario 3).

    As in the book, compromises start on days 0 .. max(tx_time_days) - 1.

    Args:
        transactions: frame sorted by time (customer_id, terminal_id, tx_amount, tx_time_days).
        n_customers: number of customer profiles (those sampled may have no transaction).
        n_terminals: number of terminal profiles.
        config: scenario parameters.
        rng: random generator.
        schedule: if given, receives the compromised terminals and cards of each day (recording
            draws nothing, so the output is the same with or without it).

    Returns:
        A copy with tx_amount updated and tx_fraud, tx_fraud_scenario added.
    """
    out = transactions.copy()
    amount = out["tx_amount"].to_numpy(np.float64).copy()
    day = out["tx_time_days"].to_numpy(np.int64)
    customer = out["customer_id"].to_numpy(np.int64)
    terminal = out["terminal_id"].to_numpy(np.int64)
    scenario = np.zeros(len(out), dtype=np.int64)
    n_start_days = int(day.max()) if len(out) else 0
    n_days = n_start_days + 1

    scenario[amount > 220] = 1

    compromised = np.zeros((n_terminals, n_days), dtype=bool)
    for d in range(n_start_days):
        chosen = rng.choice(n_terminals, config.compromised_terminals_per_day, replace=False)
        if schedule is not None:
            schedule.terminals.append(chosen)
        compromised[chosen, d : d + config.terminal_compromise_days] = True
    scenario[compromised[terminal, day]] = 2

    order = np.lexsort((day, customer))  # rows grouped by customer, then by day
    key = customer[order] * n_days + day[order]
    for d in range(n_start_days):
        chosen = rng.choice(n_customers, config.compromised_customers_per_day, replace=False)
        if schedule is not None:
            schedule.customers.append(chosen)
        lo = np.searchsorted(key, chosen * n_days + d, side="left")
        hi = np.searchsorted(key, chosen * n_days + d + config.customer_compromise_days, "left")
        candidates = np.concatenate([order[a:b] for a, b in zip(lo, hi, strict=True)])
        k = len(candidates) // 3
        if k == 0:
            continue
        frauds = rng.choice(candidates, k, replace=False)
        amount[frauds] = np.round(amount[frauds] * 5, 2)
        scenario[frauds] = 3

    out["tx_amount"] = amount
    out["tx_fraud"] = (scenario > 0).astype(np.int64)
    out["tx_fraud_scenario"] = scenario
    return out


def simulate(config: SimulationConfig) -> Simulation:
    """Generate profiles, transactions and frauds.

    Args:
        config: dataset parameters, including the seed.

    Returns:
        The profiles and the transactions (columns ``TRANSACTION_COLUMNS``, sorted by time,
        transaction_id 0..n-1 in that order).
    """
    return simulate_with_schedule(config)[0]


def simulate_with_schedule(config: SimulationConfig) -> tuple[Simulation, FraudSchedule]:
    """``simulate``, also returning the fraud schedule it drew (for the world to continue).

    Args:
        config: dataset parameters, including the seed.

    Returns:
        The simulation and its fraud schedule.
    """
    schedule = FraudSchedule()
    rng = np.random.default_rng(config.seed)
    customers = generate_customer_profiles(config.n_customers, rng)
    terminals = generate_terminal_profiles(config.n_terminals, rng)
    indptr, indices = terminals_within_radius(
        customers[["x", "y"]].to_numpy(np.float64),
        terminals[["x", "y"]].to_numpy(np.float64),
        config.radius,
    )
    customers["nb_terminals"] = np.diff(indptr)
    raw = generate_transactions(customers, indptr, indices, config.n_days, rng)

    order = np.argsort(raw["tx_time_seconds"].to_numpy(), kind="stable")
    tx = raw.iloc[order].reset_index(drop=True)
    tx = add_frauds(tx, config.n_customers, config.n_terminals, config, rng, schedule)

    start = np.datetime64(config.start_date, "s")
    seconds = tx["tx_time_seconds"].to_numpy(np.int64)
    tx["tx_datetime"] = pd.Series(start + seconds.astype("timedelta64[s]")).astype("datetime64[ns]")
    tx["transaction_id"] = np.arange(len(tx), dtype=np.int64)
    return Simulation(customers, terminals, tx[list(TRANSACTION_COLUMNS)]), schedule
