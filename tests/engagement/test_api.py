"""The public namespace of crmroi.engagement."""

from __future__ import annotations

import crmroi.engagement as engagement


def test_all_names_exist_and_are_sorted() -> None:
    for name in engagement.__all__:
        assert hasattr(engagement, name), name
    assert list(engagement.__all__) == sorted(engagement.__all__, key=lambda n: (n.upper() != n, n))
