"""The FastAPI application: ``create_app(settings)`` builds one, with all its state inside it.

No module-level state: the results cache, the kept uploads and the settings live on
``app.state``, so tests (and one process serving two workspaces) get independent apps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from crmroi import __version__
from crmroi.errors import CrmroiError
from crmroi.web import actions, api, pages
from crmroi.web.results import Results
from crmroi.web.security import guard
from crmroi.web.settings import WebSettings, check_bind

STATIC = Path(__file__).with_name("static")


def create_app(settings: WebSettings) -> FastAPI:
    """The dashboard and API on ``settings.workspace``; refuses an unguarded non-loopback host."""
    check_bind(settings.host, settings.token)
    results = Results(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        results.close()  # the worker process that recomputes slow results

    app = FastAPI(
        lifespan=lifespan,
        title="crmroi",
        version=__version__,
        description="KPIs, findings, attribution and ROI of one crmroi workspace.",
        docs_url=None,  # the interactive docs load their scripts from a CDN
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.results = results
    app.state.uploads = {}
    app.middleware("http")(guard(settings.token))
    app.add_exception_handler(CrmroiError, _analysis_error)
    app.add_api_route("/static/vega.js", _vega, include_in_schema=False)  # before the mount
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(actions.router)
    app.include_router(pages.router)
    return app


async def _analysis_error(request: Request, exc: Exception) -> Response:
    """What the data cannot answer: 422 with the CLI's error object."""
    error = {"type": type(exc).__name__, "message": str(exc)}
    return JSONResponse({"error": error}, status_code=422)


def _vega() -> Response:
    """Vega, Vega-Lite and vega-embed: the bundle the HTML report inlines, served as a file."""
    from crmroi.report.html import vega_bundle

    return Response(
        vega_bundle(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )
