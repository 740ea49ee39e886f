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
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pydantic

from crmroi.errors import ConfigError, did_you_mean
from crmroi.insights.settings import FindingsSettings
from crmroi.metrics.settings import KpiSettings
from crmroi.roi.settings import RoiSettings
from crmroi.targets.settings import ConfigTarget, parse_targets
from crmroi.workspace import DEFAULT_MEMORY_LIMIT, LOCK_WAIT_SECONDS

DEFAULT_CONFIG = "crmroi.toml"
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT])(i?)B\s*$", re.IGNORECASE)
MIN_MEMORY_BYTES = 64 * 2**20
"""Smallest cap the settings accept: ``crmroi kpis`` on the small demo company failed with
DuckDB's "Out of Memory Error" at 8MB and 32MB and ran at 64MB."""
EARLIEST_ADOPTION = date(1980, 1, 1)
"""No CRM went live before contact-management software existed; an earlier date is a typo."""
LANGUAGES = ("en", "de")
SECTIONS = ("company", "workspace", "kpis", "roi", "findings", "targets")

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
        if self.adoption_date is not None:
            check_adoption_date(self.adoption_date)


def check_adoption_date(value: date, key: str = "adoption_date") -> None:
    """Refuse a go-live (or ROI start) in the future or before 1980.

    Either stretches the ROI window over decades without data (2099-01-01 gave an 898-month ROI).
    """
    day = value.date() if isinstance(value, datetime) else value
    if day > date.today():
        raise ValueError(
            f"{key} {day.isoformat()} is in the future; give the day the CRM went live "
            "(or leave it out to take the first seat's active_from)"
        )
    if day < EARLIEST_ADOPTION:
        raise ValueError(
            f"{key} {day.isoformat()} is before {EARLIEST_ADOPTION.year}; "
            "give the day the CRM went live"
        )


def memory_bytes(text: str) -> int:
    """Bytes of a size such as ``4GiB`` or ``800MB`` (DuckDB's units: KB = 1000, KiB = 1024)."""
    match = _MEMORY.match(text)
    if match is None:
        raise ValueError(
            f"memory_limit must be a size such as 4GiB or 800MB, or none; not {text!r}"
        )
    number, unit, binary = match.groups()
    power = "KMGT".index(unit.upper()) + 1
    return int(float(number) * (1024 if binary else 1000) ** power)


@dataclass(frozen=True)
class WorkspaceSettings:
    """How the engine may use this machine (DuckDB workspaces)."""

    memory_limit: str = DEFAULT_MEMORY_LIMIT
    """DuckDB's memory cap, e.g. ``"4GiB"``; past it, work spills to ``temp_directory``.
    ``"none"`` leaves DuckDB's own default (80 % of RAM)."""
    temp_directory: str | None = None
    """Where DuckDB spills; default: ``<workspace file>.tmp`` next to the workspace."""
    lock_wait_seconds: float = LOCK_WAIT_SECONDS
    """How long a command waits while another process (an import) holds the workspace."""

    def __post_init__(self) -> None:
        if not self.lock_wait_seconds >= 0:
            raise ValueError("lock_wait_seconds must be 0 or more")
        if self.memory_limit.strip().lower() == "none":
            return
        if memory_bytes(self.memory_limit) < MIN_MEMORY_BYTES:
            raise ValueError(
                f"memory_limit {self.memory_limit!r} is too small for the analyses: "
                "give at least 64MiB"
            )

    def open_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`crmroi.open_workspace`."""
        limit = None if self.memory_limit.strip().lower() == "none" else self.memory_limit
        return {
            "memory_limit": limit,
            "temp_directory": self.temp_directory,
            "lock_wait": self.lock_wait_seconds,
        }


@dataclass(frozen=True)
class Config:
    """All settings of one company; every part has defaults."""

    company: CompanySettings = field(default_factory=CompanySettings)
    workspace: WorkspaceSettings = field(default_factory=WorkspaceSettings)
    kpis: KpiSettings = field(default_factory=KpiSettings)
    roi: RoiSettings = field(default_factory=RoiSettings)
    findings: FindingsSettings = field(default_factory=FindingsSettings)
    targets: tuple[ConfigTarget, ...] = ()
    """``[targets]``: goals per KPI and period (docs/targets.md)."""
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


def _unknown_keys(kind: type, data: Any, where: str) -> list[str]:
    """Problems for keys ``kind`` has no field for; pydantic would drop them silently.

    Recurses into nested dataclasses and lists of them (``[[roi.scenarios]]``).
    """
    if not isinstance(data, dict):
        return []
    names = [f.name for f in fields(kind)]
    problems = [
        f"{where} unknown key {key!r} ({did_you_mean(key, names)})"
        for key in data
        if key not in names
    ]
    hints = typing.get_type_hints(kind)
    for name in names:
        if name not in data:
            continue
        inner = _dataclass_in(hints[name])
        if inner is None:
            continue
        value = data[name]
        if isinstance(value, list):
            for i, item in enumerate(value, start=1):
                problems += _unknown_keys(inner, item, f"{where} {name}[{i}]:")
        else:
            problems += _unknown_keys(inner, value, f"{where} {name}:")
    return problems


def _dataclass_in(hint: Any) -> type | None:
    """The dataclass a field holds directly or as the items of a tuple or list."""
    if isinstance(hint, type) and is_dataclass(hint):
        return hint
    for arg in typing.get_args(hint):
        if isinstance(arg, type) and is_dataclass(arg):
            return arg
    return None


def _section(kind: type[T], data: Any, path: Path, name: str) -> T:
    unknown = _unknown_keys(kind, data, f"[{name}]")
    if unknown:
        raise ConfigError(f"{path}: {'; '.join(unknown)}")
    try:
        return pydantic.TypeAdapter(kind).validate_python(data or {}, strict=False)
    except pydantic.ValidationError as exc:
        problems = "; ".join(_problem(name, err) for err in exc.errors())
        raise ConfigError(f"{path}: {problems}") from None
    except (ValueError, TypeError, ConfigError) as exc:
        raise ConfigError(f"{path}: [{name}] {exc}") from None


def _read(path: Path) -> dict[str, Any]:
    """The parsed TOML; bytes that are not UTF-8 (TOML's only encoding) named by offset."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load_config(path: str | Path | None = None) -> Config:
    """Read ``path`` (or ``./crmroi.toml`` when it exists); no file means all defaults.

    A section or key the settings do not have stops with the closest valid name, as a typo
    (``discount_rat``) would otherwise leave the default in force without a word.
    """
    if path is None:
        default = Path(DEFAULT_CONFIG)
        if not default.is_file():
            return Config()
        path = default
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    data = _read(path)
    unknown = [
        f"unknown section [{name}] ({did_you_mean(name, SECTIONS)})"
        for name in data
        if name not in SECTIONS
    ]
    if unknown:
        raise ConfigError(f"{path}: {'; '.join(unknown)}")
    roi = _section(RoiSettings, data.get("roi"), path, "roi")
    for key in ("adoption_date", "start"):
        value = getattr(roi, key)
        if value is not None:
            try:
                check_adoption_date(value, key)
            except ValueError as exc:
                raise ConfigError(f"{path}: [roi] {exc}") from None
    return Config(
        company=_section(CompanySettings, data.get("company"), path, "company"),
        workspace=_section(WorkspaceSettings, data.get("workspace"), path, "workspace"),
        kpis=_section(KpiSettings, data.get("kpis"), path, "kpis"),
        roi=roi,
        findings=_section(FindingsSettings, data.get("findings"), path, "findings"),
        targets=parse_targets(data.get("targets"), str(path)),
        path=path,
    )
