"""Scenarios of change: what changes in the world, from which simulated day.

Day numbers are the simulator's ``tx_time_days`` (0 = the historic dataset's first day); a
scenario's ``start_day`` is absolute. Every parameter of a scenario lives here (one owner); the
config only chooses the scenario and its start day.
"""

from __future__ import annotations

from dataclasses import dataclass

STEADY = "steady"
CARD_TESTING = "card-testing"
TERMINAL_WAVE = "terminal-wave"
SPENDING_SHIFT = "spending-shift"
SCENARIOS = (STEADY, CARD_TESTING, TERMINAL_WAVE, SPENDING_SHIFT)

# Fraud scenario number of card-testing transactions (1..3 are the handbook's).
CARD_TESTING_FRAUD_SCENARIO = 4
# Cards compromised for card testing each day per 1000 customers (10 for the default preset's
# 5000, so that card tests are about 1.5% of the day's transactions in every preset), and the
# test burst each of them makes: 1 + a Poisson number of small amounts at random terminals
# (card-not-present, anywhere), within a short burst of the day.
CARD_TESTING_CARDS_PER_1000_CUSTOMERS = 2
CARD_TESTING_EXTRA_TX_MEAN = 14.0
CARD_TESTING_MIN_AMOUNT = 0.5
CARD_TESTING_MAX_AMOUNT = 5.0
CARD_TESTING_BURST_SECONDS = 2 * 3600
# Terminal wave: this many times the handbook's compromised terminals per day.
TERMINAL_WAVE_FACTOR = 5
# Spending shift: every customer's mean (and so std) amount grows by this share per week.
SPENDING_SHIFT_WEEKLY_GROWTH = 0.05


@dataclass(frozen=True)
class Scenario:
    """A named scenario and the absolute day its change starts.

    Attributes:
        name: one of ``SCENARIOS``.
        start_day: first day (``tx_time_days``) that differs from the steady world.
    """

    name: str
    start_day: int

    def __post_init__(self) -> None:
        if self.name not in SCENARIOS:
            raise ValueError(f"unknown scenario {self.name!r}; choose from {', '.join(SCENARIOS)}")

    def changes(self, name: str, day: int) -> bool:
        """Args: name: a scenario name; day: a day. Returns: whether ``name``'s change is on."""
        return self.name == name and day >= self.start_day


def compromised_terminals_per_day(scenario: Scenario, base: int, day: int) -> int:
    """Terminals compromised on ``day`` (scenario 2 of the handbook).

    Args:
        scenario: the world's scenario.
        base: the dataset's ``compromised_terminals_per_day``.
        day: the day.

    Returns:
        ``base``, times ``TERMINAL_WAVE_FACTOR`` during a terminal wave.
    """
    return base * TERMINAL_WAVE_FACTOR if scenario.changes(TERMINAL_WAVE, day) else base


def amount_factor(scenario: Scenario, day: int) -> float:
    """Factor on every customer's mean and std amount on ``day``.

    Args:
        scenario: the world's scenario.
        day: the day.

    Returns:
        1 unless spending shifts; then ``(1 + growth) ** (k / 7)`` on the k-th day of the shift
        (k = 1 on its start day), a compound weekly growth spread evenly over the days.
    """
    if not scenario.changes(SPENDING_SHIFT, day):
        return 1.0
    weeks = (day - scenario.start_day + 1) / 7
    return float((1 + SPENDING_SHIFT_WEEKLY_GROWTH) ** weeks)


def card_testing_cards(scenario: Scenario, n_customers: int, day: int) -> int:
    """Cards used for card testing on ``day``.

    Args:
        scenario: the world's scenario.
        n_customers: customer profiles of the dataset.
        day: the day.

    Returns:
        0 before the card-testing scenario starts, then at least 1.
    """
    if not scenario.changes(CARD_TESTING, day):
        return 0
    return max(1, n_customers * CARD_TESTING_CARDS_PER_1000_CUSTOMERS // 1000)
