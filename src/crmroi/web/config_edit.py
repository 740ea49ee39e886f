"""Saving the Settings page's company fields into ``crmroi.toml``, the rest of the file untouched.

tomlkit edits the parsed document in place, so the other sections, the comments and the key
order stay as the user wrote them. The new text is checked by the loader the CLI uses before
it replaces the file (atomically): a value the settings refuse never reaches the file, and a
reader never sees half a file. The results cache keys on the file's size and modification time,
so every page shows the new settings on its next visit.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Table

from crmroi.config import Config, load_config
from crmroi.errors import ConfigError, InputError

MAX_NAME = 120


@dataclass(frozen=True)
class CompanyEdit:
    """The four ``[company]`` keys the page edits (no adoption date: the key is removed)."""

    name: str
    currency: str
    lang: str
    adoption_date: date | None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InputError("the company name is empty")
        if len(self.name) > MAX_NAME:
            raise InputError(f"the company name is longer than {MAX_NAME} characters")
        if any(ord(c) < 32 or ord(c) == 127 for c in self.name):
            raise InputError("the company name holds a control character")


def parse_day(text: str) -> date | None:
    """A form's ``YYYY-MM-DD`` (empty: none), refused with the value when it is not a day."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"adoption date {text!r} is not a day (YYYY-MM-DD)") from None


def save_company(path: Path, edit: CompanyEdit) -> Config:
    """Write ``edit`` into ``[company]`` of ``path`` (created when missing); the new settings.

    Raises InputError naming the refused value; the file is then unchanged.
    """
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise InputError(f"{path}: not valid TOML ({exc}); fix it in an editor first") from None
    company = doc.get("company")
    if company is None:
        company = tomlkit.table()
        doc["company"] = company
    if not isinstance(company, Table):
        raise InputError(f"{path}: [company] is not a table; fix it in an editor first")
    company["name"] = edit.name.strip()
    company["currency"] = edit.currency.strip().upper()
    company["lang"] = edit.lang
    if edit.adoption_date is not None:
        company["adoption_date"] = edit.adoption_date
    elif "adoption_date" in company:
        del company["adoption_date"]
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        temp.write_text(tomlkit.dumps(doc), encoding="utf-8")
        if path.is_file():
            shutil.copymode(path, temp)
        try:
            config = load_config(temp)
        except ConfigError as exc:
            raise InputError(str(exc).replace(str(temp), path.name)) from None
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return config
