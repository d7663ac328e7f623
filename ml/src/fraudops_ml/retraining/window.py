"""The newest window of the handbook's protocol: its test week ends with the dataset.

``train.train`` fits on 7 training days, skips a 7-day delay and tests on the 7 days after, and
validates on the same protocol shifted back ``train.VALIDATION_SHIFT_DAYS`` days. A retraining
run moves that whole protocol forward so that the test week's last day is the dataset's last full
day: the model is always judged on the newest labelled week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fraudops_ml import features, train
from fraudops_ml.evaluate import Split, make_split

# From the validation week's training start to the test week's end.
PROTOCOL_DAYS = (
    train.VALIDATION_SHIFT_DAYS + train.DELTA_TRAIN + train.DELTA_DELAY + train.DELTA_TEST
)
# The longest feature window plus the terminal features' delay: rows older than this before the
# first training day cannot change any feature of the protocol's rows.
FEATURE_HISTORY_DAYS = max(features.WINDOWS_DAYS) + features.DELAY_DAYS


class WindowError(ValueError):
    """The dataset is too short for the protocol."""


@dataclass(frozen=True)
class Window:
    """The protocol's dates for one retraining run (half-open windows).

    Attributes:
        train_start: first day of the main training week (``train.train``'s ``train_start``).
        split: training and test weeks.
        validation_split: the shifted split; its test week is the validation week.
        history_start: first day whose rows the features of the protocol's rows may use.
    """

    train_start: dt.date
    split: Split
    validation_split: Split
    history_start: dt.date

    @property
    def test_week(self) -> str:
        """Returns: the test week as ``first..last`` (both inclusive), for messages."""
        last = self.split.test_end - dt.timedelta(days=1)
        return f"{self.split.test_start}..{last}"

    def to_dict(self) -> dict[str, str]:
        """Returns: the dates as ISO strings (MLflow params, XCom)."""
        return {
            "train_start": self.split.train_start.isoformat(),
            "train_end": self.split.train_end.isoformat(),
            "test_start": self.split.test_start.isoformat(),
            "test_end": self.split.test_end.isoformat(),
            "validation_train_start": self.validation_split.train_start.isoformat(),
            "validation_start": self.validation_split.test_start.isoformat(),
            "validation_end": self.validation_split.test_end.isoformat(),
            "history_start": self.history_start.isoformat(),
        }


def newest_window(first_day: dt.date, last_full_day: dt.date) -> Window:
    """The protocol whose test week ends on ``last_full_day``.

    Args:
        first_day: the dataset's first day.
        last_full_day: the dataset's last complete day (the test week's last day).

    Returns:
        The window's dates.

    Raises:
        WindowError: when the dataset has fewer than ``PROTOCOL_DAYS`` days.
    """
    days = (last_full_day - first_day).days + 1
    if days < PROTOCOL_DAYS:
        raise WindowError(
            f"dataset has only {max(days, 0)} days ({first_day}..{last_full_day}), "
            f"the protocol needs {PROTOCOL_DAYS}"
        )
    test_end = last_full_day + dt.timedelta(days=1)
    train_start = test_end - dt.timedelta(
        days=train.DELTA_TRAIN + train.DELTA_DELAY + train.DELTA_TEST
    )
    validation_start = train_start - dt.timedelta(days=train.VALIDATION_SHIFT_DAYS)
    history_start = max(first_day, validation_start - dt.timedelta(days=FEATURE_HISTORY_DAYS))
    return Window(
        train_start=train_start,
        split=make_split(train_start, train.DELTA_TRAIN, train.DELTA_DELAY, train.DELTA_TEST),
        validation_split=make_split(
            validation_start, train.DELTA_TRAIN, train.DELTA_DELAY, train.DELTA_TEST
        ),
        history_start=history_start,
    )
