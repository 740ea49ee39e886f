"""Server-side pages: one Jinja2 environment (autoescaped) and the context every page shares."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from crmroi.config import LANGUAGES
from crmroi.report.html import script_json
from crmroi.report.i18n import VEGA_LOCALES, format_value, t
from crmroi.web.i18n import PAGES, page_name, w
from crmroi.web.security import set_csrf_cookie

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Shell:
    """What every page's header shows: language, company name and its currency."""

    lang: str
    company: str
    currency: str


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Templates with autoescaping on for every file: data is text, never markup."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


@functools.lru_cache(maxsize=4)
def chart_locale(lang: str) -> str:
    """Vega's number and time formats of ``lang`` as JSON (German decimal commas, month names)."""
    import vl_convert as vlc

    code = VEGA_LOCALES.get(lang, "en-GB")
    return script_json(
        {"format": vlc.get_format_locale(code), "time": vlc.get_time_format_locale(code)}
    )


def page(
    request: Request,
    template: str,
    *,
    page_id: str,
    shell: Shell,
    charts: Mapping[str, Any] | None = None,
    stale: bool = False,
    status: int = 200,
    title: str | None = None,
    **values: Any,
) -> HTMLResponse:
    """Render ``template`` with the shared context; the CSRF cookie is set when it is new."""
    lang, currency = shell.lang, shell.currency

    def fmt(value: Any, unit: Any) -> str:
        return format_value(value, unit, lang, currency)

    here = request.url.path
    rest = [(k, v) for k, v in request.query_params.multi_items() if k not in {"lang", "token"}]
    if rest:
        here += "?" + urlencode(rest)
    html = (
        environment()
        .get_template(template)
        .render(
            lang=lang,
            languages=LANGUAGES,
            page=page_id,
            pages=PAGES,
            title=title or page_name(page_id, lang),
            company=shell.company,
            here=here,
            stale=stale,
            fmt=fmt,
            w=lambda key: w(key, lang),
            t=lambda key: t(key, lang),
            charts_json=script_json(dict(charts or {})),
            locale_json=chart_locale(lang),
            **values,
        )
    )
    response = HTMLResponse(html, status_code=status)
    set_csrf_cookie(request, response)
    return response
