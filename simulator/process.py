"""How the clustersim process is set up before the heavy libraries load (`cli.main`).

A run holds about 1.6 GB at 10,000 draws (the per-cluster, district and commune draws) and
makes, chunk after chunk of draws, many temporaries of 1–30 MB. glibc's malloc by default
hands memory above its trim threshold back to the kernel (thread arenas: MADV_DONTNEED on
their top) and maps the larger blocks afresh each time, so the same temporaries were faulted
in again and zeroed by the kernel chunk after chunk: 615–680k minor page faults at 10,000
draws where the held numbers need about 380k. `tune_malloc` keeps freed memory for reuse.
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["MALLOPT", "tune_malloc"]

# mallopt(3) parameter numbers (glibc's <malloc.h>)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -2, -3, -8
_MIB = 1 << 20

# (parameter, value), applied in this order:
MALLOPT = (
    # blocks of 32 MiB and more (the held arrays) are mapped for themselves and given back
    # whole when freed; smaller ones come from the heap. A fixed threshold turns off glibc's
    # adjustment, which starts at 128 KiB and rises (to at most 32 MiB) only as it learns.
    (_M_MMAP_THRESHOLD, 32 * _MIB),
    # free memory at a heap's top is kept up to 64 MiB, not given back at glibc's default
    # (128 KiB, then twice the adjusted mmap threshold), so the next chunk reuses it
    (_M_TRIM_THRESHOLD, 64 * _MIB),
    # the main heap grows 64 MiB at a time (pages cost nothing until touched)
    (_M_TOP_PAD, 64 * _MIB),
    # one heap for every thread: a chunk thread reuses what the other freed, and the band,
    # price-response and writer threads what the chunks freed (glibc's default is up to 8 per
    # core, each keeping its own free memory)
    (_M_ARENA_MAX, 1),
)


def tune_malloc() -> bool:
    """Apply `MALLOPT` to glibc's malloc (in place for the whole process, at once: later
    allocations follow it); True if every setting was taken. Elsewhere (another C library,
    macOS, Windows) nothing is changed and False is returned. No number of a run depends on
    it: only where freed memory goes."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)  # the C library this process runs on
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    if not hasattr(libc, "gnu_get_libc_version"):  # musl's mallopt ignores these
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return all([mallopt(param, value) == 1 for param, value in MALLOPT])
