"""The world's settings: the config's `world` section, checked by world-settings.schema.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudops_ml.world.settings import (
    WorldSettingsError,
    load_world_settings,
    with_overrides,
)

from .conftest import WORLD_SECTION, write_config


def test_settings_come_from_the_config_file(tmp_path: Path) -> None:
    settings = load_world_settings(write_config(tmp_path))
    assert settings.speed == 600
    assert settings.fast_speed == 4320
    assert settings.scenario == "steady"
    assert settings.scenario_start_day == 14
    assert settings.reports.probability == 0.5
    assert settings.reports.max_days == 3
    assert settings.preset == "small"
    assert settings.bootstrap == "127.0.0.1:19092"
    assert dict(settings.topics) == {"transactions": "transactions", "labels": "labels"}
    assert settings.state_file == tmp_path / ".fraudops/world/state.json"
    assert settings.data_dir == tmp_path / "data"


def test_flags_override_single_values(tmp_path: Path) -> None:
    settings = load_world_settings(write_config(tmp_path))
    changed = with_overrides(settings, scenario="terminal-wave", speed=None, metrics_port=0)
    assert (changed.scenario, changed.speed, changed.metrics_port) == ("terminal-wave", 600, 0)


@pytest.mark.parametrize(
    ("world", "message"),
    [
        ({**WORLD_SECTION, "scenario": "meteor"}, r"field world\.scenario: 'meteor' is not one of"),
        ({**WORLD_SECTION, "speed": 0}, r"field world\.speed: 0 is less than or equal"),
        ({k: v for k, v in WORLD_SECTION.items() if k != "port"}, "'port' is a required"),
        (
            {**WORLD_SECTION, "cardholderReports": {"probability": 1, "minDays": 3, "maxDays": 1}},
            "maxDays must be >= minDays",
        ),
    ],
)
def test_an_invalid_world_section_is_named(
    tmp_path: Path, world: dict[str, object], message: str
) -> None:
    with pytest.raises(WorldSettingsError, match=message):
        load_world_settings(write_config(tmp_path, world))


def test_the_repository_config_is_valid_once_it_has_a_world_section() -> None:
    repo_config = Path(__file__).resolve().parents[3] / "fraudops.config.json"
    text = repo_config.read_text(encoding="utf-8")
    if '"world"' not in text:
        pytest.skip("fraudops.config.json has no world section yet (the lead adds it)")
    load_world_settings(repo_config)
