"""The world's days in order: ids, rolling features, pending labels.

The engine keeps, between days, only what the next day needs: the last
``FEATURE_LOOKBACK_DAYS`` days of transactions with their true labels (the feature windows
reach that far back: the longest window plus the terminal risk's delay), the pending labels
and the next transaction id. Everything else is recomputed from (seed, day, scenario).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fraudops_ml.features import DELAY_DAYS, WINDOWS_DAYS, add_features
from fraudops_ml.simulate import SECONDS_PER_DAY, TRANSACTION_COLUMNS
from fraudops_ml.world import labels
from fraudops_ml.world.days import WorldBasis, simulate_day
from fraudops_ml.world.scenarios import Scenario

FEATURE_LOOKBACK_DAYS = max(WINDOWS_DAYS) + DELAY_DAYS


@dataclass(frozen=True)
class DayBatch:
    """What one simulated day publishes.

    Attributes:
        day: the day (``tx_time_days``).
        transactions: its transactions, ids assigned, true labels and (unless skipped) the
            15 model inputs.
        labels: the labels that become known during the day, (day start, next day start].
        pending: labels still pending at the end of the day.
    """

    day: int
    transactions: pd.DataFrame
    labels: pd.DataFrame
    pending: int


def history_tail(history: pd.DataFrame, first_day: int) -> pd.DataFrame:
    """The historic days the first world day's features look at.

    Args:
        history: the historic dataset (``TRANSACTION_COLUMNS``).
        first_day: the world's first day.

    Returns:
        Its rows of the last ``FEATURE_LOOKBACK_DAYS`` days, in order.
    """
    days = history["tx_time_days"].to_numpy(np.int64)
    return history[days >= first_day - FEATURE_LOOKBACK_DAYS].reset_index(drop=True)


def features_of_day(tail: pd.DataFrame, day_tx: pd.DataFrame) -> pd.DataFrame:
    """The day's rows with their 15 inputs, computed over the tail and the day, as training does.

    Args:
        tail: the previous ``FEATURE_LOOKBACK_DAYS`` days (``TRANSACTION_COLUMNS``).
        day_tx: the day's transactions (``TRANSACTION_COLUMNS``).

    Returns:
        The day's rows of ``add_features(tail + day)``.
    """
    frame = pd.concat([tail, day_tx], ignore_index=True)
    return add_features(frame).iloc[len(tail) :].reset_index(drop=True)


def day_start(day: int) -> int:
    """Args: day: a day. Returns: its first instant, simulated seconds."""
    return day * SECONDS_PER_DAY


class WorldEngine:
    """Produces the world's days one after the other (no I/O)."""

    def __init__(
        self,
        basis: WorldBasis,
        scenario: Scenario,
        history: pd.DataFrame,
        feedback_delay_days: float,
    ) -> None:
        """Start at the world's first day.

        Args:
            basis: the world's basis.
            scenario: the scenario.
            history: the historic dataset (``TRANSACTION_COLUMNS``), ids 0..n-1.
            feedback_delay_days: the feedback delay.
        """
        self.basis = basis
        self.scenario = scenario
        self.feedback_delay_days = feedback_delay_days
        self.day = basis.first_day
        self.next_id = int(history["transaction_id"].max()) + 1 if len(history) else 0
        self.tail = history_tail(history[list(TRANSACTION_COLUMNS)], basis.first_day)
        self.pending = labels.empty_pending()

    def step(self, with_features: bool = True) -> DayBatch:
        """Simulate the next day.

        Args:
            with_features: compute the 15 inputs (skipped when only replaying state).

        Returns:
            The day's batch.
        """
        day = self.day
        day_tx = simulate_day(self.basis, self.scenario, day)
        day_tx.insert(0, "transaction_id", self.next_id + np.arange(len(day_tx), dtype=np.int64))
        course = day_tx[list(TRANSACTION_COLUMNS)]
        rows = features_of_day(self.tail, course) if with_features else course
        self.pending = labels.add_day(self.pending, day_tx, self.feedback_delay_days)
        due, self.pending = labels.due_labels(self.pending, day_start(day), day_start(day + 1))
        keep = self.tail["tx_time_days"].to_numpy(np.int64) > day - FEATURE_LOOKBACK_DAYS
        self.tail = pd.concat([self.tail[keep], course], ignore_index=True)
        self.next_id += len(day_tx)
        self.day += 1
        return DayBatch(day, rows, due, len(self.pending))
