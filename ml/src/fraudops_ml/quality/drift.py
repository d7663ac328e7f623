"""Drift before labels: live inputs and scores against the model card's reference distributions.

The reference (written by the training code, ``reference_distribution``) is binned at the
deciles of the held-out test week the card's metrics come from; repeated deciles collapse, so a
0/1 input gets two or three bins. A value ``v`` falls in bin ``i`` when ``edges[i-1] < v <=
edges[i]``, with open ends.

Two statistics per input, computed on the same bins:
* the Population Stability Index, ``sum((a - e) * ln(a / e))``, the field's usual drift number
  (0.1 moderate, 0.25 significant). It is unbounded and undefined for an empty bin, so shares are
  floored at ``EPSILON``; on small windows it is noisy.
* the Jensen-Shannon distance (``scipy.spatial.distance.jensenshannon``, base 2): bounded in
  [0, 1], defined with empty bins, symmetric: the second opinion where PSI is weak.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial.distance import jensenshannon

DECILES = tuple(i / 10 for i in range(1, 10))
EPSILON = 1e-4  # the share an empty bin counts as in the PSI


@dataclass(frozen=True)
class Reference:
    """One binned reference distribution.

    Attributes:
        edges: inner bin edges, increasing (``len(edges) + 1`` bins).
        proportions: the reference's share in each bin (sums to 1).
    """

    edges: tuple[float, ...]
    proportions: tuple[float, ...]

    def to_json(self) -> dict[str, list[float]]:
        """Returns: the card's form."""
        return {"edges": list(self.edges), "proportions": list(self.proportions)}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Reference:
        """Args: data: the card's form. Returns: the reference."""
        return Reference(tuple(data["edges"]), tuple(data["proportions"]))


def shares(values: npt.ArrayLike, edges: Sequence[float]) -> npt.NDArray[np.float64]:
    """Args: values: observations; edges: inner edges. Returns: the share in each bin."""
    counts = np.bincount(
        np.searchsorted(np.asarray(edges, dtype=np.float64), np.asarray(values), side="left"),
        minlength=len(edges) + 1,
    )
    total = counts.sum()
    return counts / total if total else counts.astype(np.float64)


def reference_of(values: npt.ArrayLike) -> Reference:
    """Args: values: the reference sample. Returns: its decile bins and shares (6 decimals)."""
    sample = np.asarray(values, dtype=np.float64)
    # inverted_cdf: edges are observed values, so a 0/1 input gets the edges 0 and 1, not 0.3.
    edges = tuple(float(e) for e in np.unique(np.quantile(sample, DECILES, method="inverted_cdf")))
    # Rounded so that the card is stable text; the shares still sum to 1 within 1e-5.
    return Reference(edges, tuple(round(float(s), 6) for s in shares(sample, edges)))


def psi(expected: npt.ArrayLike, actual: npt.ArrayLike) -> float:
    """Args: expected, actual: shares per bin. Returns: the Population Stability Index."""
    e = np.maximum(np.asarray(expected, dtype=np.float64), EPSILON)
    a = np.maximum(np.asarray(actual, dtype=np.float64), EPSILON)
    return float(np.sum((a - e) * np.log(a / e)))


def js_distance(expected: npt.ArrayLike, actual: npt.ArrayLike) -> float:
    """Args: expected, actual: shares per bin. Returns: the Jensen-Shannon distance (base 2)."""
    return float(jensenshannon(np.asarray(expected), np.asarray(actual), base=2))


@dataclass(frozen=True)
class Drift:
    """One input's drift over a window.

    Attributes:
        psi: Population Stability Index.
        js_distance: Jensen-Shannon distance.
    """

    psi: float
    js_distance: float


def drift(reference: Reference, live: npt.ArrayLike) -> Drift:
    """Args: reference: the card's bins; live: the window's values. Returns: both statistics."""
    actual = shares(live, reference.edges)
    return Drift(psi(reference.proportions, actual), js_distance(reference.proportions, actual))
