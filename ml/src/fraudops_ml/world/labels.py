"""When each transaction's label becomes known, in simulated time.

The rule, after the handbook (chapter 2, "Credit card fraud detection system": investigators
check all the recent transactions of a card suspected of fraud, so one detected fraud gives
several feedbacks; chapters 5 and 7: labels are known after a delay period, one week):

* every transaction's label becomes known ``feedback_delay_days`` after it (7 days), source
  ``feedback-delay``;
* a card fraud (scenario 3, compromised card, or 4, card testing) is reported by its card
  holder with probability p after a uniform 1..3 days (``days.CardholderReports``); at that
  moment every not-yet-known transaction of that card up to the reported one, genuine or
  fraud, becomes known at once, source ``cardholder-report``.

A report only reveals transactions before the reported one, so a day's labels depend on that
day and later days only (the same whichever day the world started at).

Pending labels are a frame with ``PENDING_COLUMNS``; times are simulated seconds since the
historic dataset's first instant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fraudops_ml.simulate import SECONDS_PER_DAY

FEEDBACK_DELAY = "feedback-delay"
CARDHOLDER_REPORT = "cardholder-report"
PENDING_COLUMNS = (
    "transaction_id",
    "tx_datetime",
    "tx_time_seconds",
    "customer_id",
    "tx_fraud",
    "tx_fraud_scenario",
    "known_at",
    "source",
)


def empty_pending() -> pd.DataFrame:
    """Returns: a pending-labels frame with no row (typed columns)."""
    return pd.DataFrame(
        {
            "transaction_id": np.zeros(0, np.int64),
            "tx_datetime": np.zeros(0, "datetime64[ns]"),
            "tx_time_seconds": np.zeros(0, np.int64),
            "customer_id": np.zeros(0, np.int64),
            "tx_fraud": np.zeros(0, np.int64),
            "tx_fraud_scenario": np.zeros(0, np.int64),
            "known_at": np.zeros(0, np.int64),
            "source": np.zeros(0, object),
        }
    )


def delayed_labels(day_tx: pd.DataFrame, delay_days: float) -> pd.DataFrame:
    """Pending labels of new transactions, known after the feedback delay.

    Args:
        day_tx: transactions with transaction_id, tx_datetime, tx_time_seconds, customer_id,
            tx_fraud, tx_fraud_scenario.
        delay_days: the feedback delay.

    Returns:
        Frame with ``PENDING_COLUMNS``.
    """
    delay = round(delay_days * SECONDS_PER_DAY)
    out = day_tx[list(PENDING_COLUMNS[:6])].reset_index(drop=True)
    out["known_at"] = out["tx_time_seconds"].to_numpy(np.int64) + delay
    out["source"] = FEEDBACK_DELAY
    return out


def apply_reports(pending: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Make known, at each report, the pending labels of the card up to the reported fraud.

    Args:
        pending: pending labels.
        reports: reported frauds (customer_id, tx_time_seconds, report_at).

    Returns:
        A copy of ``pending`` whose known_at is lowered (and source set to
        ``cardholder-report``) where a report comes earlier.
    """
    known = pending["known_at"].to_numpy(np.int64).copy()
    source = pending["source"].to_numpy(object).copy()
    customer = pending["customer_id"].to_numpy(np.int64)
    seconds = pending["tx_time_seconds"].to_numpy(np.int64)
    for card, group in reports.groupby("customer_id", sort=True):
        rows = np.flatnonzero(customer == card)
        for fraud_at, report_at in zip(group["tx_time_seconds"], group["report_at"], strict=True):
            revealed = rows[(seconds[rows] <= fraud_at) & (known[rows] > report_at)]
            known[revealed] = report_at
            source[revealed] = CARDHOLDER_REPORT
    return pending.assign(known_at=known, source=source)


def add_day(pending: pd.DataFrame, day_tx: pd.DataFrame, delay_days: float) -> pd.DataFrame:
    """Pending labels after a new day: its transactions pending, its reports applied.

    Args:
        pending: labels pending before the day.
        day_tx: the day's transactions (with transaction_id and report_at).
        delay_days: the feedback delay.

    Returns:
        The new pending labels.
    """
    fresh = delayed_labels(day_tx, delay_days)
    merged = fresh if pending.empty else pd.concat([pending, fresh], ignore_index=True)
    reported = day_tx[day_tx["report_at"].to_numpy(np.int64) >= 0]
    return apply_reports(merged, reported[["customer_id", "tx_time_seconds", "report_at"]])


def due_labels(pending: pd.DataFrame, after: int, until: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The labels that become known in (after, until], and those still pending.

    Args:
        pending: pending labels.
        after: exclusive lower bound, simulated seconds.
        until: inclusive upper bound, simulated seconds.

    Returns:
        ``(due, remaining)``: due sorted by (known_at, transaction_id). Labels known at or
        before ``after`` are neither (they were due earlier).
    """
    known = pending["known_at"].to_numpy(np.int64)
    is_due = (known > after) & (known <= until)
    due = pending[is_due].sort_values(["known_at", "transaction_id"], kind="stable")
    return due.reset_index(drop=True), pending[known > until].reset_index(drop=True)
