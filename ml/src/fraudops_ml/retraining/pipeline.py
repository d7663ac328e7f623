"""The retraining DAG's task bodies: plain functions of small JSON-ready states.

Each task returns a dict (paths, ids, metrics; what Airflow keeps as XCom) and hands large data
over as files under ``<work_dir>/<as-of date>/``. Every function is idempotent for an as-of date
(``as_of``: simulated time in the world, real time in production): a version already registered
for it, or an evaluation already finished, is reused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fraudops_ml import contracts, data, export, train
from fraudops_ml.features import add_features
from fraudops_ml.progress import Log
from fraudops_ml.retraining import scoring, tracking
from fraudops_ml.retraining.extract import Extract, extract_rows
from fraudops_ml.retraining.lake_source import open_lake
from fraudops_ml.retraining.promotion import compare_on_same_rows
from fraudops_ml.retraining.settings import Settings

State = dict[str, Any]


def print_log(message: str) -> None:
    """One progress line on stdout (Airflow shows task output in its log and in ``dags test``).

    Args:
        message: the line.
    """
    print(f"[retraining] {message}", flush=True)


@dataclass(frozen=True)
class RunContext:
    """Which DAG run a task belongs to.

    Attributes:
        as_of: the run's as-of date, ISO 8601 with offset (``as_of.resolve_as_of``; the
            idempotency key).
        dag_run_id: Airflow's run id.
        logical_date: the run's logical date (None for an asset-triggered run), for the record.
    """

    as_of: str
    dag_run_id: str
    logical_date: str | None = None

    @property
    def stamp(self) -> str:
        """Returns: the as-of date as a directory name, e.g. ``20261123T000000Z``."""
        instant = dt.datetime.fromisoformat(self.as_of).astimezone(dt.UTC)
        return f"{instant:%Y%m%dT%H%M%SZ}"

    @property
    def as_of_instant(self) -> dt.datetime:
        """Returns: the as-of date as an aware datetime."""
        return dt.datetime.fromisoformat(self.as_of)


def _reused(state: Mapping[str, Any]) -> bool:
    return bool(state.get("reused"))


def _run_dir(settings: Settings, context: RunContext) -> Path:
    return settings.work_dir / context.stamp


def _describe(extract: Extract) -> str:
    window = extract.window
    source = (
        f"{extract.lake_rows:,} of them from the lake as of {extract.lake_as_of:%Y-%m-%d %H:%M:%S}"
        f" ({extract.unlabelled_rows:,} without a label known then left out)"
        if extract.lake_as_of is not None
        else "the historic dataset only"
    )
    return (
        f"newest window: train {window.split.train_start}..{window.split.train_end} (excl.), "
        f"validation week {window.validation_split.test_start}..{window.validation_split.test_end} "
        f"(excl.), test week {window.test_week}; {len(extract.rows):,} rows from "
        f"{window.history_start}, {source}; data {extract.data_hash[:19]}"
    )


def extract_window(settings: Settings, context: RunContext, log: Log = print_log) -> State:
    """Find the newest window labelled as of the run's date and write its rows as parquet.

    Args:
        settings: retraining settings.
        context: the DAG run.
        log: progress logger.

    Returns:
        The state: paths, window dates, the as-of date, the lake rows and the digest of the
        rows read; or ``reused`` when a version is already registered for this as-of date.
    """
    tracking.check_reachable(settings.tracking_uri)
    mlflow = tracking.client(settings.tracking_uri)
    existing = tracking.version_for(mlflow, settings.model_name, context.as_of)
    if existing is not None and tracking.DECISION_TAG in existing.tags:
        log(
            f"{settings.model_name} version {existing.version} is already registered for "
            f"{context.as_of} ({existing.tags[tracking.DECISION_TAG]}): reusing it"
        )
        return {"reused": True, "version": str(existing.version), "tags": dict(existing.tags)}

    dataset = data.load_or_simulate(settings.data_dir, data.PRESETS[settings.preset], log)
    if dataset.transactions.empty:
        raise ValueError(f"dataset {dataset.path} has no transactions")
    extract = extract_rows(
        dataset.transactions,
        dataset.data_hash,
        open_lake(settings),
        context.as_of_instant,
        settings.feedback_delay_days,
        log,
    )
    run_dir = _run_dir(settings, context)
    path = run_dir / "transactions.parquet"
    data.write_transactions(extract.rows, path)
    log(f"as of {context.as_of}: dataset {dataset.path.name}; {_describe(extract)}")
    return {
        "reused": False,
        "run_dir": str(run_dir),
        "transactions": str(path),
        "dataset": str(dataset.path),
        "data_hash": extract.data_hash,
        "as_of": context.as_of,
        "lake_rows": extract.lake_rows,
        "lake_as_of": None if extract.lake_as_of is None else extract.lake_as_of.isoformat(),
        "unlabelled_rows": extract.unlabelled_rows,
        "window": extract.window.to_dict(),
        "test_week": extract.window.test_week,
        "rows": len(extract.rows),
    }


def build_features(state: State, log: Log = print_log) -> State:
    """Add the model inputs to the window's rows.

    Args:
        state: ``extract_window``'s state.
        log: progress logger.

    Returns:
        The state with ``features`` (a parquet file).
    """
    if _reused(state):
        return state
    tx = data.read_transactions(Path(state["transactions"]))
    frame = add_features(tx)
    path = Path(state["run_dir"]) / "features.parquet"
    frame.to_parquet(path, index=False)
    log(f"features for {len(frame):,} rows -> {path}")
    return {**state, "features": str(path)}


def train_candidates(settings: Settings, state: State, log: Log = print_log) -> State:
    """Fit every candidate on the window (``train.train``, one candidate at a time).

    One ``train.train`` call per candidate gives each its own fitted model, threshold and export;
    the selection rule is applied afterwards to all of them, as ``train.train`` would.

    Args:
        settings: retraining settings.
        state: ``build_features``'s state.
        log: progress logger.

    Returns:
        The state with ``candidates``: name -> pickled ``TrainingResult``.
    """
    if _reused(state):
        return state
    frame = pd.read_parquet(state["features"])
    order = contracts.model_features()
    train_start = dt.date.fromisoformat(state["window"]["train_start"])
    out_dir = Path(state["run_dir"]) / "candidates"
    out_dir.mkdir(parents=True, exist_ok=True)
    candidates: dict[str, str] = {}
    seen_protocol = False

    def candidate_log(message: str) -> None:
        # A one-candidate call's "chosen" line chooses nothing, and its protocol line repeats the
        # first one: the real choice is logged by evaluate_and_log.
        nonlocal seen_protocol
        if message.startswith("chosen:") or (message.startswith("protocol:") and seen_protocol):
            return
        seen_protocol = seen_protocol or message.startswith("protocol:")
        log(message)

    for name in settings.candidates:
        result = train.train(
            frame, order, train_start, seed=settings.seed, candidates=[name], log=candidate_log
        )
        path = out_dir / f"{name}.pkl"
        path.write_bytes(pickle.dumps(result))
        candidates[name] = str(path)
    return {**state, "candidates": candidates}


def _load_result(path: str) -> train.TrainingResult:
    result = pickle.loads(Path(path).read_bytes())
    if not isinstance(result, train.TrainingResult):
        raise TypeError(f"{path} does not hold a TrainingResult")
    return result


def _metrics(prefix: str, metrics: Mapping[str, float]) -> dict[str, float]:
    return {f"{prefix}{key}": float(value) for key, value in metrics.items()}


def _download_champion(
    settings: Settings, run_dir: Path, log: Log
) -> tuple[str | None, str, Path | None]:
    """Returns: the champion's version, its card version (for the log) and its directory."""
    mlflow = tracking.client(settings.tracking_uri)
    champion = tracking.alias_version(mlflow, settings.model_name, settings.champion_alias)
    if champion is None:
        log(f"no {settings.model_name}@{settings.champion_alias} yet")
        return None, "", None
    model_dir = run_dir / "champion"
    shutil.rmtree(model_dir, ignore_errors=True)
    tracking.download_model(settings.tracking_uri, champion, model_dir)
    label = champion.tags.get(tracking.CARD_VERSION_TAG, champion.source)
    return str(champion.version), str(label), model_dir


def _run_tags(context: RunContext) -> dict[str, str]:
    """Returns: the tags naming the DAG run on its MLflow runs and its version."""
    return {
        tracking.AS_OF_TAG: context.as_of,
        tracking.LOGICAL_DATE_TAG: context.logical_date or "none",
        tracking.DAG_RUN_TAG: context.dag_run_id,
    }


def evaluate_and_log(
    settings: Settings, context: RunContext, state: State, log: Log = print_log
) -> State:
    """Select, export, compare with the champion on the same rows, and log every candidate.

    Args:
        settings: retraining settings.
        context: the DAG run.
        state: ``train_candidates``'s state.
        log: progress logger.

    Returns:
        The state with the chosen run, its card version and the promotion decision.
    """
    if _reused(state):
        return state
    mlflow = tracking.client(settings.tracking_uri)
    experiment = tracking.experiment_id(mlflow, settings.experiment)
    done = tracking.finished_evaluation(mlflow, experiment, context.as_of)
    if done is not None:
        log(f"evaluation for {context.as_of} already logged (run {done['parent_run_id']})")
        return {**state, **done}

    results = {name: _load_result(path) for name, path in state["candidates"].items()}
    rows = [r.result(name) for name, r in results.items()]
    chosen = train.select_candidate([r.score() for r in rows])
    run_dir = Path(state["run_dir"])
    exports: dict[str, export.ExportResult] = {}
    for name, result in results.items():
        # The chosen model's evaluation.md lists every candidate, as a full train.train would.
        full = dataclasses.replace(result, results=rows) if name == chosen else result
        models_dir = run_dir / "models" / name
        shutil.rmtree(models_dir, ignore_errors=True)
        exports[name] = export.export_model(full, state["data_hash"], models_dir)

    test_frame = results[chosen].test_frame
    window = state["test_week"]
    champion_version, champion_label, champion_dir = _download_champion(settings, run_dir, log)
    comparison = compare_on_same_rows(
        exports[chosen].model_dir,
        champion_dir,
        test_frame,
        settings.promotion_metric,
        settings.min_gain,
        window,
    )
    decision, candidate, champion = comparison.decision, comparison.candidate, comparison.champion
    if champion is not None:
        log(
            f"champion: version {champion_version} ({champion_label}) re-evaluated on the test "
            f"week ({comparison.champion_rows_digest}): {settings.promotion_metric} "
            f"{champion[settings.promotion_metric]:.4f}"
        )
    log(f"chosen: {chosen}; {decision.reason}")

    tags = _run_tags(context)
    parent = tracking.start_parent_run(
        mlflow, experiment, f"retraining {context.stamp}", {**tags, "chosen": chosen}
    )
    try:
        run_ids: dict[str, str] = {}
        artifact_uris: dict[str, str] = {}
        for name, result in results.items():
            row = result.result(name)
            scores = scoring.onnx_scores(exports[name].model_dir, test_frame)
            plots = scoring.write_curves(
                test_frame["tx_fraud"].to_numpy(),
                scores,
                f"{name}, test week {window}",
                run_dir / "plots" / name,
            )
            metrics = {
                **_metrics("validation_", row.validation.to_dict()),
                **_metrics("test_", row.test.to_dict()),
                "validation_ops_per_row": row.validation_ops_per_row,
                "us_per_row": row.us_per_row,
                "fit_seconds": row.fit_seconds,
                "threshold": result.threshold,
                "onnx_parity_max_abs_diff": exports[name].parity_max_abs_diff,
            }
            run_tags = {**tags, "candidate": name, "chosen": str(name == chosen).lower()}
            if name == chosen:
                metrics.update(_metrics("promotion_candidate_", candidate))
                if champion is not None:
                    metrics.update(_metrics("promotion_champion_", champion))
                run_tags.update(
                    {
                        tracking.CARD_VERSION_TAG: exports[name].card["version"],
                        tracking.DECISION_TAG: decision.label,
                        tracking.REASON_TAG: decision.reason,
                        tracking.CHAMPION_VERSION_TAG: champion_version or "none",
                        tracking.ROWS_DIGEST_TAG: comparison.rows_digest,
                        tracking.CHAMPION_ROWS_DIGEST_TAG: comparison.champion_rows_digest
                        or "none",
                    }
                )
            params = {
                "candidate": name,
                "seed": result.seed,
                "preset": settings.preset,
                "data_hash": state["data_hash"],
                "as_of": state["as_of"],
                "lake_rows": state["lake_rows"],
                "lake_as_of": state["lake_as_of"] or "none",
                "card_version": exports[name].card["version"],
                **{f"window_{k}": v for k, v in state["window"].items()},
            }
            run_ids[name], artifact_uris[name] = tracking.log_candidate_run(
                mlflow,
                experiment,
                parent,
                name,
                params,
                metrics,
                run_tags,
                exports[name].model_dir,
                plots,
            )
            log(f"logged {name}: run {run_ids[name]}")
        summary = {
            "parent_run_id": parent,
            "chosen": chosen,
            "chosen_run_id": run_ids[chosen],
            "chosen_artifact_uri": artifact_uris[chosen],
            "card_version": exports[chosen].card["version"],
            "candidate_metrics": candidate,
            "champion_metrics": champion,
            "champion_version": champion_version,
            "rows_digest": comparison.rows_digest,
            "champion_rows_digest": comparison.champion_rows_digest,
            "promote": decision.promote,
            "decision": decision.label,
            "reason": decision.reason,
        }
        tracking.finish_parent_run(mlflow, parent, summary)
    except BaseException:
        tracking.fail_run(mlflow, parent)
        raise
    return {**state, **summary}


def register_best(
    settings: Settings, context: RunContext, state: State, log: Log = print_log
) -> State:
    """Register the chosen run's ``model`` directory as a new version (once per as-of date).

    Args:
        settings: retraining settings.
        context: the DAG run.
        state: ``evaluate_and_log``'s state.
        log: progress logger.

    Returns:
        The state with ``version``.
    """
    if _reused(state):
        return state
    mlflow = tracking.client(settings.tracking_uri)
    existing = tracking.version_for(mlflow, settings.model_name, context.as_of)
    if existing is not None:
        log(f"version {existing.version} already registered for {context.as_of}")
        return {**state, "version": str(existing.version)}
    tags = {
        tracking.CARD_VERSION_TAG: state["card_version"],
        **_run_tags(context),
        tracking.DECISION_TAG: state["decision"],
        tracking.REASON_TAG: state["reason"],
        tracking.CHAMPION_VERSION_TAG: state["champion_version"] or "none",
    }
    version = tracking.register_version(
        mlflow, settings.model_name, state["chosen_run_id"], state["chosen_artifact_uri"], tags
    )
    log(
        f"registered {settings.model_name} version {version.version} "
        f"({state['card_version']}) from {version.source}"
    )
    return {**state, "version": str(version.version)}


def promote_if_better(settings: Settings, state: State, log: Log = print_log) -> State:
    """Point the champion alias at the new version when the decision says so.

    Also completes a promotion that an interrupted earlier attempt decided but did not apply;
    never moves the alias back from a newer version.

    Args:
        settings: retraining settings.
        state: ``register_best``'s state (or ``extract_window``'s when reused).
        log: progress logger.

    Returns:
        ``{"version", "decision", "reason", "champion"}``: the outcome.

    Raises:
        RuntimeError: when the alias moved to another version since the comparison.
    """
    mlflow = tracking.client(settings.tracking_uri)
    version = str(state["version"])
    tags = state["tags"] if _reused(state) else {}
    decision = str(tags.get(tracking.DECISION_TAG, state.get("decision", "")))
    reason = str(tags.get(tracking.REASON_TAG, state.get("reason", "")))
    compared = tags.get(tracking.CHAMPION_VERSION_TAG, state.get("champion_version")) or "none"
    alias = settings.champion_alias
    current = tracking.alias_version(mlflow, settings.model_name, alias)
    current_version = "none" if current is None else str(current.version)
    if decision == "promoted" and current_version != version:
        if current_version == compared:
            tracking.set_alias(mlflow, settings.model_name, alias, version)
            current_version = version
            log(f"{settings.model_name}@{alias} -> version {version}")
        elif current_version != "none" and int(current_version) > int(version):
            log(f"{alias} already at newer version {current_version}; leaving it")
        else:
            raise RuntimeError(
                f"{settings.model_name}@{alias} moved to version {current_version} during the "
                f"run; version {version} was compared with version {compared}: rerun the DAG"
            )
    if current_version != "none":
        freeze_baseline(mlflow, settings, current_version, log)
    log(f"version {version}: {reason}; {alias} is version {current_version}")
    return {"version": version, "decision": decision, "reason": reason, "champion": current_version}


def freeze_baseline(mlflow: Any, settings: Settings, champion: str, log: Log) -> None:
    """Point the baseline alias at the champion once, if nothing holds it yet: the first champion.

    The baseline never moves afterwards: it is the model that was never retrained, scored in shadow
    on the same transactions (``fraudops_ml.quality.shadow``) to show what the loop bought.

    Args:
        mlflow: client.
        settings: retraining settings.
        champion: the champion's version.
        log: progress logger.
    """
    if tracking.alias_version(mlflow, settings.model_name, settings.baseline_alias) is None:
        tracking.set_alias(mlflow, settings.model_name, settings.baseline_alias, champion)
        log(f"{settings.model_name}@{settings.baseline_alias} -> version {champion} (frozen)")
