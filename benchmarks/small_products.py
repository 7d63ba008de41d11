"""The matrix products of the headline networks, each timed as the Numba kernels call it.

Every product a training batch of the ``tiny`` (2-8-8-2, batch 10), ``small`` (2-64-64-3, batch
32) and grid-search (2-64-3, batch 200) networks runs, in the layout the fused kernel uses: the
forward product ``Z = A @ W`` (NN), the input gradient ``dZ @ W.T`` (NT) and the weight gradient
``A.T @ dZ`` (TN), row-major.  Each is timed two ways inside one jitted loop (no Python between
calls):

``blas``   :func:`fastnn.backends._numba_blas.gemm`, SciPy's OpenBLAS called by symbol (what the
           kernels do);
``loops``  the same product as plain loops with the output row innermost, compiled with the
           kernels' fastmath policy (what LLVM vectorises when a kernel writes its own loops).

The best of 5 repeats, in microseconds per product, and BLAS's GFLOP/s.  The NT rows show where
OpenBLAS is slower than the FLOPs say: it packs the operands of that layout (row-major ``dZ @ W.T``
is column-major TN for BLAS, which its small-matrix kernels do not take), so the input gradient
of a 64-wide layer costs more than the forward product of the same size.  A benchmark, not a
test: from the repository root::

    python benchmarks/small_products.py [--dtype float64] [--out benchmarks/results]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numba
import numpy as np

from fastnn.backends import _numba_blas as blas
from fastnn.backends._jit import ERRORS, FASTMATH

# (label, [(trans_a, trans_b, m, n, k), ...]): one training batch's products, row-major
# C (m, n) = op(A) op(B) with op(A) (m, k)
NETWORKS = [
    ("tiny 2-8-8-2, batch 10", [(0, 0, 10, 8, 2), (0, 0, 10, 8, 8), (0, 0, 10, 2, 8),
                                (0, 1, 10, 8, 2), (1, 0, 8, 2, 10), (0, 1, 10, 8, 8),
                                (1, 0, 8, 8, 10), (1, 0, 2, 8, 10)]),
    ("small 2-64-64-3, batch 32", [(0, 0, 32, 64, 2), (0, 0, 32, 64, 64), (0, 0, 32, 3, 64),
                                   (0, 1, 32, 64, 3), (1, 0, 64, 3, 32), (0, 1, 32, 64, 64),
                                   (1, 0, 64, 64, 32), (1, 0, 2, 64, 32)]),
    ("grid search 2-64-3, batch 200", [(0, 0, 200, 64, 2), (0, 0, 200, 3, 64),
                                       (0, 1, 200, 64, 3), (1, 0, 64, 3, 200),
                                       (1, 0, 2, 64, 200)]),
]
ROLES = {(0, 0): "forward A @ W", (0, 1): "input gradient dZ @ W.T",
         (1, 0): "weight gradient A.T @ dZ"}
_JIT = dict(cache=False, fastmath=set(FASTMATH), error_model=ERRORS)


@numba.njit(**_JIT)
def _with_blas(reps, ta, tb, m, n, k, A, B, C, args):
    for _ in range(reps):
        blas.gemm(ta, tb, m, n, k, 1.0, A, 0, B, 0, 0.0, C, 0, args)


@numba.njit(**_JIT)
def _with_loops(reps, ta, tb, m, n, k, A, B, C, args):
    for _ in range(reps):
        for q in range(m * n):
            C[q] = 0
        if ta == 0 and tb == 0:             # C (m, n) += A (m, k) B (k, n)
            for i in range(m):
                c = C[i * n:(i + 1) * n]
                for p in range(k):
                    a, b = A[i * k + p], B[p * n:(p + 1) * n]
                    for j in range(n):
                        c[j] += a * b[j]
        elif ta == 0:                       # C (m, n) += A (m, k) B (n, k).T
            for i in range(m):
                a = A[i * k:(i + 1) * k]
                for j in range(n):
                    b = B[j * k:(j + 1) * k]
                    s = 0.0
                    for p in range(k):
                        s += a[p] * b[p]
                    C[i * n + j] += s
        else:                               # C (m, n) += A (k, m).T B (k, n)
            for p in range(k):
                a, b = A[p * m:(p + 1) * m], B[p * n:(p + 1) * n]
                for i in range(m):
                    c = C[i * n:(i + 1) * n]
                    for j in range(n):
                        c[j] += a[i] * b[j]


def _time(function, product, dtype, rng):
    """Best of 5 of ``function`` on ``product`` (operands drawn from ``rng``), in seconds per
    product; and its result."""
    ta, tb, m, n, k = product
    A, B = rng.random(m * k).astype(dtype), rng.random(k * n).astype(dtype)
    C, args = np.zeros(m * n, dtype), blas.arguments(dtype)
    function(2, ta, tb, m, n, k, A, B, C, args)         # compiles
    reps = max(20, int(2e6 / (m * n * k)))
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        function(reps, ta, tb, m, n, k, A, B, C, args)
        best = min(best, (time.perf_counter() - start) / reps)
    return best, C


def measure(dtype):
    """One row per product: its network, role, shape and both timings."""
    rows = []
    for network, products in NETWORKS:
        for product in products:
            seconds, c_blas = _time(_with_blas, product, dtype, np.random.default_rng(1))
            loops, c_loops = _time(_with_loops, product, dtype, np.random.default_rng(1))
            scale = max(1.0, float(np.abs(c_blas).max()))
            assert np.abs(c_blas - c_loops).max() <= 1e-4 * scale, "the two products differ"
            ta, tb, m, n, k = product
            rows.append({"network": network, "role": ROLES[(ta, tb)], "m": m, "n": n, "k": k,
                         "blas_us": seconds * 1e6, "loops_us": loops * 1e6,
                         "blas_gflops": 2 * m * n * k / seconds / 1e9})
    return rows


def report(rows, dtype):
    lines = [f"# The headline networks' products, {dtype}, one call each (µs, best of 5)", "",
             "| network | product | m x n x k | BLAS µs | loops µs | BLAS GFLOP/s |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['network']} | {r['role']} | {r['m']} x {r['n']} x {r['k']} | "
                     f"{r['blas_us']:.3f} | {r['loops_us']:.3f} | {r['blas_gflops']:.1f} |")
    for network, _ in NETWORKS:
        mine = [r for r in rows if r["network"] == network]
        lines.append(f"\n{network}: the products of one batch take "
                     f"{sum(r['blas_us'] for r in mine):.2f} µs through BLAS, "
                     f"{sum(r['loops_us'] for r in mine):.2f} µs as loops.")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for small_products.{json,md} (default: print only)")
    args = parser.parse_args(argv)
    from fastnn import _threads
    with _threads.limited(1):
        rows = measure(np.dtype(args.dtype))
    text = report(rows, args.dtype)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "small_products.md").write_text(text)
        (args.out / "small_products.json").write_text(json.dumps(
            {"dtype": args.dtype, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
