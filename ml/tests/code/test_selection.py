"""The serving-aware selection rule and the timing arithmetic (no real timing)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from fraudops_ml import serving_cost
from fraudops_ml.train import AP_TOLERANCE, CandidateScore, select_candidate


def score(name: str, ap: float, ops: float) -> CandidateScore:
    return CandidateScore(name, ap, ops)


def test_default_tolerance_is_one_point_of_average_precision() -> None:
    assert pytest.approx(0.01) == AP_TOLERANCE


def test_cheaper_model_within_tolerance_wins() -> None:
    scores = [score("forest", 0.664, 10.0), score("small_forest", 0.658, 1.5)]
    assert select_candidate(scores) == "small_forest"


def test_much_better_but_costlier_model_still_wins() -> None:
    scores = [score("forest", 0.70, 10.0), score("boosting", 0.64, 2.0), score("lr", 0.63, 0.1)]
    assert select_candidate(scores) == "forest"


def test_just_outside_tolerance_is_not_eligible() -> None:
    scores = [score("best", 0.700, 10.0), score("cheap", 0.689, 1.0)]
    assert select_candidate(scores) == "best"


def test_exactly_at_tolerance_is_eligible() -> None:
    scores = [score("best", 0.70, 10.0), score("cheap", 0.69, 1.0)]
    assert select_candidate(scores, ap_tolerance=0.01) == "cheap"


def test_cheapest_among_several_eligible_wins() -> None:
    scores = [
        score("a", 0.671, 3.1),
        score("b", 0.665, 1.5),
        score("c", 0.664, 10.7),
        score("d", 0.651, 1.2),  # cheaper, but 0.02 below the best
    ]
    assert select_candidate(scores) == "b"


def test_costs_within_tie_ratio_are_equal_and_higher_ap_wins() -> None:
    scores = [score("cheapest", 0.662, 1.50), score("nearly", 0.668, 1.60)]
    assert select_candidate(scores, cost_tie_ratio=0.10) == "nearly"
    assert select_candidate(scores, cost_tie_ratio=0.0) == "cheapest"


def test_exact_tie_goes_to_the_earlier_candidate() -> None:
    scores = [score("first", 0.66, 2.0), score("second", 0.66, 2.0)]
    assert select_candidate(scores) == "first"
    assert select_candidate(list(reversed(scores))) == "second"


def test_zero_tolerance_is_plain_best_average_precision() -> None:
    scores = [score("best", 0.70, 10.0), score("cheap", 0.6999, 0.1)]
    assert select_candidate(scores, ap_tolerance=0.0) == "best"
    tied = [score("costly", 0.70, 10.0), score("cheap", 0.70, 1.0)]
    assert select_candidate(tied, ap_tolerance=0.0) == "cheap"


def test_winner_is_independent_of_candidate_order_without_exact_ties() -> None:
    scores = [score("a", 0.671, 3.1), score("b", 0.665, 1.5), score("c", 0.64, 0.1)]
    for perm in itertools.permutations(scores):
        assert select_candidate(list(perm)) == "b"


def test_winner_is_always_within_tolerance_of_the_best() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        aps, costs = rng.uniform(0.5, 0.7, 6), rng.uniform(0.05, 12.0, 6)
        scores = [
            score(f"m{i}", float(a), float(c))
            for i, (a, c) in enumerate(zip(aps, costs, strict=True))
        ]
        chosen = next(s for s in scores if s.name == select_candidate(scores))
        assert chosen.average_precision >= aps.max() - AP_TOLERANCE - 1e-12
        eligible = [s for s in scores if s.average_precision >= aps.max() - AP_TOLERANCE]
        assert chosen.ops_per_row <= 1.1 * min(s.ops_per_row for s in eligible) + 1e-12


def test_selection_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="no candidates"):
        select_candidate([])
    with pytest.raises(ValueError, match=">= 0"):
        select_candidate([score("a", 0.5, 1.0)], ap_tolerance=-0.1)


def test_median_us_per_row() -> None:
    assert serving_cost.median_us_per_row([0.003, 0.001, 0.002], 1000) == pytest.approx(2.0)
    assert serving_cost.median_us_per_row([0.010, 0.001, 0.002, 0.004], 1000) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="no timed runs"):
        serving_cost.median_us_per_row([], 1000)


def test_batches_are_real_rows_spread_over_the_input() -> None:
    x = np.arange(5000 * 15, dtype=np.float32).reshape(5000, 15)
    parts = serving_cost.batches(x, 1000, 5)
    assert [p.shape for p in parts] == [(1000, 15)] * 5
    assert all(p.dtype == np.float32 and p.flags.c_contiguous for p in parts)
    assert [int(p[0, 0]) // 15 for p in parts] == [0, 1000, 2000, 3000, 4000]


def test_batches_repeat_rows_when_the_input_is_short() -> None:
    x = np.arange(30, dtype=np.float32).reshape(2, 15)
    (part,) = serving_cost.batches(x, 5, 1)
    np.testing.assert_array_equal(part, np.concatenate([x, x, x[:1]]))
    with pytest.raises(ValueError, match="at least one"):
        serving_cost.batches(x[:0], 5, 1)
