"""Peak memory of training on a sparse one-hot matrix with 50,000 columns, per back end.

Each back end runs in a fresh interpreter: ``MLPClassifier((32,)).fit`` (adam, then lbfgs) and
``partial_fit`` on a ``scipy.sparse`` CSR matrix of ``--rows`` rows with ``--ones`` ones each,
then ``predict_proba``.  It reports the peaks of the NumPy/Python allocations (``tracemalloc``;
L-BFGS-B's own history of 2 x 10 parameter vectors is most of the lbfgs peak)
and the growth of the process's resident set (``ru_maxrss``) against what a densified X would
take (rows x 50,000 x 8 bytes) and what the network itself needs (weights, gradient, optimizer
state and the engine's snapshots).  A CPU back end that densified X would need the dense size;
``--check`` exits 1 when any peak exceeds a tenth of it.  A benchmark, not a test: sizes are
set to show the point on a small machine in well under a minute.

    python benchmarks/sparse_memory.py [--rows 20000] [--backends numba,cython,numpy] [--check]

Writes ``benchmarks/results/sparse_memory.{json,md}``.
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

COLUMNS = 50_000
RESULTS = Path(__file__).resolve().parent / "results"

_CHILD = r"""
import json, resource, sys, tracemalloc, warnings
import numpy as np, scipy.sparse as sp
import fastnn
rows, ones, columns, backend = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(0)
cols = rng.integers(0, columns, rows * ones)
X = sp.csr_matrix((np.ones(rows * ones), (np.repeat(np.arange(rows), ones), cols)),
                  shape=(rows, columns))
X.sum_duplicates()
y = (cols.reshape(rows, ones) < columns // 2).sum(axis=1) > ones // 2
fastnn.MLPClassifier((32,), max_iter=1, backend=backend).fit(X[:64], y[:64])   # compile first
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    clf = fastnn.MLPClassifier((32,), max_iter=2, backend=backend, random_state=0).fit(X, y)
    clf.partial_fit(X, y)
    proba = clf.predict_proba(X)
    stochastic = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    fastnn.MLPClassifier((32,), solver="lbfgs", max_iter=3, backend=backend).fit(X, y)
lbfgs = tracemalloc.get_traced_memory()[1]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"backend": backend, "adam_peak": stochastic, "lbfgs_peak": lbfgs,
                  "rss_growth": max(after - before, 0), "proba_shape": list(proba.shape)}))
"""


def run(backend, rows, ones):
    result = subprocess.run([sys.executable, "-c", _CHILD, str(rows), str(ones), str(COLUMNS),
                             backend], capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        return {"backend": backend, "error": result.stderr.strip().splitlines()[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--ones", type=int, default=10, help="non-zeros per row")
    parser.add_argument("--backends", default="numba,cython,numpy")
    parser.add_argument("--check", action="store_true", help="exit 1 over a tenth of dense")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    dense = args.rows * COLUMNS * 8
    network = COLUMNS * 32 * 8 * 8     # W1 in params, grad, 2 state rows, 2 snapshots of each
    rows = [run(name, args.rows, args.ones) for name in args.backends.split(",")]
    lines = [f"# Sparse one-hot input: {args.rows} x {COLUMNS}, {args.ones} ones a row",
             "", f"Densified X would take {dense / 2**20:,.0f} MiB; the network's own arrays "
             f"about {network / 2**20:,.0f} MiB.", "",
             "| back end | adam fit + partial_fit + predict_proba, traced peak (MiB) | lbfgs fit, "
             "traced peak (MiB) | RSS growth (MiB) | largest / dense X |", "|---|---|---|---|---|"]
    failed = False
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['backend']} | error: {row['error']} | | | |")
            failed = True
            continue
        ratio = max(row["adam_peak"], row["lbfgs_peak"], row["rss_growth"]) / dense
        failed |= ratio > 0.1
        lines.append(f"| {row['backend']} | {row['adam_peak'] / 2**20:,.1f} | "
                     f"{row['lbfgs_peak'] / 2**20:,.1f} | {row['rss_growth'] / 2**20:,.1f} | "
                     f"{ratio:.3f} |")
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {"python": sys.version.split()[0], "machine": platform.machine(),
            "processor": platform.processor(), "rows": args.rows, "columns": COLUMNS,
            "ones": args.ones, "dense_bytes": dense}
    (args.out / "sparse_memory.json").write_text(json.dumps({"meta": meta, "runs": rows}, indent=1))
    (args.out / "sparse_memory.md").write_text(report)
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
