"""Access token, CSRF tokens and security headers: every response passes through here.

The token may come as ``Authorization: Bearer …`` (scripts, the API) or as the cookie a browser
gets once it opened any page with ``?token=…`` (then the address bar is cleaned by a redirect).
Forms carry a CSRF token that must equal their cookie (double submit), and a POST whose
``Origin`` names another site is refused outright.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

from fastapi import Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse

TOKEN_COOKIE = "crmroi_token"  # noqa: S105 - a cookie name, not a secret
CSRF_COOKIE = "crmroi_csrf"
CSRF_FIELD = "csrf"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
"""No inline script anywhere: page data travels in ``application/json`` blocks that scripts
from the server read. Inline *styles* are allowed because Vega sets them on the SVG it draws."""

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

Handler = Callable[[Request], Awaitable[Response]]


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _presented(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(TOKEN_COOKIE)


def guard(token: str | None) -> Callable[[Request, Handler], Awaitable[Response]]:
    """The middleware: token check (when a token is set), then the headers on every answer."""

    async def middleware(request: Request, call_next: Handler) -> Response:
        response = await _checked(request, call_next, token)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith(("/api/", "/imports", "/settings")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return middleware


async def _checked(request: Request, call_next: Handler, token: str | None) -> Response:
    if token is None:
        return await call_next(request)
    given = request.query_params.get("token")
    if given is not None and request.method == "GET":
        if not _same(given, token):
            return PlainTextResponse("wrong access token", status_code=401)
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        target = request.url.path + ("?" + urlencode(rest) if rest else "")
        redirect = RedirectResponse(target, status_code=303)
        redirect.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return redirect
    if not _same(_presented(request), token):
        return PlainTextResponse(
            "access token required: open the address printed by `crmroi serve` "
            "(it ends in ?token=…) or send `Authorization: Bearer TOKEN`",
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return await call_next(request)


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (from its cookie, or a new one the response must set)."""
    current = request.cookies.get(CSRF_COOKIE)
    if current and len(current) >= 32:
        return current
    fresh: str = request.state.csrf if hasattr(request.state, "csrf") else secrets.token_urlsafe(32)
    request.state.csrf = fresh
    return fresh


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Set the cookie of a CSRF token made for this request."""
    fresh = getattr(request.state, "csrf", None)
    if fresh:
        response.set_cookie(CSRF_COOKIE, fresh, httponly=True, samesite="strict")


def csrf_ok(request: Request, submitted: str | None) -> bool:
    """Whether a form's token equals its cookie and the form came from this site."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        return False
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie) and _same(submitted, cookie or "")
