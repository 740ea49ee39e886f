"""Uploaded exports: checked, stored outside every served path, then imported the CLI's way.

All files of one upload are read and checked (type, size, count) before any is imported, so an
oversized or wrong file refuses the whole upload and nothing reaches the workspace. A stored
file keeps its sanitised name (the import derives the target table from it) inside a fresh
folder of its own, so two uploads never overwrite each other.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from crmroi.errors import CrmroiError, InputError
from crmroi.web.models import DraftOut, UploadedFile, UploadOut
from crmroi.web.settings import WebSettings
from crmroi.workspace import Workspace

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120
PROBLEMS_SHOWN = 5


class UploadRefusedError(InputError):
    """An upload the server will not store: too big, too many files or the wrong type."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def safe_name(name: str) -> str:
    r"""The file's own name, without folders, reduced to letters, digits, ``.``, ``_`` and ``-``.

    ``../../etc/passwd`` becomes ``passwd``; ``C:\\x\\..\\evil.csv`` ``evil.csv``; a name with
    nothing left, or only dots, becomes ``upload``.
    """
    base = PureWindowsPath(PurePosixPath(name).name).name
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("_", ascii_name).strip("._")
    return cleaned[-MAX_NAME:] or "upload"


@dataclass(frozen=True)
class Incoming:
    """One uploaded file, read into memory and checked."""

    name: str
    data: bytes


def check(files: list[tuple[str, bytes]], settings: WebSettings) -> list[Incoming]:
    """The uploaded files with safe names, else :class:`UploadRefusedError` with the problem."""
    if not files:
        raise UploadRefusedError("choose at least one file to upload", 400)
    if len(files) > settings.max_upload_files:
        raise UploadRefusedError(
            f"{len(files)} files: upload at most {settings.max_upload_files} at once", 413
        )
    checked = []
    for raw_name, data in files:
        name = safe_name(raw_name)
        suffix = Path(name).suffix.lower()
        if suffix not in settings.suffixes:
            allowed = ", ".join(sorted(settings.suffixes))
            raise UploadRefusedError(
                f"{name}: crmroi cannot import {suffix or 'this'} files ({allowed})", 415
            )
        if len(data) > settings.max_upload_bytes:
            limit = settings.max_upload_bytes / 1024 / 1024
            raise UploadRefusedError(
                f"{name} is larger than the upload limit of {limit:.0f} MB: nothing was imported "
                "(import big files with `crmroi import FILE`)",
                413,
            )
        checked.append(Incoming(name, data))
    return checked


def store(files: list[Incoming], settings: WebSettings) -> list[Path]:
    """Write each file into a new private folder under the upload folder."""
    batch = settings.uploads / secrets.token_hex(8)
    batch.mkdir(parents=True, mode=0o700)
    paths = []
    for incoming in files:
        path = batch / incoming.name
        if path.exists():  # two files of one upload with one name: keep both
            path = batch / f"{secrets.token_hex(2)}-{incoming.name}"
        path.write_bytes(incoming.data)
        paths.append(path)
    return paths


def import_files(ws: Workspace, paths: list[Path], mapping: Path | None = None) -> UploadOut:
    """Import the stored files as ``crmroi import`` does; a failing file does not stop the rest."""
    from crmroi.ingest.exports import ExportResult, import_any
    from crmroi.ingest.relations import link_contacts

    done: list[ExportResult] = []
    errors: list[str] = []
    drafts: list[DraftOut] = []
    for path in paths:
        try:
            done.extend(import_any(ws, path, mapping=mapping))
        except CrmroiError as exc:
            message = str(exc).replace(str(path.parent) + "/", "")
            draft = _draft(path) if mapping is None else None
            if draft is None:
                errors.append(message)
            else:
                drafts.append(
                    DraftOut(batch=path.parent.name, file=path.name, error=message, toml=draft)
                )
    if done:
        link_contacts(ws)
    return UploadOut(files=[_file(e) for e in done], errors=errors, drafts=drafts)


def _draft(path: Path) -> str | None:
    """The mapping ``crmroi import --suggest-map`` drafts for the file (None: it cannot)."""
    from crmroi.ingest.draft_toml import draft_toml
    from crmroi.ingest.suggest import draft_for_file

    try:
        return draft_toml(draft_for_file(path), name=path.stem)
    except CrmroiError:
        return None


BATCH = re.compile(r"[0-9a-f]{16}")


def stored(settings: WebSettings, batch: str, name: str) -> Path:
    """A file of an earlier upload, by its batch and name (nothing outside the upload folder)."""
    if not BATCH.fullmatch(batch) or safe_name(name) != name:
        raise UploadRefusedError("no such upload", 404)
    path = settings.uploads / batch / name
    if not path.is_file():
        raise UploadRefusedError("no such upload: upload the file again", 404)
    return path


def _file(export: object) -> UploadedFile:
    from crmroi.ingest.exports import ExportResult

    assert isinstance(export, ExportResult)
    r = export.result
    problems = [
        f"row {p.row_number:,}" + (f", column {p.column}" if p.column else "") + f": {p.reason}"
        for p in r.problems[:PROBLEMS_SHOWN]
    ]
    return UploadedFile(
        file=Path(r.file).name,
        table=r.table,
        mapping=export.mapping if export.mapping == "canonical" else Path(export.mapping).name,
        rows_read=r.rows_read,
        rows_loaded=r.rows_loaded,
        rows_quarantined=r.rows_quarantined,
        notes=r.notes(),
        problems=problems,
    )
