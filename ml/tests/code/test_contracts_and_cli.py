"""Contract loading, the current-symlink swap and the CLI's error handling."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fraudops_ml import cli, contracts
from fraudops_ml.export import point_current


def test_features_come_from_the_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = contracts.contracts_dir()
    shutil.copytree(source, tmp_path / "schemas")
    path = tmp_path / "schemas" / "transaction.schema.json"
    schema = json.loads(path.read_text())
    schema["x-model-features"] = list(reversed(schema["x-model-features"]))
    path.write_text(json.dumps(schema))
    monkeypatch.setenv(contracts.CONTRACTS_ENV, str(tmp_path / "schemas"))
    assert contracts.model_features() == schema["x-model-features"]


def test_missing_contracts_dir_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(contracts.CONTRACTS_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(contracts.ContractError, match="nowhere"):
        contracts.model_features()


def test_point_current_swaps_the_symlink(tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    link = point_current(tmp_path, "v1")
    assert link.resolve() == (tmp_path / "v1").resolve()
    point_current(tmp_path, "v2")
    assert link.resolve() == (tmp_path / "v2").resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "v1", "v2"]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["bogus"],
        ["simulate", "--out", "x.parquet", "--customers", "0"],
        ["simulate", "--out", "x.parquet", "--start-date", "2018-13-01"],
        ["train", "--data-dir", "d"],
        ["train", "--data-dir", "d", "--models-dir", "m", "--preset", "huge"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "error" in err


def test_missing_model_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["parity", "--model-dir", str(tmp_path), "--data-dir", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "model.json" in err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in ("simulate", "train", "replay", "parity"):
        assert command in out
