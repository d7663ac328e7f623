"""The exported model: ONNX parity, a valid model card, and behaviour on twin transactions."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from fraudops_ml import cli, contracts, data, export, serving_cost, train
from fraudops_ml.evaluate import get_train_test_set
from fraudops_ml.features import feature_matrix


def onnx_fraud_scores(result: export.ExportResult, x: npt.NDArray[np.float32]) -> np.ndarray:
    """Column 1 of the exported model's probabilities, through ONNX Runtime."""
    model_bytes = (result.model_dir / "model.onnx").read_bytes()
    return export.onnx_probabilities(model_bytes, x)[:, 1]


@pytest.mark.parametrize("name", train.CANDIDATES)
def test_every_candidate_converts_with_parity(
    name: str, small_frame: pd.DataFrame, feature_order: list[str]
) -> None:
    train_df, test_df = get_train_test_set(small_frame, dt.date(2018, 7, 25))
    model = train.build_candidate(name, seed=0).fit(
        feature_matrix(train_df, feature_order), train_df["tx_fraud"].to_numpy()
    )
    proto = export.to_onnx(model, len(feature_order))
    x_test = feature_matrix(test_df, feature_order)
    diff = export.parity_max_abs_diff(model, proto.SerializeToString(), x_test)
    assert diff <= export.PARITY_TOLERANCE


def test_export_reports_parity_on_the_whole_test_week(
    exported: export.ExportResult, trained: train.TrainingResult
) -> None:
    assert exported.parity_max_abs_diff <= export.PARITY_TOLERANCE
    x_test = feature_matrix(trained.test_frame, trained.feature_order)
    p = export.onnx_probabilities((exported.model_dir / "model.onnx").read_bytes(), x_test)
    assert p.dtype == np.float32
    assert p.shape == (len(trained.test_frame), 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)


def test_model_card_is_valid_and_matches_the_artifact(
    exported: export.ExportResult,
    trained: train.TrainingResult,
    small_dataset: data.Dataset,
    feature_order: list[str],
) -> None:
    card = json.loads((exported.model_dir / "model.json").read_text())
    contracts.validate(card, "model-card.schema.json")
    onnx_bytes = (exported.model_dir / card["artifact"]["file"]).read_bytes()
    sha = hashlib.sha256(onnx_bytes).hexdigest()
    assert card["artifact"]["sha256"] == sha
    rest = {k: v for k, v in card.items() if k != "version"}
    assert card["version"] == export.card_version(card["model_type"], sha, rest)
    assert card["version"].startswith(f"{card['model_type'].replace('_', '-')}-{sha[:8]}-")
    assert "created_at" not in card  # nothing in the card depends on the moment
    assert card["feature_order"] == feature_order
    assert card["data_hash"] == small_dataset.data_hash
    assert (card["training_window"], card["test_window"]) == (
        {"start": "2018-07-25", "end": "2018-08-01"},
        {"start": "2018-08-08", "end": "2018-08-15"},
    )
    assert card["model_type"] == trained.chosen
    evaluation = (exported.model_dir / "evaluation.md").read_text()
    # The chosen row is marked; the column is padded to the longest candidate name.
    assert re.search(rf"^\| {re.escape(card['model_type'])} \*\s*\|", evaluation, re.MULTILINE)
    header = next(line for line in evaluation.splitlines() if line.startswith("| model"))
    # No measured column (µs/row, fit s): they would make identical trainings differ.
    assert [cell.strip() for cell in header.strip("|").split("|")][-4:] == [
        "test AUC",
        "test AP",
        "test CP@100",
        "val ops/row",
    ]
    current = exported.model_dir.parent / export.CURRENT_LINK
    assert current.resolve() == exported.model_dir.resolve()


def test_onnx_graph_interface(exported: export.ExportResult, feature_order: list[str]) -> None:
    import onnxruntime as ort

    session = ort.InferenceSession(str(exported.model_dir / "model.onnx"))
    (model_input,) = session.get_inputs()
    assert (model_input.name, model_input.type) == (export.INPUT_NAME, "tensor(float)")
    assert model_input.shape[1] == len(feature_order)
    outputs = {o.name: o for o in session.get_outputs()}
    assert outputs[export.PROBABILITY_OUTPUT].type == "tensor(float)"


def test_selection_uses_validation_not_test(trained: train.TrainingResult) -> None:
    assert [r.name for r in trained.results] == list(train.CANDIDATES)
    assert trained.chosen == train.select_candidate([r.score() for r in trained.results])
    best_ap = max(r.validation.average_precision for r in trained.results)
    chosen_val = trained.result(trained.chosen).validation.average_precision
    assert chosen_val >= best_ap - train.AP_TOLERANCE
    assert all(r.us_per_row > 0 and r.validation_ops_per_row > 0 for r in trained.results)
    assert 0 < trained.threshold < 1
    chosen = trained.result(trained.chosen)
    assert chosen.test.auc_roc > 0.7  # far better than chance on the held-out week


def file_digests(model_dir: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in model_dir.iterdir()}


# A linear model, a forest and a boosted model (both converters), fast enough to train twice.
DETERMINISM_CANDIDATES = (
    "logistic_regression",
    "random_forest_depth_10_trees_25",
    "xgboost_depth_4_lr_0.1",
)


def test_identical_data_and_seed_give_the_identical_choice_and_artifact(
    small_frame: pd.DataFrame,
    small_dataset: data.Dataset,
    feature_order: list[str],
    tmp_path: Path,
) -> None:
    start = train.protocol_start(dt.date.fromisoformat(data.PRESETS["small"].start_date))
    runs = [
        train.train(small_frame, feature_order, start, seed=0, candidates=DETERMINISM_CANDIDATES)
        for _ in range(2)
    ]
    first, second = runs
    assert second.chosen == first.chosen
    # What the rule ranked on is equal, not just close: the cost is counted, not timed.
    assert [r.score() for r in second.results] == [r.score() for r in first.results]
    assert second.threshold == first.threshold
    exports = [
        export.export_model(run, small_dataset.data_hash, tmp_path / f"models-{i}")
        for i, run in enumerate(runs)
    ]
    # model.onnx, model.json and evaluation.md: the same bytes, under the same version.
    digests = [file_digests(e.model_dir) for e in exports]
    assert set(digests[0]) == {"model.onnx", "model.json", "evaluation.md"}
    assert digests[1] == digests[0]
    assert exports[1].model_dir.name == exports[0].model_dir.name
    # Exported again into the same models directory, the version is reused, not duplicated.
    models_dir = exports[0].model_dir.parent
    before = sorted(p.name for p in models_dir.iterdir())
    reused = export.export_model(second, small_dataset.data_hash, models_dir)
    assert reused.model_dir == exports[0].model_dir
    assert sorted(p.name for p in models_dir.iterdir()) == before


def test_a_version_directory_holding_other_files_is_not_overwritten(
    trained: train.TrainingResult, small_dataset: data.Dataset, tmp_path: Path
) -> None:
    first = export.export_model(trained, small_dataset.data_hash, tmp_path)
    (first.model_dir / "evaluation.md").write_text("edited by hand\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match="already exists with other files"):
        export.export_model(trained, small_dataset.data_hash, tmp_path)
    assert (first.model_dir / "evaluation.md").read_text(encoding="utf-8") == "edited by hand\n"


def genuine_test_rows(trained: train.TrainingResult) -> pd.DataFrame:
    test = trained.test_frame
    return test[(test["tx_fraud"] == 0) & (test["tx_amount"] < 150)].head(2000)


def test_high_terminal_risk_scores_higher_than_its_twin(
    exported: export.ExportResult, trained: train.TrainingResult
) -> None:
    base = genuine_test_rows(trained).copy()
    for w in (1, 7, 30):
        base[f"terminal_id_risk_{w}day_window"] = 0.0
        base[f"terminal_id_nb_tx_{w}day_window"] = np.maximum(
            base[f"terminal_id_nb_tx_{w}day_window"], w
        )
    risky = base.copy()
    for w in (1, 7, 30):
        risky[f"terminal_id_risk_{w}day_window"] = 0.8
    p_base = onnx_fraud_scores(exported, feature_matrix(base, trained.feature_order))
    p_risky = onnx_fraud_scores(exported, feature_matrix(risky, trained.feature_order))
    # +0.1 (was +0.2, calibrated on the 100-tree unlimited forest): on this small preset every
    # cheaper candidate the serving-aware rule can pick lands at +0.14..+0.17 (the 25/50-tree
    # forests, tuned XGBoost), the default-preset winner at +0.2. Still >10x the twin's score.
    assert p_risky.mean() > p_base.mean() + 0.1
    assert p_risky.mean() > 10 * p_base.mean()
    assert (p_risky > p_base).mean() > 0.9


def test_amount_over_220_scores_higher_than_its_twin(
    exported: export.ExportResult, trained: train.TrainingResult
) -> None:
    base = genuine_test_rows(trained)
    large = base.copy()
    large["tx_amount"] = 300.0
    p_base = onnx_fraud_scores(exported, feature_matrix(base, trained.feature_order))
    p_large = onnx_fraud_scores(exported, feature_matrix(large, trained.feature_order))
    assert p_large.mean() > p_base.mean() + 0.2
    assert (p_large > p_base).mean() > 0.9


def test_scores_do_not_depend_on_batch_order(
    exported: export.ExportResult, trained: train.TrainingResult
) -> None:
    x = feature_matrix(genuine_test_rows(trained), trained.feature_order)
    perm = np.random.default_rng(0).permutation(len(x))
    np.testing.assert_array_equal(
        onnx_fraud_scores(exported, x)[perm], onnx_fraud_scores(exported, x[perm])
    )


def test_parity_command_rechecks_an_export(
    exported: export.ExportResult, small_dataset: data.Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    current = exported.model_dir.parent / export.CURRENT_LINK
    code = cli.main(
        ["parity", "--model-dir", str(current), "--data-dir", str(small_dataset.path.parent)]
    )
    assert code == 0
    assert "parity ok" in capsys.readouterr().out


def fitted_tiny(name: str, n_rows: int = 2000) -> tuple[object, npt.NDArray[np.float32]]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n_rows, 15)).astype(np.float32)
    y = (x[:, 0] + 0.5 * rng.normal(size=n_rows) > 1.0).astype(np.int64)
    return train.build_candidate(name, seed=0).fit(x, y), x


def test_onnx_cost_is_median_run_time_per_row_with_a_fake_clock() -> None:
    model, x = fitted_tiny("decision_tree")
    model_bytes = export.to_onnx(model, 15).SerializeToString()
    ticks = iter(np.arange(0.0, 100.0, 0.004))  # every run takes 4 ms
    cost = serving_cost.onnx_us_per_row(
        model_bytes, x, batch_rows=1000, runs=5, clock=lambda: next(ticks)
    )
    assert cost == pytest.approx(4.0)


def test_onnx_session_for_the_cost_is_single_threaded() -> None:
    model, _ = fitted_tiny("decision_tree", 200)
    session = serving_cost.single_thread_session(export.to_onnx(model, 15).SerializeToString())
    options = session.get_session_options()
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (1, 1)


def test_a_large_forest_costs_more_than_a_shallow_tree() -> None:
    tree, x = fitted_tiny("decision_tree")
    forest, _ = fitted_tiny("random_forest")
    tree_cost = serving_cost.model_us_per_row(tree, x)
    forest_cost = serving_cost.model_us_per_row(forest, x)
    assert 0 < tree_cost < forest_cost
