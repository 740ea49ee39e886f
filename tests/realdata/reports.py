"""Write a workspace's report in every format and language, and read back what each section shows.

The HTML is parsed (stdlib parser, no extra dependency): a section *shows figures* when a metric
card's value, a table cell or a chart is there with a digit in it; otherwise its text must *name
what is missing*: the table or field to import and how (a `crmroi` command or a `crmroi.toml`
line), as issue 11 point 2 requires. A bare "Not computed: …" is neither.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .cli import Run, crmroi

FORMATS = ("html", "pdf", "xlsx")
SECTIONS = (
    "summary", "findings", "kpis", "sales", "funnel", "customers", "impact", "overview",
    "costs", "quality", "methods",
)  # fmt: skip
"""The built-in sections: each must be in the report, with figures or what is missing."""
LANGS = ("en", "de")
HOW_TO_ADD = re.compile(r"crmroi [a-z]+|crmroi\.toml|\[[a-z_]+\]\s*[a-z_]+\s*=", re.IGNORECASE)
DIGIT = re.compile(r"\d")


@dataclass
class SectionView:
    """What one ``<section>`` of the HTML report shows."""

    id: str
    title: str = ""
    values: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    charts: int = 0
    text: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    """Literal commands and settings lines (``<code>``): the same in every language."""

    @property
    def shows_figures(self) -> bool:
        return (
            any(DIGIT.search(v) for v in self.values)
            or any(DIGIT.search(c) for c in self.cells)
            or self.charts > 0
        )

    @property
    def names_what_is_missing(self) -> bool:
        return bool(HOW_TO_ADD.search(" ".join([*self.text, *self.code])))

    @property
    def all_text(self) -> str:
        return " ".join([self.title, *self.values, *self.cells, *self.text, *self.code])


class _ReportParser(HTMLParser):
    """Collect per section: metric values, table cells, charts, code and the remaining text."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[SectionView] = []
        self._stack: list[str] = []  # what the text now being read belongs to
        self._inside = False  # text after </section> (nav, footer) belongs to no section

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "section":
            self.sections.append(SectionView(id=a.get("id") or ""))
            self._inside = True
        if not self._inside:
            return
        if tag == "h2":
            self._stack.append("title")
        elif tag == "div" and "value" in classes:
            self._stack.append("value")
        elif tag == "td":
            self._stack.append("cell")
        elif tag == "code":
            self._stack.append("code")
        elif tag == "div" and "chart" in classes:
            self.sections[-1].charts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._inside = False
        if self._stack and tag in {"h2", "div", "td", "code"}:
            kind = self._stack[-1]
            if (tag, kind) in {("h2", "title"), ("div", "value"), ("td", "cell"), ("code", "code")}:
                self._stack.pop()

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if not text or not self._inside:
            return
        s = self.sections[-1]
        kind = self._stack[-1] if self._stack else "text"
        if kind == "title":
            s.title += text
        elif kind == "value":
            s.values.append(text)
        elif kind == "cell":
            s.cells.append(text)
        elif kind == "code":
            s.code.append(text)
        else:
            s.text.append(text)


def sections_of(html: str) -> list[SectionView]:
    """The report's sections, in order."""
    parser = _ReportParser()
    parser.feed(html)
    return parser.sections


def write_reports(workspace: Path, folder: Path, lang: str) -> tuple[Run, dict[str, Path]]:
    """``crmroi report`` in every format at once for one language."""
    stem = folder / f"report-{lang}"
    args = ["report", "-o", f"{stem}.html", "--lang", lang]
    for fmt in FORMATS:
        args += ["-f", fmt]
    run = crmroi(workspace, *args)
    return run, {fmt: stem.with_suffix(f".{fmt}") for fmt in FORMATS}


def xlsx_sheets(path: Path) -> list[str]:
    """Sheet names of an XLSX workbook (read from its zip, no spreadsheet library needed)."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode("utf-8")
    return re.findall(r'<sheet [^>]*name="([^"]+)"', book)


def check_written(run: Run, paths: dict[str, Path]) -> None:
    """The report command succeeded and wrote a readable file in every format."""
    run.assert_ok()
    html = paths["html"].read_text(encoding="utf-8")
    assert "<section" in html and "internal error" not in html.lower(), paths["html"]
    pdf = paths["pdf"].read_bytes()
    assert pdf[:5] == b"%PDF-" and pdf.rstrip().endswith(b"%%EOF"), paths["pdf"]
    sheets = xlsx_sheets(paths["xlsx"])
    assert sheets and all(len(name) <= 31 for name in sheets), sheets


def assert_report_written(reports: dict[str, tuple[Run, dict[str, Path]]], lang: str) -> None:
    """`crmroi report` wrote HTML, PDF and XLSX in ``lang`` without an internal error."""
    check_written(*reports[lang])


def assert_section_explained(
    reports: dict[str, tuple[Run, dict[str, Path]]], lang: str, section_id: str
) -> None:
    """The section is in the HTML report and shows figures or names what is missing and how
    to add it (issue 11 point 2)."""
    view = section(reports, lang, section_id)
    assert view.shows_figures or view.names_what_is_missing, (
        f"{section_id} ({lang}) shows no figure and does not say how to add what is missing: "
        f"{' '.join(view.text)[:300]!r}"
    )


def section(
    reports: dict[str, tuple[Run, dict[str, Path]]], lang: str, section_id: str
) -> SectionView:
    """One section of the written HTML report."""
    run, paths = reports[lang]
    run.assert_ok()
    found = [
        s for s in sections_of(paths["html"].read_text(encoding="utf-8")) if s.id == section_id
    ]
    assert found, f"no section {section_id!r} in {paths['html']}"
    return found[0]


def count_text(n: int, lang: str) -> str:
    """A count as the report writes it: 4,640 in English, 4.640 in German."""
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "de" else text


def _phrases(views: list[SectionView]) -> set[str]:
    """Word runs of three or more words between punctuation, from the sections' notes and
    captions (commands and settings lines in ``<code>`` are literal, the same in every language)."""
    out = set()
    for view in views:
        for chunk in view.text:
            for part in re.split(r"[:.;,()·–—]\s*", chunk):
                words = re.findall(r"[A-Za-zÄÖÜäöüß]{2,}", part)
                if len(words) >= 3:
                    out.add(" ".join(words).lower())
    return out


def english_left_in_german(reports: dict[str, tuple[Run, dict[str, Path]]]) -> list[str]:
    """Phrases of the English report's text found word for word in the German one."""
    views = {}
    for lang in LANGS:
        run, paths = reports[lang]
        run.assert_ok()
        views[lang] = sections_of(paths["html"].read_text(encoding="utf-8"))
    return sorted(_phrases(views["en"]) & _phrases(views["de"]))
