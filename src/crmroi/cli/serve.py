"""`crmroi serve`: the web dashboard on this machine (or, with a token, on the network)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer

from crmroi.cli.context import settings
from crmroi.cli.output import say
from crmroi.errors import InputError


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on; anything but loopback needs a token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    token: Annotated[
        bool,
        typer.Option(
            "--token",
            help="Require an access token (from CRMROI_TOKEN, else a new random one).",
        ),
    ] = False,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="crmroi.toml (default: ./crmroi.toml).")
    ] = None,
) -> None:
    """Serve the web dashboard: KPIs, findings, attribution, ROI and uploads in the browser.

    Listens on 127.0.0.1 by default. Any other address refuses to start without an access
    token (--token or the CRMROI_TOKEN environment variable); every request then needs it.
    """
    try:
        import uvicorn

        from crmroi.web.app import create_app
        from crmroi.web.settings import TOKEN_ENV, WebSettings
    except ImportError as exc:
        raise InputError(
            f"the dashboard needs the web extra ({exc.name} is missing): pip install 'crmroi[web]'"
        ) from None
    secret = os.environ.get(TOKEN_ENV) or (secrets.token_urlsafe(24) if token else None)
    web = WebSettings(workspace=settings(ctx).workspace, config=config, token=secret, host=host)
    app = create_app(web)  # refuses a non-loopback host without a token
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/" + (f"?token={secret}" if secret else "")
    say(f"crmroi dashboard on {address} (Ctrl+C stops it)")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def register(app: typer.Typer) -> None:
    """Add `serve` to the app."""
    app.command("serve")(serve)
