"""Freed memory kept for reuse while the models run, instead of fresh pages for every temporary.

glibc's malloc serves large blocks by ``mmap`` and gives them back on ``free``, and trims the
top of its heap once more than a threshold is free there. The models make many temporaries of
millions of elements (the design's entries, the fit's Gram slabs, the delta method's sums), so
each came back as fresh pages that the kernel faults in and zeroes one by one: at 30 channels
and 1M journeys 230k page faults, 0.4–0.8 s of system CPU for one ``attribution --paths`` run.
With blocks up to 32 MB (glibc's ceiling) taken from the heap and the heap not trimmed, a freed
temporary's pages serve the next one: 100k faults. On leaving, the heap is trimmed and the
thresholds are left where glibc's own dynamic thresholds end after large frees (32 MB for
``mmap``, twice that for trimming). Other C libraries (macOS, musl) are left alone.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_CEILING = 32 << 20
"""glibc's largest mmap threshold on 64-bit systems (and the ceiling of its dynamic one)."""
_NEVER = 2**31 - 1
"""The largest threshold ``mallopt`` takes (an int): 2 GB free at the heap's top before a trim."""


def _glibc() -> ctypes.CDLL | None:
    """The process's C library if it has glibc's ``mallopt`` and ``malloc_trim``."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    return libc


@contextmanager
def retained() -> Iterator[None]:
    """Freed blocks stay in malloc's heap for the next allocation; trimmed on leaving."""
    libc = _glibc()
    if libc is None:
        yield
        return
    libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_CEILING)
    libc.mallopt(_M_TRIM_THRESHOLD, _NEVER)
    try:
        yield
    finally:
        libc.mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_CEILING)
        libc.malloc_trim(0)
