"""Pages that change the workspace (uploads, targets) and the report downloads.

A form must carry its CSRF token; an upload is checked whole before anything is imported, and
its result is kept in the app (bounded) for the page the browser is sent to afterwards.
"""

from __future__ import annotations

import csv
import io
import secrets
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from crmroi.config import LANGUAGES
from crmroi.errors import CrmroiError, InputError
from crmroi.web import queries, uploads
from crmroi.web.config_edit import MAX_NAME, CompanyEdit, parse_day, save_company
from crmroi.web.models import UploadOut
from crmroi.web.pages import LangParam, error_page, language, results, shell
from crmroi.web.render import page
from crmroi.web.results import Results
from crmroi.web.security import CSRF_FIELD, csrf_ok, csrf_token

router = APIRouter(include_in_schema=False)
KEPT_UPLOADS = 20
CHUNK = 1024 * 1024
REPORT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _uploads(request: Request) -> dict[str, UploadOut]:
    held: dict[str, UploadOut] = request.app.state.uploads
    return held


def imports_page(
    request: Request,
    lang: str,
    *,
    upload: UploadOut | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The upload form, an upload's reconciliation, the history and the quarantine."""
    settings = results(request).settings
    found = results(request).get(("imports",), queries.imports)
    return page(
        request,
        "imports.html.j2",
        page_id="imports",
        stale=found.stale,
        imports=found.value,
        upload=upload,
        error=error,
        status=status,
        csrf=csrf_token(request),
        accept=",".join(sorted(settings.suffixes)),
        shell=shell(request, lang),
    )


@router.get("/imports", response_class=HTMLResponse)
def imports(
    request: Request, lang: LangParam = None, upload: str | None = Query(None, max_length=40)
) -> HTMLResponse:
    """Upload exports; see what each import loaded and quarantined."""
    return imports_page(
        request, language(request, lang), upload=_uploads(request).get(upload or "")
    )


async def _read(file: UploadFile, limit: int) -> bytes:
    """The file's bytes, reading at most one byte past ``limit`` (then it is refused)."""
    parts, size = [], 0
    while size <= limit:
        chunk = await file.read(CHUNK)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _refusal(request: Request, lang: str, message: str, status: int) -> Response:
    if "text/plain" in request.headers.get("accept", ""):
        return PlainTextResponse(message, status_code=status)
    return imports_page(request, lang, error=message, status=status)


@router.post("/imports")
async def upload(request: Request, lang: LangParam = None) -> Response:
    """Check every file, store them, import them; then show the reconciliation."""
    lang = language(request, lang)
    settings = results(request).settings
    limit = settings.max_upload_bytes
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit * settings.max_upload_files + CHUNK:
        return _refusal(
            request,
            lang,
            f"the upload is larger than {limit // CHUNK} MB per file allows: nothing was imported",
            413,
        )
    form = await request.form(max_files=settings.max_upload_files + 1)
    try:
        if not csrf_ok(request, _text(form.get(CSRF_FIELD))):
            return PlainTextResponse(
                "the form expired or came from another site: reload the page", status_code=403
            )
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
        read = [(f.filename or "upload", await _read(f, limit)) for f in files]
        checked = uploads.check(read, settings)
    except uploads.UploadRefusedError as exc:
        return _refusal(request, lang, str(exc), exc.status)
    finally:
        await form.close()
    # in a worker thread: the import waits for the workspace (a background recomputation may
    # hold it for seconds), and waiting on the event loop stalled every other request
    outcome = await run_in_threadpool(_store_and_import, results(request), checked)
    return _show(request, lang, outcome)


def _store_and_import(res: Results, checked: list[uploads.Incoming]) -> UploadOut:
    """Store the checked files outside every served path and import them."""
    paths = uploads.store(checked, res.settings)
    with res.writing() as ws:
        return uploads.import_files(ws, paths)


MAX_MAPPING = 64 * 1024


@router.post("/imports/mapping")
def import_with_mapping(
    request: Request,
    batch: Annotated[str, Form(max_length=16)],
    file: Annotated[str, Form(max_length=200)],
    toml: Annotated[str, Form(max_length=MAX_MAPPING)],
    csrf: Annotated[str, Form()] = "",
    lang: LangParam = None,
) -> Response:
    """Import an uploaded file with the mapping confirmed (or edited) in the page."""
    lang = language(request, lang)
    if not csrf_ok(request, csrf):
        return PlainTextResponse(
            "the form expired or came from another site: reload the page", status_code=403
        )
    settings = results(request).settings
    try:
        path = uploads.stored(settings, batch, file)
    except uploads.UploadRefusedError as exc:
        return _refusal(request, lang, str(exc), exc.status)
    mapping = path.with_name(path.name + ".mapping.toml")
    mapping.write_text(toml, encoding="utf-8")
    with results(request).writing() as ws:
        outcome = uploads.import_files(ws, [path], mapping=mapping)
    return _show(request, lang, outcome)


def _show(request: Request, lang: str, outcome: UploadOut) -> Response:
    """Keep an upload's outcome (bounded) and send the browser to the page that shows it."""
    kept = _uploads(request)
    run = secrets.token_urlsafe(8)
    kept[run] = outcome
    while len(kept) > KEPT_UPLOADS:
        kept.pop(next(iter(kept)))
    return RedirectResponse(f"/imports?lang={lang}&upload={run}", status_code=303)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@router.get("/settings", response_class=HTMLResponse)
def settings(request: Request, lang: LangParam = None) -> HTMLResponse:
    """The settings in force and the targets, with a form to set one."""
    return settings_page(request, language(request, lang))


def settings_page(
    request: Request,
    lang: str,
    *,
    error: str | None = None,
    company_error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The settings page, with the reason a target or a company edit was refused."""
    from crmroi.metrics import REGISTRY

    res = results(request)
    asked = request.query_params.get("lang")
    found = res.get(("targets",), queries.targets)
    return page(
        request,
        "settings.html.j2",
        page_id="settings",
        stale=found.stale,
        status=status,
        config=res.config(),
        config_path=str(res.config_path),
        config_exists=res.config_path.is_file(),
        workspace=str(res.settings.workspace),
        registry=list(REGISTRY),
        target_grains=queries.TARGET_GRAINS,
        targets=found.value,
        url_lang=asked if asked in LANGUAGES else None,  # else the configured one shows
        max_name=MAX_NAME,
        error=error,
        company_error=company_error,
        csrf=csrf_token(request),
        shell=shell(request, lang),
    )


@router.post("/settings/target")
def set_target(
    request: Request,
    kpi: Annotated[str, Form(max_length=60)],
    grain: Annotated[str, Form(max_length=10)],
    period_start: Annotated[date, Form()],
    value: Annotated[float, Form(allow_inf_nan=False)],
    csrf: Annotated[str, Form()] = "",
    lang: LangParam = None,
) -> Response:
    """Set one company-wide target: a one-row targets file through the import path."""
    if not csrf_ok(request, csrf):
        return _expired()
    text = io.StringIO()
    csv.writer(text).writerows(
        [("kpi", "grain", "period_start", "value"), (kpi, grain, period_start.isoformat(), value)]
    )
    settings = results(request).settings
    folder = settings.uploads / secrets.token_hex(8)
    folder.mkdir(parents=True, mode=0o700)
    path = folder / "targets.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    with results(request).writing() as ws:
        outcome = uploads.import_files(ws, [path])
    problems = [p for f in outcome.files for p in f.problems] + outcome.errors
    if problems:
        return settings_page(
            request, language(request, lang), error="; ".join(problems), status=400
        )
    return RedirectResponse(f"/settings?lang={language(request, lang)}", status_code=303)


def _expired() -> Response:
    return PlainTextResponse(
        "the form expired or came from another site: reload the page", status_code=403
    )


@router.post("/settings/company")
def set_company(
    request: Request,
    name: Annotated[str, Form(max_length=4 * MAX_NAME)],
    currency: Annotated[str, Form(max_length=10)],
    company_lang: Annotated[str, Form(max_length=10)],
    adoption_date: Annotated[str, Form(max_length=20)] = "",
    csrf: Annotated[str, Form()] = "",
    lang: LangParam = None,
) -> Response:
    """Save company name, currency, language and go-live into the settings file."""
    if not csrf_ok(request, csrf):
        return _expired()
    res = results(request)
    try:
        edit = CompanyEdit(name, currency, company_lang, parse_day(adoption_date))
        save_company(res.config_path, edit)
    except InputError as exc:
        return settings_page(request, language(request, lang), company_error=str(exc), status=400)
    shown = f"?lang={lang}" if lang in LANGUAGES else ""
    return RedirectResponse(f"/settings{shown}", status_code=303)


@router.get("/report.{fmt}")
def download(request: Request, fmt: str, lang: LangParam = None) -> Response:
    """The report the CLI writes, in HTML, PDF or XLSX, from the cached computation."""
    if fmt not in REPORT_TYPES:
        return PlainTextResponse("report formats: html, pdf, xlsx", status_code=404)
    lang = language(request, lang)
    try:
        report = results(request).get(("report", lang), queries.ReportQuery(lang)).value
    except CrmroiError as exc:
        return error_page(request, "overview", lang, str(exc))
    from crmroi.report import write_report

    with tempfile.TemporaryDirectory(prefix="crmroi-report-") as folder:
        path = write_report(report, Path(folder) / "report", formats=[fmt])[fmt]
        body = path.read_bytes()
    name = f"crmroi-report-{lang}.{fmt}"
    return Response(
        body,
        media_type=REPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
