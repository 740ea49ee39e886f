"""A throwaway PostgreSQL server on loopback, from the OS package (never a download).

``initdb`` makes a cluster in a temporary folder with trust authentication for one user, and
``pg_ctl`` starts it on a free port that listens on 127.0.0.1 only. PostgreSQL refuses to run
as root, so under root (CI containers) the cluster belongs to the package's ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

INSTALL = "apt-get install -y postgresql (Debian), or `make system-deps`"
USER = "crmroi"


@dataclass(frozen=True)
class Server:
    """A running server: its data folder, port and the binaries that manage it."""

    data: Path
    port: int
    bindir: Path
    run_as: str | None

    @property
    def url(self) -> str:
        """An Ibis URL of the server's ``postgres`` database."""
        return f"postgres://{USER}@127.0.0.1:{self.port}/postgres"

    def database(self, name: str) -> str:
        """Create database ``name`` and return its Ibis URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name)
        return f"postgres://{USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop at once: the data is thrown away anyway."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip()}")


def binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` (Debian keeps them off PATH), or None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major)
    return Path(versions[-1]).parent if versions else None


def _major(path: str) -> int:
    return int(Path(path).parts[-3])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(folder: Path) -> Server:
    """Create and start a cluster under ``folder``; raise RuntimeError saying what failed.

    Under root the cluster goes to a fresh folder of its own in the system's temporary folder
    instead, owned by ``postgres``: pytest's temporary folders are private to root.
    """
    bindir = binaries()
    if bindir is None:
        raise RuntimeError(f"PostgreSQL is not installed: {INSTALL}")
    run_as = "postgres" if os.geteuid() == 0 else None
    if run_as:
        folder = Path(tempfile.mkdtemp(prefix="crmroi-postgres-"))
        shutil.chown(folder, user=run_as)
    server = Server(folder / "data", _free_port(), bindir, run_as)
    server._run("initdb", "-D", str(server.data), "-A", "trust", "-U", USER, "-E", "UTF8")
    options = (
        f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c timezone=UTC"
    )
    server._run("pg_ctl", "-D", str(server.data), "-o", options, "-l", str(folder / "log"),
                "-w", "start")  # fmt: skip
    return server
