"""This tree's fastnn against another revision's, in one process, call by call.

On a shared machine whose speed drifts (this project's VMs run at one of two speeds ~30% apart,
switching between processes), two benchmark runs a minute apart can differ more than the change
being measured.  Here both versions run in the same process and their calls alternate (ABBA), so a
drift hits both sides alike; the figure to read is the median of the per-pair ratios.

Where each side's buffers land in memory also moves it, by up to ~10% on mnist and a few % on
the small workloads, and that offset is fixed for the life of a process: hence ``--processes``
(default 3) fresh processes, and the median of their medians.  Comparing a revision with itself
shows the noise floor (see benchmarks/README.md).

The revision's ``fastnn/`` is exported with ``git archive`` into a temporary folder as the package
``fastnn_rev`` (the library imports itself only relatively, so the two never mix; Numba caches
each copy's kernels beside its own files).  Only back ends that need no build run on the
revision: ``numba`` (default) and ``numpy``.  Comparing a revision with itself shows the noise
floor of the method.  From the repository root::

    python benchmarks/ab_revision.py HEAD~1 --population pop-tiny --processes 5
    python benchmarks/ab_revision.py main --workload mnist --mnist-path ../shared/data/mnist

A benchmark, not a test: timing depends on the machine and its load.
"""
from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from fastnn.bench import data
from fastnn.bench.population import POPULATIONS, _net
from fastnn.bench.workloads import MAIN

ROOT = Path(__file__).resolve().parent.parent


def export(revision, folder):
    """The revision's ``fastnn`` package as ``folder/fastnn_rev``; returns the imported module."""
    archive = folder / "rev.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", revision, "fastnn"], stdout=out,
                       check=True)
    with tarfile.open(archive) as tar:    # the "data" filter where Python has it (3.11.4+)
        tar.extractall(folder, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    (folder / "fastnn").rename(folder / "fastnn_rev")
    sys.path.insert(0, str(folder))
    return importlib.import_module("fastnn_rev")


def _workload(args):
    """The workload's name and member count (0: one network)."""
    return POPULATIONS[args.population] if args.population else (args.workload, 0)


def job(package, args, X, y):
    """A no-argument callable running the measured call once with ``package`` on ``X``, ``y``
    (the same arrays for both sides: a copy elsewhere in memory can shift a side by a few %)."""
    workload, n_members = _workload(args)
    wl = MAIN[workload]
    net = _net(wl, args.backend, seed=0, fastnn=package)
    if n_members:
        configs = [{"seed": m} for m in range(n_members)]
        return lambda: package.train_many(net, X, y, configs, epochs=wl.check_epochs,
                                          batch_size=wl.batch_size, shuffle=False)
    return lambda: net.fit(X, y, epochs=wl.check_epochs, batch_size=wl.batch_size,
                           shuffle=False)


def alternate(calls, pairs):
    """Seconds of each side's calls, ``pairs`` rounds in ABBA order after one warm-up each."""
    for call in calls.values():
        call()
    seconds: dict = {side: [] for side in calls}
    for round_ in range(pairs):
        for side in (list(calls) if round_ % 2 == 0 else list(calls)[::-1]):
            start = time.perf_counter()
            calls[side]()
            seconds[side].append(time.perf_counter() - start)
    return seconds


def measure(args):
    """One process's pairs: ``{"sides": {side: [seconds...]}, "ratio": median old/new}``."""
    import fastnn
    X, y = data.make_data(MAIN[_workload(args)[0]], args.mnist_path)[:2]
    with tempfile.TemporaryDirectory(prefix="fastnn-ab-") as folder:
        revision = export(args.revision, Path(folder))
        seconds = alternate({"this tree": job(fastnn, args, X, y),
                             args.revision: job(revision, args, X, y)}, args.pairs)
    ratios = [b / a for a, b in zip(*seconds.values())]
    return {"sides": seconds, "ratio": statistics.median(ratios)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="a git revision (commit, branch, HEAD~1, ...)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--population", choices=sorted(POPULATIONS),
                      help="one train_many call of the bench's population")
    what.add_argument("--workload", choices=sorted(MAIN), default="tiny",
                      help="one fit of a headline workload's check epochs (default tiny)")
    parser.add_argument("--backend", choices=("numba", "numpy"), default="numba")
    parser.add_argument("--pairs", type=int, default=11, help="pairs of calls per process")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--mnist-path", default=None)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:                        # a worker: one process's pairs, as JSON
        print(json.dumps(measure(args)))
        return
    given = sys.argv[1:] if argv is None else list(argv)
    runs = []
    for _ in range(args.processes):
        out = subprocess.run([sys.executable, __file__, *given, "--one"], capture_output=True,
                             text=True, check=True).stdout
        runs.append(json.loads(out.splitlines()[-1]))
    for side in runs[0]["sides"]:
        medians = [statistics.median(r["sides"][side]) * 1e3 for r in runs]
        print(f"{side:>12}: median per process " + ", ".join(f"{m:.1f}" for m in medians) + " ms")
    ratios = sorted(r["ratio"] for r in runs)
    print(f"{args.revision} / this tree: {statistics.median(ratios):.3f} (per process "
          + ", ".join(f"{r:.3f}" for r in ratios) + f"; {args.pairs} pairs each; > 1: this tree "
          f"is faster)")


if __name__ == "__main__":
    main()
