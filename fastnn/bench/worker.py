"""Benchmark worker: runs one task in a fresh process (started by :mod:`fastnn.bench.launch`).

Run by path, ``python worker.py TASK.json ROWS.jsonl``, so that nothing heavy is imported before
the CPU affinity is set and, for the first-call task, before the clock starts: the module imports
only the standard library at the top.  Tasks (``task["kind"]``):

``machine``     machine info and the float32 GEMM peak (one row);
``train``       one implementation on a list of workloads (one row per workload);
``first_call``  ``import fastnn`` and the first ``fit`` epoch of one workload, timed (one row).
``quickstart``  the README's quickstart, end to end in a fresh process, timed (one row).
``population``  one population implementation on one population workload (one row).
``grid_search`` fastnn's or scikit-learn's GridSearchCV on the population group's grid (one row).
"""
import gc
import json
import os
import sys
import time
import traceback
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]  # run by path: keep this package's module names (data, machine, ...) off the top level


def _pin(threads):
    """Restrict this process to ``threads`` CPUs (the only thread cap every library obeys);
    ``threads`` None (library defaults) leaves it on every CPU."""
    if threads and hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        if threads < len(cpus):
            os.sched_setaffinity(0, cpus[:threads])


def _cpu_count():
    """How many CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _limit_pools(threads):
    """Cap every loaded native pool (BLAS, OpenMP) at ``threads`` (None: leave them); returns their
    counts by prefix."""
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return {}
    if threads:
        threadpool_limits(limits=threads)
    return {p["prefix"]: p["num_threads"] for p in threadpool_info()}


def _progress(row):
    if row["status"] != "ok":
        text = f"{row['status']}: {row['reason']}"
    else:
        rate = row["samples_per_s"]
        text = (f"{rate['median']:12,.0f} samples/s (min {rate['min']:,.0f}, max {rate['max']:,.0f})  "
                f"loss {row['check']['loss']:.5f} acc {row['check']['accuracy']:.3f}")
    print(f"  {row['impl']:<14} {row['workload']:<11} {text}", file=sys.stderr, flush=True)


def _train_one(impl, wl, task, guard):
    """Measure one implementation on one workload; returns the row fields beyond the identity."""
    from fastnn.bench import data, measure
    try:
        X, y = data.make_data(wl, task.get("mnist_path"))
    except (OSError, ValueError, ImportError) as exc:
        return {"status": "skipped", "reason": f"data unavailable: {type(exc).__name__}: {exc}"}
    threads = task["threads"]
    t0 = time.perf_counter()
    trainer = impl(wl, X, y, data.init_weights(wl.sizes), threads)
    setup_s = time.perf_counter() - t0
    pools = _limit_pools(threads)
    t0 = time.perf_counter()
    trainer.epochs(1)
    first_epoch_s = time.perf_counter() - t0
    if wl.check_epochs > 1:
        trainer.epochs(wl.check_epochs - 1)
    loss, accuracy = data.check(trainer.weights(), wl.activation, X, y)
    rate, others, redone = guard.run(
        lambda: measure.steady_rate(trainer.epochs, wl.n_samples, task["repeats"], task["min_repeat_s"]))
    return {
        "status": "ok", "setup_s": setup_s, "first_epoch_s": first_epoch_s,
        "compile_s_est": max(0.0, first_epoch_s - rate["epoch_s"]),
        "check": {"epochs": wl.check_epochs, "loss": loss, "accuracy": accuracy},
        "samples_per_s": {k: rate[k] for k in ("median", "min", "max", "repeats")},
        "epochs_per_repeat": rate["epochs_per_repeat"], "epoch_s": rate["epoch_s"],
        "gflops": rate["median"] * wl.flop_per_sample / 1e9,
        "others_cpu": others, "redone": redone,
        "threads": {"requested": threads, "cpus": _cpu_count(), **trainer.threads_used(), "pools": pools},
    }


def train(task, emit):
    """One row per workload for ``task["impl"]``: skipped, failed, or measured."""
    from fastnn.bench import measure
    from fastnn.bench.registry import implementation
    from fastnn.bench.workloads import Workload
    name = task["impl"]
    impl = implementation(name)
    reason = impl.unavailable()
    q = task["quiet"]
    guard = measure.Guard(q["threshold"], q["wait_s"], q["max_redo"])
    for wl in map(Workload.from_dict, task["workloads"]):
        row = {"impl": name, "workload": wl.name, "group": wl.group, "x": wl.x}
        if reason:
            row.update(status="skipped", reason=reason)
        else:
            try:
                row.update(_train_one(impl, wl, task, guard))
            except Exception as exc:  # one failing row must not lose the others
                traceback.print_exc()
                row.update(status="failed", reason=f"{type(exc).__name__}: {exc}")
        emit(row)
        _progress(row)
        gc.collect()


def first_call(task, emit):
    """Time ``import fastnn`` and the first ``fit`` epoch (compile included) of one workload."""
    t0 = time.perf_counter()
    import fastnn  # noqa: F401  (the import is what is being timed)
    import_s = time.perf_counter() - t0
    from fastnn.bench import data
    from fastnn.bench.registry import implementation
    from fastnn.bench.workloads import Workload
    wl = Workload.from_dict(task["workload"])
    X, y = data.make_data(wl, task.get("mnist_path"))
    weights = data.init_weights(wl.sizes)
    t0 = time.perf_counter()
    trainer = implementation(task["impl"])(wl, X, y, weights, task["threads"])
    trainer.epochs(1)
    first_fit_s = time.perf_counter() - t0
    epochs = []
    for _ in range(3):
        t0 = time.perf_counter()
        trainer.epochs(1)
        epochs.append(time.perf_counter() - t0)
    epoch_s = sorted(epochs)[1]
    emit({"import_s": import_s, "first_fit_s": first_fit_s, "epoch_s": epoch_s,
          "compile_s": max(0.0, first_fit_s - epoch_s), "total_s": import_s + first_fit_s})


def quickstart(task, emit):
    """Run the README's quickstart (``task["code"]``) in a scratch folder, timed end to end."""
    import tempfile
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fastnn-quickstart-") as tmp:
        os.chdir(tmp)
        exec(compile(task["code"], "README quickstart", "exec"), {"__name__": "__quickstart__"})
    emit({"total_s": time.perf_counter() - t0})


def machine(task, emit):
    """Machine info and GEMM peak under this worker's thread limits."""
    import numpy  # noqa: F401  (load BLAS before limiting it)
    _limit_pools(task["threads"])
    from fastnn.bench.machine import machine_info
    emit(machine_info(task["threads"], task["gemm_sizes"], task["gemm_time_s"]))


def population(task, emit):
    """One row of :mod:`fastnn.bench.population` (pools capped at ``task["threads"]`` like
    every training row)."""
    import numpy  # noqa: F401  (load BLAS before limiting it)
    _limit_pools(task["threads"])
    from fastnn.bench.population import measure_population
    emit(measure_population(task["impl"], task["workload"]))


def grid_search(task, emit):
    """The grid-search row of :mod:`fastnn.bench.population`, with every library's own threads."""
    from fastnn.bench.population import measure_grid_search
    emit(measure_grid_search(task["impl"]))


TASKS = {"machine": machine, "train": train, "first_call": first_call, "quickstart": quickstart,
         "population": population, "grid_search": grid_search}


def main(argv):
    task = json.loads(Path(argv[1]).read_text())
    _pin(task["threads"])
    with open(argv[2], "a") as out:
        def emit(row):
            out.write(json.dumps(row) + "\n")
            out.flush()
        TASKS[task["kind"]](task, emit)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
