"""``fastnn bench --population``: the population group's driver, its targets and its report.

Every row runs in a fresh worker process (:mod:`fastnn.bench.launch`), the population rows
pinned to ``threads`` CPUs (default 1: the issue's "1 thread unless said"; ``--threads N`` on the
command line), the grid searches on every core
(scikit-learn's search runs with ``n_jobs=-1``).  Results go to ``population.json`` and
``population.md`` beside the other benchmark results.
"""
from __future__ import annotations

import datetime
import json
import os
import sys
import time

from .launch import run_worker
from .population import IMPLS, POPULATIONS

# (what, workload, numerator impl, denominator impl or None for the GEMM peak, target ratio)
TARGETS = [
    ("256 tiny: train_many vs one fit at a time", "pop-tiny", "fastnn-population",
     "fastnn-one-by-one", 10.0),
    ("256 tiny: train_many vs JAX vmap + lax.scan", "pop-tiny", "fastnn-population", "jax-vmap",
     3.0),
    ("256 tiny: train_many vs torch.func vmap", "pop-tiny", "fastnn-population", "torch-func",
     100.0),
    ("256 tiny: train_many, fraction of the GEMM peak", "pop-tiny", "fastnn-population", None,
     0.10),
    ("64 small: train_many vs JAX vmap + lax.scan", "pop-small", "fastnn-population", "jax-vmap",
     2.0),
]
GRID_TARGET = 20.0


def _log(text):
    print(text, file=sys.stderr, flush=True)


def run(workloads=tuple(POPULATIONS), impls=IMPLS, grid=True, timeout_s=1200.0, threads=1):
    """Run the group, the population rows and the GEMM peak on ``threads`` CPUs (None: every
    library's own default); returns the JSON-ready results."""
    start, load = time.perf_counter(), _loadavg()
    _log(f"fastnn bench --population: machine info and GEMM peak ({threads or 'default'} "
         f"threads) ...")
    rows, error = run_worker({"kind": "machine", "threads": threads, "gemm_sizes": [256, 1024],
                              "gemm_time_s": 1.0}, threads, timeout_s=300)
    machine = rows[0] if rows else {"error": error}
    results = []
    for name in workloads:
        for impl in impls:
            _log(f"  {impl:<18} {name} ...")
            rows, error = run_worker({"kind": "population", "impl": impl, "workload": name,
                                      "threads": threads}, threads, timeout_s=timeout_s)
            results += rows or [{"impl": impl, "workload": name, "status": "failed",
                                 "reason": error}]
            _log(f"    {_line(results[-1])}")
    for impl in ("fastnn", "sklearn") if grid else ():
        _log(f"  {impl}-gridsearch (every core) ...")
        rows, error = run_worker({"kind": "grid_search", "impl": impl, "threads": None}, None,
                                 timeout_s=timeout_s)
        results += rows or [{"impl": f"{impl}-gridsearch", "status": "failed", "reason": error}]
        _log(f"    {_line(results[-1])}")
    return {"schema": "fastnn-bench-population/1",
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": machine, "rows": results, "threads": threads,
            "loadavg": {"start": load, "end": _loadavg()},
            "elapsed_s": time.perf_counter() - start}


def _line(row):
    if row.get("status") != "ok":
        return f"{row.get('status')}: {row.get('reason')}"
    if "model_samples_per_s" in row:
        return (f"{row['model_samples_per_s']:,.0f} model-samples/s, {row['gflops']:.2f} "
                f"GFLOP/s, check loss {row['check']['mean_loss']:.5f}")
    return f"{row['seconds']:.2f} s, best score {row['best_score']:.4f}"


def _loadavg():
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def _find(results, impl, workload=None):
    for row in results["rows"]:
        if row.get("impl") == impl and (workload is None or row.get("workload") == workload) \
                and row.get("status") == "ok":
            return row
    return None


def targets(results):
    """``[(what, measured, target, met)]`` for the issue's targets (None where not measured)."""
    peak = results["machine"].get("gemm_float32", {}).get("peak_gflops")
    out = []
    for what, workload, num, den, target in TARGETS:
        a = _find(results, num, workload)
        if den is None:
            value = a["gflops"] / peak if a and peak else None
        else:
            b = _find(results, den, workload)
            value = a["model_samples_per_s"] / b["model_samples_per_s"] if a and b else None
        out.append((what, value, target, value is not None and value >= target))
    ours, theirs = _find(results, "fastnn-gridsearch"), _find(results, "sklearn-gridsearch")
    if ours and theirs:
        speedup = theirs["seconds"] / ours["seconds"]
        out.append(("GridSearchCV 24x3: fastnn vs scikit-learn (n_jobs=-1)", speedup,
                    GRID_TARGET, speedup >= GRID_TARGET))
        gap = abs(ours["best_score"] - theirs["best_score"])
        out.append(("GridSearchCV 24x3: |best score difference|", gap, 0.01, gap <= 0.01))
    return out


def markdown(results):
    """The report: machine, the rows, the targets."""
    m = results["machine"]
    peak = m.get("gemm_float32", {}).get("peak_gflops")
    lines = ["# fastnn bench --population", "",
             f"{m.get('cpu', '?')}; GEMM float32 peak ({results.get('threads', 1) or 'default'} "
             f"threads) "
             f"{peak:.0f} GFLOP/s" if peak else "GEMM peak not measured",
             f"load average at start {results['loadavg']['start']}, at end "
             f"{results['loadavg']['end']}", "",
             "| workload | implementation | model-samples/s | GFLOP/s | epochs | first run s | "
             "check loss (mean over members) |", "|---|---|---|---|---|---|---|"]
    for row in results["rows"]:
        if "model_samples_per_s" in row:
            lines.append(f"| {row['workload']} ({row['members']}) | {row['impl']} | "
                         f"{row['model_samples_per_s']:,.0f} | {row['gflops']:.2f} | "
                         f"{row['epochs']} | {row['first_run_s']:.2f} | "
                         f"{row['check']['mean_loss']:.5f} |")
        elif row.get("workload") in POPULATIONS:
            lines.append(f"| {row['workload']} | {row['impl']} | {row.get('status')}: "
                         f"{row.get('reason')} | | | | |")
    grid = [r for r in results["rows"] if r.get("impl", "").endswith("gridsearch")]
    if grid:
        lines += ["", "| grid search (24 candidates x 3 folds) | seconds (second run) | first "
                  "run s | best score | best params |", "|---|---|---|---|---|"]
        for row in grid:
            if row.get("status") == "ok":
                lines.append(f"| {row['impl']} | {row['seconds']:.2f} | {row['first_s']:.2f} | "
                             f"{row['best_score']:.4f} | {row['best_params']} |")
            else:
                lines.append(f"| {row['impl']} | {row.get('status')}: {row.get('reason')} | | | |")
    lines += ["", "| target | measured | target | met |", "|---|---|---|---|"]
    for what, value, target, met in targets(results):
        shown = "not measured" if value is None else f"{value:.3g}"
        lines.append(f"| {what} | {shown} | {target:g} | {'yes' if met else 'no'} |")
    return "\n".join(lines) + "\n"


def write(results, out_dir):
    """``population.json`` and ``population.md`` in ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "population.json", out_dir / "population.md"]
    paths[0].write_text(json.dumps(results, indent=1, default=str))
    paths[1].write_text(markdown(results))
    return paths
