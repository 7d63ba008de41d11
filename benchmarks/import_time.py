"""``import fastnn`` against its budget (0.2 s), measured with ``python -X importtime``.

Runs the import in ``--runs`` fresh interpreters, prints the median cumulative time of the
``fastnn`` package and the slowest modules it pulled in, and exits 1 when the median is over
``--budget`` seconds (scikit-learn, Qt or a back end imported at import time shows up here).
A benchmark, not a test: timing depends on the machine and its load.

    python benchmarks/import_time.py
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys


def import_profile():
    """``{module: cumulative microseconds}`` of one ``import fastnn`` in a fresh interpreter."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "import fastnn"],
                            capture_output=True, text=True, check=True)
    times = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:"):].split("|")
        times[name.strip()] = int(cumulative)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--budget", type=float, default=0.2, help="seconds")
    args = parser.parse_args(argv)
    profiles = [import_profile() for _ in range(args.runs)]
    total = statistics.median(p["fastnn"] for p in profiles) / 1e6
    slowest = sorted(profiles[-1].items(), key=lambda item: -item[1])[1:9]
    print(f"import fastnn: median {total:.3f} s over {args.runs} runs (budget {args.budget} s)")
    for name, micros in slowest:
        print(f"  {micros / 1e3:7.1f} ms  {name}")
    heavy = [name for name in ("sklearn", "scipy", "numba", "PySide6", "matplotlib")
             if name in profiles[-1]]
    if heavy:
        print(f"  imported at import time: {', '.join(heavy)}")
    return 0 if total <= args.budget else 1


if __name__ == "__main__":
    raise SystemExit(main())
