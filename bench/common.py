"""Shared helpers for benchmarks: medians of repeated runs, peak memory."""

import statistics
import time


def median_seconds(function, repeat=3):
    """Median wall time of ``repeat`` calls of ``function`` (and its last result)."""
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result
