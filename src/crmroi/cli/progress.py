"""Progress display for long CLI steps: a Rich bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crmroi.cli.output import console


@contextlib.contextmanager
def progress_bar(total: int, label: str, *, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """Yield ``step(description)``: call it once per finished unit of work.

    Without a TTY (CI, pipes) each step is one plain line on stderr, so logs stay readable;
    ``quiet`` prints nothing (JSON output must stay clean).
    """
    if quiet:
        yield lambda _description: None
        return
    if not console.is_terminal:
        done = 0

        def plain(description: str) -> None:
            nonlocal done
            done += 1
            sys.stderr.write(f"{label} {done}/{total}: {description}\n")

        yield plain
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=total)

        def advance(description: str) -> None:
            progress.update(task, advance=1, description=f"{label}: {description}")

        yield advance
