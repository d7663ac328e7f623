"""The world computes the 15 inputs as training does, over its rolling 37-day history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fraudops_ml import contracts
from fraudops_ml.features import add_features
from fraudops_ml.simulate import TRANSACTION_COLUMNS
from fraudops_ml.world.days import WorldBasis
from fraudops_ml.world.engine import FEATURE_LOOKBACK_DAYS, WorldEngine
from fraudops_ml.world.scenarios import Scenario


def test_world_features_equal_add_features_over_the_whole_frame(
    basis: WorldBasis, history: pd.DataFrame
) -> None:
    engine = WorldEngine(basis, Scenario("card-testing", basis.first_day + 1), history, 7)
    batches = [engine.step() for _ in range(3)]
    world = pd.concat([b.transactions for b in batches], ignore_index=True)
    full = pd.concat([history, world[list(TRANSACTION_COLUMNS)]], ignore_index=True)
    expected = add_features(full).iloc[len(history) :].reset_index(drop=True)
    features = contracts.model_features()
    assert world["transaction_id"].tolist() == expected["transaction_id"].tolist()
    np.testing.assert_allclose(
        world[features].to_numpy(np.float64), expected[features].to_numpy(np.float64), atol=1e-9
    )
    # The terminal risk reads labels from the history and the world's own days alike.
    assert (world["terminal_id_risk_30day_window"] > 0).any()


def test_the_rolling_history_keeps_exactly_the_lookback(
    basis: WorldBasis, history: pd.DataFrame
) -> None:
    engine = WorldEngine(basis, Scenario("steady", 0), history, 7)
    assert FEATURE_LOOKBACK_DAYS == 37
    engine.step(with_features=False)
    days = engine.tail["tx_time_days"]
    assert (days.min(), days.max()) == (
        basis.first_day - FEATURE_LOOKBACK_DAYS + 1,
        basis.first_day,
    )
