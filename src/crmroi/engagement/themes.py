r"""Comment themes: free-text survey answers sorted into topics by keywords (English and German).

A theme is a name and a list of keyword stems; a comment belongs to every theme one of whose
stems starts a word in it (case-insensitive, so ``preis`` matches "Preiserhöhung" and ``bill``
matches "billing"), and to ``other`` when it matches none. The matching runs in the engine as one
regular expression per theme (``\b(stem1|stem2|…)``). :data:`DEFAULT_THEMES` is a starting
point; pass your own tuple of :class:`Theme` to fit your product and language.

For each theme the result gives the comments in it, their share of all comments, how many came
from detractors, the share of the theme's comments that are detractors', and the theme's NPS:
which topics the unhappy customers write about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from crmroi.engagement.surveys import responses
from crmroi.workspace import Workspace


@dataclass(frozen=True)
class Theme:
    """A topic and the keyword stems (any language) that signal it."""

    name: str
    keywords: tuple[str, ...]

    @property
    def pattern(self) -> str:
        """The regular expression the engine evaluates on lower-cased comments."""
        return r"\b(" + "|".join(re.escape(k.lower()) for k in self.keywords) + ")"

    def pattern_on(self, backend: str) -> str:
        r""":attr:`pattern` in the engine's dialect (PostgreSQL spells a word start ``\m``)."""
        return r"\m" + self.pattern[2:] if backend == "postgres" else self.pattern


DEFAULT_THEMES: tuple[Theme, ...] = (
    Theme(
        "price",
        ("price", "pric", "cost", "expensive", "cheap", "preis", "teuer", "kosten", "günstig"),
    ),
    Theme(
        "billing",
        (
            "bill",
            "invoice",
            "charg",
            "payment",
            "paid",
            "refund",
            "direct debit",
            "rechnung",
            "abrechnung",
            "zahlung",
            "gebühr",
            "lastschrift",
        ),
    ),
    Theme(
        "support",
        (
            "support",
            "customer service",
            "helpful",
            "help",
            "call centre",
            "call center",
            "staff",
            "agent",
            "advisor",
            "hotline",
            "kundendienst",
            "kundenservice",
            "beratung",
            "mitarbeiter",
            "hilfe",
        ),
    ),
    Theme(
        "speed",
        (
            "speed",
            "slow",
            "fast",
            "quick",
            "broadband speed",
            "mbps",
            "lag",
            "geschwindigkeit",
            "langsam",
            "schnell",
        ),
    ),
    Theme(
        "installation",
        (
            "install",
            "engineer",
            "technician",
            "setup",
            "set up",
            "router",
            "hub",
            "equipment",
            "installation",
            "techniker",
            "einrichtung",
        ),
    ),
    Theme(
        "reliability",
        (
            "drop",
            "disconnect",
            "outage",
            "down",
            "connection",
            "signal",
            "unreliable",
            "ausfall",
            "verbindung",
            "störung",
            "abbruch",
        ),
    ),
    Theme(
        "communication",
        (
            "communicat",
            "inform",
            "email",
            "e-mail",
            "letter",
            "told",
            "kept up",
            "kommunikation",
            "auskunft",
            "nachricht",
        ),
    ),
    Theme(
        "delay",
        (
            "delay",
            "wait",
            "late",
            "took",
            "weeks",
            "days",
            "verzögerung",
            "warten",
            "wartezeit",
            "spät",
        ),
    ),
)


def theme_table(
    ws: Workspace, themes: tuple[Theme, ...] = DEFAULT_THEMES, survey: str = "nps"
) -> ir.Table:
    """Ibis expression: one row with, per theme, ``<name>_n`` comments and ``<name>_det``."""
    t = responses(ws, survey)
    commented = t.filter(t.comment.notnull() & (t.comment.strip().length() > 0))
    text = commented.comment.lower()
    backend = ws.backend_name
    flags = {theme.name: text.re_search(theme.pattern_on(backend)) for theme in themes}
    matched_none = ibis.literal(True)
    for flag in flags.values():
        matched_none = matched_none & ~flag
    flags["other"] = matched_none
    s = commented.score
    metrics: dict[str, ir.Value] = {"comments": commented.count()}
    for name, flag in flags.items():
        metrics[f"{name}__n"] = flag.sum()
        metrics[f"{name}__scored"] = (flag & s.notnull()).sum()
        metrics[f"{name}__det"] = (flag & (s < 7)).sum()
        metrics[f"{name}__pro"] = (flag & (s >= 9)).sum()
    return commented.aggregate(**metrics)


def comment_themes(
    ws: Workspace, themes: tuple[Theme, ...] = DEFAULT_THEMES, survey: str = "nps"
) -> pd.DataFrame:
    """Per theme: comments, share of comments, detractors, detractor share, theme NPS."""
    row = theme_table(ws, themes, survey).to_pandas().iloc[0]
    total = int(row["comments"])
    out = []
    for name in [t.name for t in themes] + ["other"]:
        n, scored = int(row[f"{name}__n"]), int(row[f"{name}__scored"])
        det, pro = int(row[f"{name}__det"]), int(row[f"{name}__pro"])
        out.append(
            {
                "theme": name,
                "comments": n,
                "share_of_comments": n / total if total else float("nan"),
                "detractors": det,
                "detractor_share": det / scored if scored else float("nan"),
                "nps": 100 * (pro - det) / scored if scored else float("nan"),
            }
        )
    return pd.DataFrame(out)
