"""The benchmark driver: plans the runs, starts one worker process per implementation, collects rows.

A run is described by :class:`Settings`; :func:`run_suite` returns the JSON-ready results dict
that :mod:`fastnn.bench.report` writes out.  Nothing here measures anything itself: timing happens
in the workers, under the same thread limits for every implementation.
"""
from __future__ import annotations

import datetime
import os
import sys
import time
from dataclasses import asdict, dataclass, field, replace

from . import fastnn_runner
from .launch import PACKAGE_ROOT, run_worker
from .measure import first_call_times, quickstart_times
from .registry import GPU_ONLY, default_impls, implementation, library
from .workloads import FULL_BATCHES, FULL_WIDTHS, MAIN, batch_sweep, width_sweep

SCHEMA = "fastnn-bench/1"


@dataclass
class Settings:
    """Everything that defines a run; stored in the results so a table can be traced to its command."""

    mode: str = "full"                      # "full" | "quick" | "gpu"
    threads: int | None = 1                 # None: every library's own default (--defaults)
    workloads: tuple = tuple(MAIN)
    impls: tuple = ()                       # empty: every implementation of the mode
    widths: tuple = FULL_WIDTHS
    batches: tuple = FULL_BATCHES
    repeats: int = 5
    min_repeat_s: float = 0.3
    quiet: dict = field(default_factory=lambda: {"threshold": 0.08, "wait_s": 5.0, "max_redo": 2})
    sweep_peers: tuple | None = None        # peers that run the sweeps too (None: all; fastnn always does)
    isolate: bool = True                    # a fresh process per headline workload (else one per impl)
    compile_on: tuple = ("tiny", "small")   # workloads whose first call is timed in fresh processes
    mnist_path: str | None = None
    max_samples: int | None = None          # smoke runs: at most this many samples, checked after 1 epoch
    timeout_s: float = 1800.0
    gemm_sizes: tuple = (256, 1024, 2048)
    gemm_time_s: float = 1.0


def _jobs(settings, impls):
    """``[(impl, [Workload, ...])]``, one worker process each, in the order they run.

    With ``settings.isolate``, workload-major: every implementation runs tiny, then every
    implementation runs small, ..., each headline workload in its own fresh process, so the rows a
    ratio compares are measured minutes apart at most, not a whole suite apart (load on a shared
    VM drifts).  Otherwise (``--quick``, to save process starts) one process per implementation
    runs all headline workloads.  Each sweep is one process per implementation; in ``--quick``
    only fastnn and ``settings.sweep_peers`` sweep.
    """
    main = [_sized(MAIN[name], settings) for name in settings.workloads]
    if settings.isolate:
        jobs = [(impl, [wl]) for wl in main for impl in impls]
    else:
        jobs = [(impl, main) for impl in impls if main]
    if settings.mode == "gpu":
        return jobs
    sweepers = [i for i in impls if settings.sweep_peers is None or i in settings.sweep_peers
                or i.startswith(fastnn_runner.PREFIX)]
    for sweep in (width_sweep(settings.widths), batch_sweep(settings.batches)):
        sweep = [_sized(wl, settings) for wl in sweep]
        jobs += [(impl, sweep) for impl in sweepers if sweep]
    return jobs


def _sized(wl, settings):
    """``wl`` cut to ``settings.max_samples`` samples and one check epoch (smoke runs), or as is."""
    if settings.max_samples is None or wl.n_samples <= settings.max_samples:
        return wl
    return replace(wl, n_samples=settings.max_samples, check_epochs=1)


def _log(text):
    print(text, file=sys.stderr, flush=True)


def run_suite(settings, argv=(), on_progress=None):
    """Run the benchmark described by ``settings``; returns the results dict (see ``benchmarks/README.md``).

    ``on_progress(results)``, if given, receives the results so far after every worker process,
    so a caller can write them as they come (a run cut short keeps its finished rows)."""
    start, load_start = time.perf_counter(), _loadavg()
    threads = f"{settings.threads} thread(s)" if settings.threads else "default threads"
    _log(f"fastnn bench ({settings.mode}, {threads}): machine info and GEMM peak ...")
    task = {"kind": "machine", "threads": settings.threads, "gemm_sizes": list(settings.gemm_sizes),
            "gemm_time_s": settings.gemm_time_s}
    rows, error = run_worker(task, settings.threads, timeout_s=300)
    machine = rows[0] if rows else {"error": error}
    impls = list(settings.impls) or default_impls(settings.mode)
    why_not = {name: _why_not(name, settings, machine) for name in impls}
    for name, reason in why_not.items():
        if reason:
            _log(f"  {name:<14} skipped: {reason}")
    results, defined = [], {}
    for name, plan in _jobs(settings, impls):
        defined.update((wl.name, wl) for wl in plan)
        if why_not[name]:
            rows = [_skipped(name, wl, why_not[name]) for wl in plan]
        else:
            task = {"kind": "train", "impl": name, "workloads": [wl.to_dict() for wl in plan],
                    "threads": settings.threads, "repeats": settings.repeats,
                    "min_repeat_s": settings.min_repeat_s, "quiet": settings.quiet,
                    "mnist_path": settings.mnist_path}
            rows, error = run_worker(task, settings.threads, timeout_s=settings.timeout_s)
            done = {r["workload"] for r in rows}
            rows += [_skipped(name, wl, error, "failed") for wl in plan if wl.name not in done]
        _annotate(rows, machine)
        results += rows
        if on_progress and not why_not[name]:
            on_progress(_results(settings, argv, machine, defined, results, [], start, load_start))
    compile_rows = _compile_times(impls, settings, machine)
    return _results(settings, argv, machine, defined, results, compile_rows, start, load_start)


def _results(settings, argv, machine, defined, rows, compile_rows, start, load_start):
    """The JSON-ready results dict of the rows measured so far."""
    return {
        "schema": SCHEMA,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "argv": list(argv), "settings": _jsonable(asdict(settings)), "machine": machine,
        "workloads": {wl.name: {**wl.to_dict(), "label": wl.label, "flop_per_sample": wl.flop_per_sample,
                                "needed_flop_per_sample": wl.needed_flop_per_sample}
                      for wl in defined.values()},
        "rows": list(rows), "compile": compile_rows,
        "loadavg": {"start": load_start, "end": _loadavg()}, "elapsed_s": time.perf_counter() - start,
    }


def _annotate(rows, machine):
    """Add each row's library version and its GFLOP/s as a fraction of the measured GEMM peak."""
    peak = machine.get("gemm_float32", {}).get("peak_gflops")
    versions = machine.get("versions", {})
    for row in rows:
        row["version"] = versions.get(library(row["impl"]))
        if row["status"] == "ok" and peak:
            row["gemm_peak_fraction"] = row["gflops"] / peak


def _why_not(name, settings, machine):
    """Why ``name`` is skipped in this run, or ``None``."""
    if settings.mode == "gpu" and name in GPU_ONLY and not machine.get("gpu"):
        return "no GPU (neither numba.cuda nor torch.cuda found one)"
    return implementation(name).unavailable()


def _skipped(name, wl, reason, status="skipped"):
    return {"impl": name, "workload": wl.name, "group": wl.group, "x": wl.x, "status": status,
            "reason": reason or "no result"}


def _compile_times(impls, settings, machine):
    """First-call times of every runnable fastnn implementation on ``settings.compile_on``, and
    the README quickstart end to end (from a checkout, when the timings are wanted)."""
    rows = []
    runnable = [n for n in impls if n.startswith(fastnn_runner.PREFIX) and not _why_not(n, settings, machine)]
    for name in runnable:
        for wl_name in settings.compile_on:
            wl = _sized(MAIN[wl_name], settings)
            _log(f"  {name:<14} {wl_name:<11} first call, fresh process, cold then warm cache ...")
            times = first_call_times(name, wl, settings.mnist_path, settings.threads, settings.timeout_s)
            rows.append({"impl": name, "workload": wl_name, **times})
    code = readme_quickstart()
    for name in runnable if settings.compile_on and code else ():
        if name != fastnn_runner.PREFIX + "cuda":
            _log(f"  {name:<14} README quickstart end to end, cold then warm cache ...")
            times = quickstart_times(code, name[len(fastnn_runner.PREFIX):], settings.threads,
                                     settings.timeout_s)
            rows.append({"impl": name, "workload": "README quickstart", **times})
    return rows


def readme_quickstart():
    """The first Python block after "## Quickstart" in the checkout's README, or None."""
    readme = PACKAGE_ROOT / "README.md"
    if not readme.is_file():
        return None
    text = readme.read_text(encoding="utf-8")
    start = text.find("## Quickstart")
    block = text.find("```python\n", start) if start >= 0 else -1
    end = text.find("```", block + 10) if block >= 0 else -1
    return text[block + len("```python\n"):end] if end > 0 else None


def _loadavg():
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def _jsonable(d):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
