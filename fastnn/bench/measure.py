"""Timing: warm-up, repeats, median/min/max, and a guard against other processes' load.

On a 2-core VM one foreign process can slow a 2-thread pool 40x (``perf-anchors.md``, Noise), so
every steady-state measurement records the CPU share other processes took while it ran, waits for
a quiet moment first, and is redone (a bounded number of times) when the share was too high.
First-call (JIT compile) cost is measured apart: in the training worker as the first epoch minus a
steady epoch, and in fresh processes with a cold and a warm Numba cache (:func:`first_call_times`).
"""
from __future__ import annotations

import math
import os
import shutil
import statistics
import tempfile
import time

from .launch import run_worker


class LoadMonitor:
    """Share of the machine's CPU time used by other processes between :meth:`start` and :meth:`stop`.

    Reads ``/proc/stat`` (all CPUs) and ``/proc/self/stat`` (this process, all threads); on systems
    without ``/proc`` :meth:`stop` returns ``None``.  Hypervisor steal time counts as others' load.
    """

    def __init__(self):
        self.available = os.path.exists("/proc/stat") and os.path.exists("/proc/self/stat")
        self._start = None

    @staticmethod
    def _sample():
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:9]]
        user, nice, system, idle, iowait, irq, softirq, steal = fields
        with open("/proc/self/stat") as f:
            own = f.read().rsplit(")", 1)[1].split()
        own_busy = int(own[11]) + int(own[12])  # utime, stime (fields 14 and 15 of proc(5))
        busy = user + nice + system + irq + softirq + steal
        return busy, sum(fields), own_busy

    def start(self):
        """Begin a measurement window."""
        self._start = self._sample() if self.available else None

    def stop(self):
        """Others' CPU share (0..1 of all CPUs) since :meth:`start`, or ``None`` if unknown."""
        if self._start is None:
            return None
        busy, total, own = (b - a for a, b in zip(self._start, self._sample()))
        return max(0.0, (busy - own) / total) if total > 0 else 0.0


def wait_quiet(monitor, threshold, max_wait_s, window_s=0.5):
    """Wait (at most ``max_wait_s``) for a ``window_s`` window in which others used <= ``threshold``.

    Returns the last window's share (``None`` without ``/proc``; returns at once then).
    """
    deadline = time.perf_counter() + max_wait_s
    while True:
        monitor.start()
        time.sleep(window_s)
        share = monitor.stop()
        if share is None or share <= threshold or time.perf_counter() >= deadline:
            return share


def steady_rate(run_epochs, n_samples, repeats, min_repeat_s):
    """Samples/s of ``run_epochs(k)`` (which must block until the work is done), after warm-up.

    Times one epoch to choose ``k`` so that a repeat lasts at least ``min_repeat_s``, then times
    ``repeats`` calls of ``run_epochs(k)``.  Returns ``{"median", "min", "max", "repeats",
    "epochs_per_repeat", "epoch_s"}`` (rates in samples/s, ``epoch_s`` the median epoch time).
    """
    t0 = time.perf_counter()
    run_epochs(1)
    k = max(1, math.ceil(min_repeat_s / max(time.perf_counter() - t0, 1e-9)))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run_epochs(k)
        times.append(time.perf_counter() - t0)
    rates = [k * n_samples / t for t in times]
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates),
            "repeats": rates, "epochs_per_repeat": k, "epoch_s": statistics.median(times) / k}


class Guard:
    """Quiet wait and redo policy around each steady-state measurement.

    Before a measurement it waits up to ``wait_s`` for a quiet ``window_s`` (others' share <=
    ``threshold``); ``wait_s = 0`` turns waiting and redoing off (the share is still recorded).
    A measurement disturbed by a *transient* load (the machine was quiet just before) is redone
    up to ``max_redo`` times.  Under *persistent* load (still busy when the wait
    ran out) redoing cannot help: the row is kept with its share recorded, and later rows only
    check one window instead of waiting again until the machine is quiet.
    """

    def __init__(self, threshold, wait_s, max_redo, window_s=0.5):
        self.monitor = LoadMonitor()
        self.threshold, self.wait_s, self.max_redo, self.window_s = threshold, wait_s, max_redo, window_s
        self.busy = False

    def _too_busy(self, share):
        return share is not None and share > self.threshold

    def run(self, measure):
        """``(result, others_share, redone)`` of ``measure()``; the kept result is the last one."""
        redone = 0
        while True:
            if self.wait_s > 0:  # quick mode (wait_s 0) records the load but neither waits nor redoes
                wait = 0.0 if self.busy else self.wait_s
                self.busy = self._too_busy(wait_quiet(self.monitor, self.threshold, wait, self.window_s))
            self.monitor.start()
            result = measure()
            share = self.monitor.stop()
            if not self._too_busy(share) or self.busy or redone >= self.max_redo or self.wait_s <= 0:
                return result, share, redone
            redone += 1


def _cold_then_warm(task, threads, timeout_s, extra_env=None):
    """Run ``task`` in two fresh processes sharing one new, empty ``NUMBA_CACHE_DIR``: the first
    compiles everything (cold), the second loads what the first cached (warm)."""
    cache_dir = tempfile.mkdtemp(prefix="fastnn-bench-numba-cache-")
    try:
        out = {}
        for phase in ("cold", "warm"):
            env = {"NUMBA_CACHE_DIR": cache_dir, **(extra_env or {})}
            rows, error = run_worker(task, threads, env, timeout_s)
            out[phase] = rows[0] if rows else {"error": error or "no result"}
        return out
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)


def quickstart_times(code, backend, threads, timeout_s):
    """The README quickstart ``code`` end to end on ``backend``, cold and then warm (see
    :func:`_cold_then_warm`): ``{"cold": {"total_s": ...}, "warm": ...}``."""
    return _cold_then_warm({"kind": "quickstart", "code": code, "threads": threads}, threads,
                           timeout_s, {"FASTNN_BACKEND": backend})


def first_call_times(impl, workload, mnist_path, threads, timeout_s):
    """First-call cost of ``impl`` on ``workload`` in fresh processes: a cold, then a warm Numba cache.

    Both processes point ``NUMBA_CACHE_DIR`` at the same new, empty temporary directory, so the
    first one compiles everything and the second one loads what the first one cached.  Returns
    ``{"cold": ..., "warm": ...}``, each the worker's ``{"import_s", "first_fit_s", "epoch_s",
    "compile_s"}`` or ``{"error": ...}``.
    """
    task = {"kind": "first_call", "impl": impl, "workload": workload.to_dict(),
            "mnist_path": mnist_path, "threads": threads}
    return _cold_then_warm(task, threads, timeout_s)
