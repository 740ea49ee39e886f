"""`[targets]` in crmroi.toml: the shape is read by load_config, mistakes name the place."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmroi.config import load_config
from crmroi.errors import ConfigError
from crmroi.targets.settings import ConfigTarget

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_example_carries_a_target(tmp_path: Path) -> None:
    block = README.read_text(encoding="utf-8").split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "crmroi.toml").write_text(block, encoding="utf-8")
    assert load_config(tmp_path / "crmroi.toml").targets == (
        ConfigTarget("won_revenue", "2025-Q1", 300_000.0),
    )


def test_company_and_member_targets(tmp_path: Path) -> None:
    (tmp_path / "crmroi.toml").write_text(
        '[targets.won_deals]\n"2025-03" = 12\n'
        '[targets.won_deals.team]\nNorth = { "2025-03" = 7, "2025-04" = 8 }\n',
        encoding="utf-8",
    )
    assert load_config(tmp_path / "crmroi.toml").targets == (
        ConfigTarget("won_deals", "2025-03", 12.0),
        ConfigTarget("won_deals", "2025-03", 7.0, "team", "North"),
        ConfigTarget("won_deals", "2025-04", 8.0, "team", "North"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('targets = 5\n', "[targets] must be a table of KPIs"),
        ('[targets]\nwon_revenue = 5\n', "[targets] won_revenue: expected a table"),
        ('[targets.won_revenue.owner]\nu1 = 5\n', "[targets.won_revenue.owner] 'u1': expected"),
        ('[targets.won_revenue]\n"2025" = true\n', "a target must be a number, not True"),
        ('[target.won_revenue]\n"2025" = 1\n',
         "unknown section [target] (did you mean 'targets'?)"),
    ],
)  # fmt: skip
def test_shape_mistakes(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "crmroi.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)
