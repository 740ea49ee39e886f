"""The main job on the embedded default: synthesise a company, import it, write its report.

Everything goes through the paths a user takes: the generator writes canonical CSV files, the
importer loads them into a fresh DuckDB workspace (validation, quarantine, reconciliation), and
the report is built from that workspace alone.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crmroi.config import CompanySettings, Config, load_config
from crmroi.ingest import LoadResult, import_file
from crmroi.workspace import open_workspace

STEPS = ("generate", "write files", "import", "report")


@dataclass(frozen=True)
class DemoResult:
    """What the demo made, where, and how long it took."""

    out: Path
    workspace: Path
    report: Path
    pdf: Path | None
    xlsx: Path | None
    imports: tuple[LoadResult, ...]
    seconds: dict[str, float]


def _config_text(company: CompanySettings) -> str:
    return (
        "# crmroi settings of the demo company; edit and run `crmroi report` again.\n"
        "[company]\n"
        f'name = "{company.name}"\n'
        f'currency = "{company.currency}"\n'
        f'lang = "{company.lang}"\n'
        f"adoption_date = {company.adoption_date.isoformat() if company.adoption_date else ''}\n"
    )


def run_demo(
    out: Path,
    *,
    size: str = "medium",
    seed: int = 0,
    lang: str = "en",
    formats: tuple[str, ...] = ("html", "pdf", "xlsx"),
    on_step: Callable[[str], None] | None = None,
    spend_channels: bool = False,
) -> DemoResult:
    """Build the demo company in ``out`` and write its report; ``on_step`` hears each step.

    ``spend_channels``: the company also has channels known only by their weekly spend
    (:mod:`crmroi.synth.spend`), which the report's campaign ROI shows from the marketing-mix
    model.
    """
    from datetime import date

    from crmroi import synth
    from crmroi.report import build_report, write_report

    step = on_step or (lambda _name: None)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 3)
        clock = now
        step(name)

    company = synth.generate(size, seed, spend_channels=spend_channels)
    lap("generate")
    data_dir = out / "data"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    files = [p for p in synth.write(company, data_dir) if p.suffix in {".csv", ".parquet"}]
    adoption = date.fromisoformat(str(company.truth["adoption_date"])[:10])
    settings = CompanySettings(
        name=str(company.truth.get("company_name", "Demo GmbH")),
        currency=str(company.truth.get("currency", "EUR")),
        lang=lang,
        adoption_date=adoption,
    )
    config_path = out / "crmroi.toml"
    config_path.write_text(_config_text(settings), encoding="utf-8")
    lap("write files")

    db_path = out / "crmroi.duckdb"
    for stale in (db_path, db_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    with open_workspace(db_path) as ws:
        results = tuple(import_file(ws, path) for path in files)
        lap("import")
        config: Config = load_config(config_path)
        report = build_report(ws, config)
        written = write_report(report, out / "report", formats=formats)
        lap("report")
    return DemoResult(
        out=out,
        workspace=db_path,
        report=written["html"],
        pdf=written.get("pdf"),
        xlsx=written.get("xlsx"),
        imports=results,
        seconds=seconds,
    )
