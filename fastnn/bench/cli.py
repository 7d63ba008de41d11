"""``fastnn bench`` / ``python -m fastnn.bench``: the command line of the benchmark harness."""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from . import report, workloads
from .launch import PACKAGE_ROOT
from .registry import implementation
from .suite import Settings, run_suite

MODES = {
    "full": dict(repeats=5, min_repeat_s=0.3, quiet={"threshold": 0.08, "wait_s": 5.0, "max_redo": 2},
                 compile_on=("tiny", "small"), gemm_sizes=(256, 1024, 2048), gemm_time_s=1.0),
    "quick": dict(repeats=3, min_repeat_s=0.1, quiet={"threshold": 0.08, "wait_s": 0.0, "max_redo": 0},
                  compile_on=("tiny",), gemm_sizes=(512,), gemm_time_s=0.2, workloads=workloads.QUICK_MAIN,
                  widths=workloads.QUICK_WIDTHS, batches=workloads.QUICK_BATCHES, timeout_s=300.0,
                  sweep_peers=("torch-eager",), isolate=False),
}


def default_out_dir():
    """``benchmarks/results`` of the source checkout when running from one, else
    ``./fastnn-bench-results``."""
    checkout = PACKAGE_ROOT / "benchmarks"
    if (PACKAGE_ROOT / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout / "results"
    return Path.cwd() / "fastnn-bench-results"


def _names(text, known, what):
    """Split a comma list; ``none`` gives an empty tuple; names outside ``known`` are an error."""
    if text.strip().lower() == "none":
        return ()
    names = tuple(t.strip() for t in text.split(",") if t.strip())
    bad = [n for n in names if known is not None and n not in known]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown {what} {bad}; expected some of {list(known)}")
    return names


def _ints(text):
    return tuple(int(t) for t in _names(text, None, "")) if text.strip().lower() != "none" else ()


def build_parser():
    """The argument parser (``--help`` documents every option)."""
    p = argparse.ArgumentParser(
        prog="fastnn bench",
        description="Train the same MLPs with fastnn's back ends and with PyTorch, JAX and scikit-learn; "
                    "report samples/s, GFLOP/s, compile time and the check loss/accuracy "
                    "(JSON + markdown + PNG).")
    p.add_argument("--quick", action="store_true", help="fewer repeats and workloads, small sweeps (< 2 min)")
    p.add_argument("--gpu", action="store_true",
                   help="GPU suite: fastnn numba (CPU) vs fastnn cuda vs PyTorch CUDA eager on "
                        "tiny/small/mnist/wide")
    p.add_argument("--population", action="store_true",
                   help="the population group: 256 tiny and 64 small networks (train_many vs one fit "
                        "at a time vs torch.func vmap vs JAX vmap over lax.scan, --threads) and a "
                        "24x3 GridSearchCV vs scikit-learn's (every core); writes population.json/.md")
    p.add_argument("--no-grid", action="store_true", help="--population without the grid searches")
    p.add_argument("--population-workloads", type=lambda t: _names(t, ("pop-tiny", "pop-small"),
                                                                   "population workload"),
                   help="population workloads, comma-separated (default pop-tiny,pop-small)")
    p.add_argument("--threads", type=int, default=1, help="threads for every implementation (default 1)")
    p.add_argument("--defaults", action="store_true",
                   help="every library with its own default threading (fastnn 'auto', PyTorch and "
                        "JAX all cores): what a user gets without tuning; overrides --threads")
    p.add_argument("--workloads", type=lambda t: _names(t, workloads.MAIN, "workload"),
                   help=f"headline workloads, comma-separated, or none (default all of "
                        f"{list(workloads.MAIN)}; "
                        f"--quick: {list(workloads.QUICK_MAIN)})")
    p.add_argument("--impl", type=lambda t: _names(t, None, "implementation"),
                   help="implementations, comma-separated (default: every fastnn back end, torch-eager, "
                        "jax-step, jax-scan, sklearn; --gpu: fastnn-numba, fastnn-cuda, torch-cuda)")
    p.add_argument("--widths", type=_ints, help="hidden widths of the width sweep, or none")
    p.add_argument("--batches", type=_ints, help="batch sizes of the batch sweep, or none")
    p.add_argument("--repeats", type=int, help="timed repeats per row (full 5, quick 3)")
    p.add_argument("--min-repeat-s", type=float, help="minimum seconds per repeat (full 0.3, quick 0.1)")
    p.add_argument("--no-compile", action="store_true", help="skip the fresh-process first-call timings")
    p.add_argument("--compile-on", type=lambda t: _names(t, workloads.MAIN, "workload"),
                   help="workloads whose first call is timed in fresh processes (default "
                        "tiny,small; --quick: tiny)")
    p.add_argument("--max-samples", type=int,
                   help="smoke runs: train on at most N samples per workload, checked after one epoch")
    p.add_argument("--no-plots", action="store_true", help="write JSON and markdown only, no PNG plots")
    p.add_argument("--mnist-path", help="folder with the MNIST IDX files (default: $FASTNN_DATA, "
                                        "~/.cache/fastnn/mnist, then ../shared/data/mnist beside "
                                        "a fastnn checkout)")
    p.add_argument("--timeout", type=float, help="seconds allowed per implementation's worker process")
    p.add_argument("--out", type=Path, help="output folder (default: benchmarks/results in a checkout)")
    return p


def settings_from_args(args):
    """:class:`Settings` for parsed arguments: the mode's defaults, then every option given."""
    mode = "gpu" if args.gpu else "quick" if args.quick else "full"
    s = Settings(mode=mode, threads=None if args.defaults else args.threads,
                 **MODES["quick" if args.quick else "full"])
    if mode == "gpu":
        s.widths, s.batches = (), ()
    given = {"workloads": args.workloads, "impls": args.impl, "widths": args.widths, "batches": args.batches,
             "repeats": args.repeats, "min_repeat_s": args.min_repeat_s, "mnist_path": args.mnist_path,
             "timeout_s": args.timeout, "max_samples": args.max_samples}
    for key, value in given.items():
        if value is not None:
            setattr(s, key, value)
    if args.no_compile:
        s.compile_on = ()
    elif args.compile_on is not None:
        s.compile_on = args.compile_on
    else:
        s.compile_on = tuple(w for w in s.compile_on if w in s.workloads) or tuple(s.workloads[:1])
    return s


def gpu_slug(name):
    """A file-name form of a GPU name: ``"NVIDIA H200"`` -> ``"h200"``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug.removeprefix("nvidia-") or "gpu"


def output_prefix(settings, machine):
    """The results' file stem: the mode, the GPU's name in GPU runs that found one (``gpu-h200``),
    then ``-tN`` when N > 1 threads were used, or ``-defaults`` for every library's own threads."""
    stem = settings.mode
    if settings.mode == "gpu" and machine.get("gpu"):
        stem += "-" + gpu_slug(machine["gpu"])
    if settings.threads is None:
        return f"{stem}-defaults"
    return stem if settings.threads == 1 else f"{stem}-t{settings.threads}"


def _population(args):
    """``--population``: its own driver and report (:mod:`fastnn.bench.population_suite`)."""
    from . import population, population_suite
    impls = tuple(args.impl) if args.impl else population.IMPLS
    unknown = [i for i in impls if i not in population.IMPLS]
    if unknown:
        raise SystemExit(f"fastnn bench --population: unknown implementation {unknown[0]!r}; "
                         f"expected some of {list(population.IMPLS)}")
    names = [w for w in (args.population_workloads or population.POPULATIONS)]
    results = population_suite.run(names, impls, grid=not args.no_grid,
                                   timeout_s=args.timeout or 1200.0,
                                   threads=None if args.defaults else args.threads)
    paths = population_suite.write(results, args.out or default_out_dir())
    print(population_suite.markdown(results))
    print("wrote " + ", ".join(str(p) for p in paths))
    return 1 if any(r.get("status") == "failed" for r in results["rows"]) else 0


def main(argv=None) -> int:
    """Run the benchmark; returns 0, or 1 when a fastnn row failed (skipped rows are not failures)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error(f"--threads must be >= 1, got {args.threads}")
    if args.max_samples is not None and args.max_samples < 1:
        parser.error(f"--max-samples must be >= 1, got {args.max_samples}")
    if args.population:
        return _population(args)
    settings = settings_from_args(args)
    for name in settings.impls:
        try:
            implementation(name)
        except ValueError as exc:
            parser.error(str(exc))
    out_dir = args.out or default_out_dir()

    def write_so_far(partial):   # after every worker: a run cut short keeps its finished rows
        report.write({**partial, "partial": True}, out_dir, output_prefix(settings, partial["machine"]),
                     plots=False)

    results = run_suite(settings, ["fastnn", "bench", *argv], on_progress=write_so_far)
    paths = report.write(results, out_dir, output_prefix(settings, results["machine"]),
                         plots=not args.no_plots)
    print(report.summary(results))
    print("wrote " + ", ".join(str(p) for p in paths))
    failed = [r for r in results["rows"] if r["status"] == "failed" and r["impl"].startswith("fastnn-")]
    return 1 if failed else 0
