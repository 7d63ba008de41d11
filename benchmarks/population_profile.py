"""Where a ``fastnn.train_many`` call's time goes: compiled kernels, building members, the rest.

Runs the bench's ``pop-tiny`` (or ``pop-small``) population the way ``fastnn bench --population``
does (one ``train_many`` call: members from seeds 0..M-1, plain SGD, no shuffle), after one warm-up
call, and splits each timed call's wall time into

``kernel``   time inside the compiled kernels (every ``fastnn.backends._jit.call``);
``members``  building the members from the template and configs (``fastnn._members.member``);
``rest``     everything else: grouping, the engine's arrays, the epoch loop's bookkeeping,
             handing the weights back to the members.

The shares explain the bench's model-samples/s: a faster kernel moves the rate only by its share.
A benchmark, not a test: timing depends on the machine and its load.  From the repository root::

    python benchmarks/population_profile.py --out benchmarks/results
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import fastnn
from fastnn import _members
from fastnn.backends import _jit
from fastnn.bench import data
from fastnn.bench.population import POPULATIONS, _net
from fastnn.bench.workloads import MAIN


class _Clock:
    """Seconds spent inside ``owner.name`` while installed."""

    def __init__(self, owner, name):
        self.owner, self.name, self.original, self.seconds = owner, name, getattr(owner, name), 0.0

    def __enter__(self):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
        setattr(self.owner, self.name, timed)
        return self

    def __exit__(self, *exc):
        setattr(self.owner, self.name, self.original)


def profile(workload, n_members, repeats):
    """``repeats`` timed calls: a list of ``{"total_s", "kernel_s", "members_s", "rest_s"}``."""
    wl = MAIN[workload]
    X, y = data.make_data(wl)[:2]
    template = _net(wl)
    configs = [{"seed": m} for m in range(n_members)]

    def call():
        fastnn.train_many(template, X, y, configs, epochs=wl.check_epochs,
                          batch_size=wl.batch_size, shuffle=False)

    call()                                  # compiles or loads the kernels
    rows = []
    for _ in range(repeats):
        with _Clock(_jit, "call") as kernel, _Clock(_members, "member") as members:
            start = time.perf_counter()
            call()
            total = time.perf_counter() - start
        rows.append({"total_s": total, "kernel_s": kernel.seconds, "members_s": members.seconds,
                     "rest_s": total - kernel.seconds - members.seconds})
    return rows


def report(workload, n_members, rows):
    """Markdown of the median call."""
    median = {key: statistics.median(r[key] for r in rows) for key in rows[0]}
    samples = n_members * MAIN[workload].n_samples * MAIN[workload].check_epochs
    lines = [f"# train_many profile: {n_members} x {workload} ({MAIN[workload].label})", "",
             f"median of {len(rows)} calls: {median['total_s'] * 1e3:.1f} ms, "
             f"{samples / median['total_s'] / 1e6:.2f}M model-samples/s", "",
             "| part | ms | share |", "|---|---|---|"]
    for key in ("kernel_s", "members_s", "rest_s"):
        lines.append(f"| {key[:-2]} | {median[key] * 1e3:.1f} | "
                     f"{median[key] / median['total_s']:.0%} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", choices=sorted(POPULATIONS), default="pop-tiny")
    parser.add_argument("--members", type=int, default=None,
                        help="members (default: the bench's, 256 tiny or 64 small)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for population_profile.{json,md} (default: print only)")
    args = parser.parse_args(argv)
    workload, default_members = POPULATIONS[args.population]
    n_members = args.members or default_members
    rows = profile(workload, n_members, args.repeats)
    text = report(workload, n_members, rows)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "population_profile.md").write_text(text)
        (args.out / "population_profile.json").write_text(json.dumps(
            {"population": args.population, "members": n_members, "calls": rows,
             "load_average": list(os.getloadavg())}, indent=1))


if __name__ == "__main__":
    main()
