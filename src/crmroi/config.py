"""``crmroi.toml`` → typed settings, with errors that name the file and the key.

One file configures a company: its name, reporting currency, report language and CRM adoption
date (``[company]``), and the knobs of each analysis (``[kpis]``, ``[roi]``, …), each validated
against the analysis's own frozen settings dataclass, so a setting is documented in one place.

Example::

    [company]
    name = "Muster GmbH"
    currency = "EUR"
    lang = "de"
    adoption_date = 2024-07-01

    [workspace]
    memory_limit = "4GiB"         # DuckDB's cap; "none" for its own 80 % of RAM

    [roi]
    margin = 0.6
    discount_rate = 0.08
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pydantic

from crmroi.errors import ConfigError
from crmroi.metrics.settings import KpiSettings
from crmroi.roi.settings import RoiSettings
from crmroi.workspace import DEFAULT_MEMORY_LIMIT

DEFAULT_CONFIG = "crmroi.toml"
_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*([KMGT]i?B)\s*$", re.IGNORECASE)
LANGUAGES = ("en", "de")

T = TypeVar("T")


@dataclass(frozen=True)
class CompanySettings:
    """Who the analysis is for and when the CRM went live."""

    name: str = "Your company"
    currency: str = "EUR"
    """ISO code of the reporting currency."""
    lang: str = "en"
    """Report language: ``en`` or ``de``."""
    adoption_date: date | None = None
    """When the CRM went live; splits before/after. Default: the first seat's ``active_from``."""

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValueError("currency must be an ISO 4217 code such as EUR")
        object.__setattr__(self, "currency", self.currency.upper())


@dataclass(frozen=True)
class WorkspaceSettings:
    """How the engine may use this machine (DuckDB workspaces)."""

    memory_limit: str = DEFAULT_MEMORY_LIMIT
    """DuckDB's memory cap, e.g. ``"4GiB"``; past it, work spills to ``temp_directory``.
    ``"none"`` leaves DuckDB's own default (80 % of RAM)."""
    temp_directory: str | None = None
    """Where DuckDB spills; default: ``<workspace file>.tmp`` next to the workspace."""

    def __post_init__(self) -> None:
        if self.memory_limit.strip().lower() != "none" and not _MEMORY.match(self.memory_limit):
            raise ValueError(
                f"memory_limit must be a size such as 4GiB or 800MB, or none; "
                f"not {self.memory_limit!r}"
            )

    def open_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`crmroi.open_workspace`."""
        limit = None if self.memory_limit.strip().lower() == "none" else self.memory_limit
        return {"memory_limit": limit, "temp_directory": self.temp_directory}


@dataclass(frozen=True)
class Config:
    """All settings of one company; every part has defaults."""

    company: CompanySettings = field(default_factory=CompanySettings)
    workspace: WorkspaceSettings = field(default_factory=WorkspaceSettings)
    kpis: KpiSettings = field(default_factory=KpiSettings)
    roi: RoiSettings = field(default_factory=RoiSettings)
    path: Path | None = None

    def roi_settings(self) -> RoiSettings:
        """ROI settings with the company's currency and adoption date filled in."""
        from dataclasses import replace

        updates: dict[str, Any] = {}
        if self.roi.currency is None:
            updates["currency"] = self.company.currency
        if getattr(self.roi, "adoption_date", None) is None and self.company.adoption_date:
            updates["adoption_date"] = datetime.combine(
                self.company.adoption_date, datetime.min.time()
            )
        return replace(self.roi, **updates) if updates else self.roi


def _problem(section: str, error: Any) -> str:
    """One problem as ``[roi] margin: …``; without the key when a whole-section check failed."""
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"[{section}] {where}: {message}" if where else f"[{section}] {message}"


def _section(kind: type[T], data: Any, path: Path, name: str) -> T:
    try:
        return pydantic.TypeAdapter(kind).validate_python(data or {}, strict=False)
    except pydantic.ValidationError as exc:
        problems = "; ".join(_problem(name, err) for err in exc.errors())
        raise ConfigError(f"{path}: {problems}") from None
    except (ValueError, TypeError, ConfigError) as exc:
        raise ConfigError(f"{path}: [{name}] {exc}") from None


def load_config(path: str | Path | None = None) -> Config:
    """Read ``path`` (or ``./crmroi.toml`` when it exists); no file means all defaults."""
    if path is None:
        default = Path(DEFAULT_CONFIG)
        if not default.is_file():
            return Config()
        path = default
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    known = {"company", "workspace", "kpis", "roi"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {unknown}; known: {sorted(known)}")
    return Config(
        company=_section(CompanySettings, data.get("company"), path, "company"),
        workspace=_section(WorkspaceSettings, data.get("workspace"), path, "workspace"),
        kpis=_section(KpiSettings, data.get("kpis"), path, "kpis"),
        roi=_section(RoiSettings, data.get("roi"), path, "roi"),
        path=path,
    )
