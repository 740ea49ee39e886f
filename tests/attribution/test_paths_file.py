"""The aggregated path file, read by Arrow: hand-written files with known arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crmroi.attribution.paths import read_paths
from crmroi.errors import InputError


def _write(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "paths.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_paths_split_trimmed_and_coded_in_name_order(tmp_path: Path) -> None:
    text = (
        "path;total_conversions;total_conversion_value;total_null\n"
        "email > search >  direct;2;150.5;3\n"
        '"social;paid > email";0;;7\n'
        " >search>> ;1;20;0\n"
        ";0;0;4\n"
    )
    j = read_paths(_write(tmp_path, text, bom=True))
    assert j.keys == ("direct", "email", "search", "social;paid")
    assert j.offsets.tolist() == [0, 3, 5, 6, 6]
    assert j.codes.tolist() == [1, 2, 0, 3, 1, 2]
    assert j.conversions.tolist() == [2, 0, 1, 0]
    assert j.value.tolist() == [150.5, 0, 20, 0]
    assert j.nulls.tolist() == [3, 7, 0, 4]
    assert j.direct == frozenset({0})


def test_optional_columns_and_another_separator(tmp_path: Path) -> None:
    j = read_paths(_write(tmp_path, "total_conversions;path\n1;a|b\n3;b\n"), separator="|")
    assert (j.keys, j.codes.tolist(), j.conversions.tolist()) == (("a", "b"), [0, 1, 1], [1, 3])
    assert not np.any(j.value) and not np.any(j.nulls)


@pytest.mark.parametrize(
    ("text", "row", "column", "says"),
    [
        ("path;total_conversions\na;1\nb;x\n", 2, "total_conversions", "not a number"),
        ("path;total_conversions;total_null\na;1;-2\n", 1, "total_null", "finite count"),
        ("path;total_conversions;total_null\na;1;2\nb;1;inf\n", 2, "total_null", "finite count"),
    ],
)
def test_bad_numbers_name_row_and_column(
    tmp_path: Path, text: str, row: int, column: str, says: str
) -> None:
    with pytest.raises(InputError, match=says) as caught:
        read_paths(_write(tmp_path, text))
    assert (caught.value.row, caught.value.column) == (row, column)


@pytest.mark.parametrize(
    "text",
    ["", "path;conversions\na;1\n", "path;total_conversions\n", "path;total_conversions\na\n"],
)
def test_unreadable_files_are_input_errors(tmp_path: Path, text: str) -> None:
    with pytest.raises(InputError):
        read_paths(_write(tmp_path, text))
