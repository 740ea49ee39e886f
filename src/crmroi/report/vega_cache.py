"""The inlined Vega bundle, kept on disk between runs: bundling it costs ~2 s CPU every time.

``vl-convert`` bundles Vega, Vega-Lite and vega-embed (≈1 MB of JavaScript) on every call, the
same bytes for one ``vl-convert`` version. The first report writes them to
``$XDG_CACHE_HOME/crmroi`` (default ``~/.cache/crmroi``), named by that version and the
snippet; later reports read the file. A cache that cannot be written or read is skipped, and
the bundle is made as before.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def cache_dir() -> Path:
    """Where crmroi keeps files it can always rebuild."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crmroi"


def cached_bundle(version: str, snippet: str, make: Callable[[], str]) -> str:
    """The bundle of ``version`` with ``snippet``: from the cache, else ``make()`` stored there."""
    key = hashlib.sha256(f"{version}\n{snippet}".encode()).hexdigest()[:16]
    path = cache_dir() / f"vega-bundle-{key}.js"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    bundle = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # written beside and renamed: a report running at the same time never reads half a file
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return bundle
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(bundle)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
    return bundle
