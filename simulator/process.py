"""How the clustersim process is set up before the heavy libraries load (`prepare`, first
thing in `cli.main`).

Memory: a run holds about 1.6 GB at 10,000 draws (the per-cluster, district and commune draws) and
makes, chunk after chunk of draws, many temporaries of 1–30 MB. glibc's malloc by default
hands memory above its trim threshold back to the kernel (thread arenas: MADV_DONTNEED on
their top) and maps the larger blocks afresh each time, so the same temporaries were faulted
in again and zeroed by the kernel chunk after chunk: 615–680k minor page faults at 10,000
draws where the held numbers need about 380k. `tune_malloc` keeps freed memory for reuse.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["ENVIRONMENT", "MALLOPT", "available_bytes", "prepare", "tune_malloc"]

# environment read by the libraries as they load (a value already set is left as it is)
ENVIRONMENT = {
    # numpy's huge-page advice on every large array makes first touch stall in memory
    # compaction on Linux with THP defrag=madvise (numpy/numpy#31590; benchmarks/README.md)
    "NUMPY_MADVISE_HUGEPAGE": "0",
    # numpy's and scipy's OpenBLAS each start a worker thread per core, which spin after
    # loading and after each call (blas_thread_server: ~1.6 % of a 1,000-draw run's CPU); the
    # run's own threads are its parallelism and its few BLAS calls are small
    "OPENBLAS_NUM_THREADS": "1",
}

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


def prepare() -> None:
    """`ENVIRONMENT` where not set, and malloc tuned (`tune_malloc`): before numpy and scipy
    load, or the environment comes too late for them (a second call changes nothing)."""
    for key, value in ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    tune_malloc()


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


def available_bytes() -> int:
    """Memory a run may use: MemAvailable of /proc/meminfo (Linux), else the physical memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 1 << 62  # unknown: do not refuse
