"""The promotion rule: a candidate replaces the champion only when it is clearly better.

Both models are scored on the same rows (the newest test week); the numbers of an older window
are never compared. ``decide`` is the rule (pure); ``compare_on_same_rows`` scores both exported
models through ONNX on one frame, records a digest of the row ids each was scored on, and decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fraudops_ml.retraining import scoring

PROMOTED = "promoted"
DECLINED = "declined"
# Float noise tolerated by the rule: 0.6013 - 0.5993 is 0.0019999999999998908, not 0.002.
_EPSILON = 1e-12


@dataclass(frozen=True)
class Decision:
    """The outcome of ``decide``.

    Attributes:
        promote: move the champion alias to the candidate.
        reason: one line with both numbers, the gain and the rule.
    """

    promote: bool
    reason: str

    @property
    def label(self) -> str:
        """Returns: ``promoted`` or ``declined`` (the version tag's value)."""
        return PROMOTED if self.promote else DECLINED


def decide(
    candidate_metrics: Mapping[str, float],
    champion_metrics: Mapping[str, float] | None,
    metric: str,
    min_gain: float,
    window: str = "",
) -> Decision:
    """Promote iff there is no champion or candidate - champion >= ``min_gain``.

    Args:
        candidate_metrics: the candidate's metrics on the test week.
        champion_metrics: the champion's metrics on the same rows; None without a champion.
        metric: the compared metric, e.g. ``average_precision``.
        min_gain: the smallest gain that promotes.
        window: the test week, e.g. ``2018-09-24..2018-09-30``, for the reason.

    Returns:
        The decision and its reason.
    """
    if metric not in candidate_metrics:
        raise KeyError(f"the candidate has no metric {metric!r}")
    candidate = float(candidate_metrics[metric])
    where = f" on the test week {window}" if window else ""
    if champion_metrics is None:
        return Decision(True, f"promoted: no champion yet ({metric} {candidate:.4f}{where})")
    if metric not in champion_metrics:
        raise KeyError(f"the champion has no metric {metric!r}")
    champion = float(champion_metrics[metric])
    gain = candidate - champion
    promote = gain >= min_gain - _EPSILON
    rule = f"gain {gain:+.4f} {'>=' if promote else '<'} min gain {min_gain:.4f}"
    label = PROMOTED if promote else DECLINED
    return Decision(
        promote, f"{label}: {metric} {candidate:.4f} vs champion {champion:.4f}{where}: {rule}"
    )


@dataclass(frozen=True)
class Comparison:
    """The candidate against the champion on one set of rows.

    Attributes:
        decision: ``decide``'s outcome.
        candidate: the candidate's metrics on the rows.
        champion: the champion's metrics on the same rows; None without a champion.
        rows_digest: ``scoring.rows_digest`` of the rows the candidate was scored on.
        champion_rows_digest: the same for the champion (None without one); equal to
            ``rows_digest`` by construction, recorded so that a run shows it.
    """

    decision: Decision
    candidate: dict[str, float]
    champion: dict[str, float] | None
    rows_digest: str
    champion_rows_digest: str | None


def compare_on_same_rows(
    candidate_dir: Path,
    champion_dir: Path | None,
    frame: pd.DataFrame,
    metric: str,
    min_gain: float,
    window: str = "",
) -> Comparison:
    """Score the candidate and the champion (exported model directories) on ``frame`` and decide.

    Args:
        candidate_dir: the candidate's model.json and model.onnx.
        champion_dir: the champion's, or None when there is none yet.
        frame: the rows both are judged on (the newest test week).
        metric: the compared metric, e.g. ``average_precision``.
        min_gain: the smallest gain that promotes.
        window: the test week, for the reason.

    Returns:
        The decision, both models' metrics and the digests of the rows each was scored on.
    """
    candidate = scoring.evaluate_model_dir(candidate_dir, frame)
    champion = None if champion_dir is None else scoring.evaluate_model_dir(champion_dir, frame)
    champion_metrics = None if champion is None else champion.metrics.to_dict()
    decision = decide(candidate.metrics.to_dict(), champion_metrics, metric, min_gain, window)
    return Comparison(
        decision=decision,
        candidate=candidate.metrics.to_dict(),
        champion=champion_metrics,
        rows_digest=candidate.rows_digest,
        champion_rows_digest=None if champion is None else champion.rows_digest,
    )
