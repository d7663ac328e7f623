"""When labels become known: the feedback delay, earlier card-holder reports, never before."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fraudops_ml.world import labels
from fraudops_ml.world.days import WorldBasis
from fraudops_ml.world.engine import WorldEngine, day_start
from fraudops_ml.world.scenarios import Scenario

DAY = 86_400


def transactions(rows: list[tuple[int, int, int, int, int]]) -> pd.DataFrame:
    """Rows of (id, customer, seconds, scenario, report_at)."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "transaction_id",
            "customer_id",
            "tx_time_seconds",
            "tx_fraud_scenario",
            "report_at",
        ],
    )
    frame["tx_fraud"] = (frame["tx_fraud_scenario"] > 0).astype(np.int64)
    frame["tx_datetime"] = pd.Timestamp("2018-04-01") + pd.to_timedelta(
        frame["tx_time_seconds"], "s"
    )
    return frame


def test_a_label_is_known_after_the_feedback_delay() -> None:
    pending = labels.add_day(labels.empty_pending(), transactions([(1, 5, 100, 0, -1)]), 7)
    assert pending["known_at"].tolist() == [100 + 7 * DAY]
    assert pending["source"].tolist() == [labels.FEEDBACK_DELAY]


def test_a_report_reveals_the_cards_earlier_transactions_only() -> None:
    day = transactions(
        [
            (1, 5, 100, 0, -1),  # same card, before the reported fraud: revealed
            (2, 6, 150, 0, -1),  # another card: not revealed
            (3, 5, 200, 3, 200 + DAY),  # the reported fraud
            (4, 5, 300, 3, -1),  # same card, after the reported fraud: not revealed
        ]
    )
    pending = labels.add_day(labels.empty_pending(), day, 7).set_index("transaction_id")
    assert pending.loc[[1, 3], "known_at"].tolist() == [200 + DAY, 200 + DAY]
    assert pending.loc[[1, 3], "source"].tolist() == [labels.CARDHOLDER_REPORT] * 2
    assert pending.loc[[2, 4], "known_at"].tolist() == [150 + 7 * DAY, 300 + 7 * DAY]


def test_a_later_days_report_reveals_pending_labels_of_earlier_days() -> None:
    first = labels.add_day(labels.empty_pending(), transactions([(1, 5, 100, 3, -1)]), 7)
    second = labels.add_day(first, transactions([(2, 5, DAY + 10, 3, 2 * DAY)]), 7)
    assert second.set_index("transaction_id").loc[1, "known_at"] == 2 * DAY


def test_due_labels_are_those_known_in_the_half_open_interval() -> None:
    pending = labels.add_day(
        labels.empty_pending(), transactions([(1, 5, 0, 0, -1), (2, 6, 10, 0, -1)]), 7
    )
    due, rest = labels.due_labels(pending, 7 * DAY - 1, 7 * DAY)
    assert due["transaction_id"].tolist() == [1]
    assert rest["transaction_id"].tolist() == [2]
    due, rest = labels.due_labels(rest, 7 * DAY, 7 * DAY + 10)
    assert due["transaction_id"].tolist() == [2]
    assert rest.empty


def test_over_ten_days_every_label_comes_once_on_time(
    basis: WorldBasis, history: pd.DataFrame
) -> None:
    engine = WorldEngine(basis, Scenario("card-testing", basis.first_day), history, 7)
    batches = [engine.step(with_features=False) for _ in range(10)]
    tx = pd.concat([b.transactions for b in batches], ignore_index=True).set_index("transaction_id")
    published = pd.concat([b.labels.assign(day=b.day) for b in batches], ignore_index=True)
    assert published["transaction_id"].is_unique
    joined = published.merge(tx, on="transaction_id", suffixes=("", "_tx"))
    known, seconds = joined["known_at"], joined["tx_time_seconds"]
    # Published during the day in which it became known, never before; never after the delay.
    assert (known > joined["day"] * DAY).all()
    assert (known <= (joined["day"] + 1) * DAY).all()
    assert (known > seconds).all()
    assert (known <= seconds + 7 * DAY).all()
    assert (joined["tx_fraud"] == joined["tx_fraud_tx"]).all()
    early = joined["source"] == labels.CARDHOLDER_REPORT
    assert early.any()
    assert (known[early] < seconds[early] + 7 * DAY).all()
    assert (known[~early] == seconds[~early] + 7 * DAY).all()
    # Every transaction whose delay has run out by the end of day 10 has its label.
    end = day_start(engine.day)
    overdue = tx.index[tx["tx_time_seconds"] + 7 * DAY <= end]
    assert set(overdue) <= set(published["transaction_id"])
    assert len(published) + batches[-1].pending == len(tx)
