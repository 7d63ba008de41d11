"""fastnn.MLPClassifier against scikit-learn's MLPClassifier with the same settings.

For each dataset both estimators get the same rows, the same hyper-parameters
(``hidden_layer_sizes``, ``activation``, ``solver="adam"``, ``learning_rate_init``,
``batch_size``, ``alpha``, ``max_iter``) and run exactly ``max_iter`` epochs
(``n_iter_no_change=max_iter`` disables the plateau stop).  Both use one thread (fastnn's
default; scikit-learn's BLAS is limited with threadpoolctl) so the comparison is per core.

fastnn's first fit in a process includes Numba's JIT compile (or cache load); it is timed
apart ("first fit") and the steady-state time is the median of ``--repeats`` later fits.

Writes ``benchmarks/results/sklearn_compare.json`` (with machine info) and ``.md``.
Run: ``python benchmarks/sklearn_compare.py [--repeats 3] [--mnist-path DIR]``.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.neural_network import MLPClassifier as SkMLP
from threadpoolctl import threadpool_limits

import fastnn
from fastnn.cli._info import cpu_name

RESULTS = Path(__file__).resolve().parent / "results"

# name -> (data loader kwargs, shared estimator settings)
TWO_D = dict(hidden_layer_sizes=(32, 32), activation="tanh", learning_rate_init=0.01,
             batch_size=32, alpha=1e-4, max_iter=200)
WORKLOADS = {
    "spiral": TWO_D, "circles": TWO_D, "xor": TWO_D, "moons": TWO_D,
    "mnist": dict(hidden_layer_sizes=(128,), activation="relu", learning_rate_init=3e-3,
                  batch_size=128, alpha=1e-2, max_iter=20),
}


def load(name, mnist_path):
    """``(X_train, X_test, y_train, y_test)``: 2-D sets have 1,000 points (75/25 split); MNIST
    is the shared t10k set, 8,000 rows to train and 2,000 to test."""
    if name == "mnist":
        X, y = fastnn.datasets.load_mnist(mnist_path)
        order = np.random.default_rng(0).permutation(len(X))
        return X[order[:8000]], X[order[8000:]], y[order[:8000]], y[order[8000:]]
    noise = fastnn.datasets.info(name).typical_noise
    X, y = fastnn.datasets.get(name, n_samples=1000, noise=noise, seed=0)
    X = fastnn.preprocessing.standardize(X)[0]
    return fastnn.preprocessing.train_test_split(X, y, test_size=0.25, seed=0, stratify=True)


def timed_fit(make, X, y):
    start = time.perf_counter()
    model = make().fit(X, y)
    return time.perf_counter() - start, model


def compare(name, settings, repeats, mnist_path):
    X_train, X_test, y_train, y_test = load(name, mnist_path)
    common = dict(settings, solver="adam", n_iter_no_change=settings["max_iter"], random_state=0)
    row = {"dataset": name, "n_train": len(X_train), "n_test": len(X_test),
           "n_features": X_train.shape[1], "settings": {k: v for k, v in common.items()}}
    makers = {"fastnn": lambda: fastnn.MLPClassifier(**common),
              "sklearn": lambda: SkMLP(**common)}
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")      # both warn that max_iter was reached, by design
        row["fastnn_first_fit_s"] = timed_fit(makers["fastnn"], X_train, y_train)[0]
        for impl, make in makers.items():
            runs = [timed_fit(make, X_train, y_train) for _ in range(repeats)]
            model = runs[-1][1]
            row[f"{impl}_fit_s"] = statistics.median(t for t, _ in runs)
            row[f"{impl}_test_accuracy"] = float(model.score(X_test, y_test))
            row[f"{impl}_epochs"] = int(model.n_iter_)
    row["speedup"] = row["sklearn_fit_s"] / row["fastnn_fit_s"]
    return row


def machine():
    return {"cpu": cpu_name(), "python": platform.python_version(), "fastnn": fastnn.__version__,
            "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "backend": fastnn.backends.resolve(None), "threads": 1,
            "date": time.strftime("%Y-%m-%d %H:%M:%S")}


def markdown(report):
    lines = ["# fastnn.MLPClassifier vs sklearn.neural_network.MLPClassifier", "",
             f"Machine: {report['machine']['cpu']}, 1 thread, fastnn {report['machine']['fastnn']} "
             f"({report['machine']['backend']}), scikit-learn {report['machine']['scikit-learn']}. "
             f"Same hyper-parameters, adam, exactly max_iter epochs; fit time is the median of "
             f"{report['repeats']} fits (fastnn's first fit, with JIT compile or cache load, apart).",
             "", "| dataset | train/test rows | network | epochs | fastnn fit (s) | sklearn fit (s) "
             "| speed-up | fastnn test acc | sklearn test acc | fastnn first fit (s) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in report["rows"]:
        s = r["settings"]
        net = "-".join(map(str, (r["n_features"], *s["hidden_layer_sizes"]))) + f" {s['activation']}"
        lines.append(f"| {r['dataset']} | {r['n_train']}/{r['n_test']} | {net} | {s['max_iter']} | "
                     f"{r['fastnn_fit_s']:.2f} | {r['sklearn_fit_s']:.2f} | {r['speedup']:.1f}x | "
                     f"{r['fastnn_test_accuracy']:.3f} | {r['sklearn_test_accuracy']:.3f} | "
                     f"{r['fastnn_first_fit_s']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed fits per estimator (default 3)")
    parser.add_argument("--mnist-path", default=None, help="folder with the MNIST IDX files")
    parser.add_argument("--datasets", default=",".join(WORKLOADS),
                        help=f"comma list from {list(WORKLOADS)}")
    args = parser.parse_args(argv)
    names = [n for n in args.datasets.split(",") if n]
    unknown = sorted(set(names) - set(WORKLOADS))
    if unknown or args.repeats < 1:
        parser.error(f"--datasets: unknown {unknown}" if unknown else "--repeats must be >= 1")
    rows = []
    for name in names:
        rows.append(compare(name, WORKLOADS[name], args.repeats, args.mnist_path))
        r = rows[-1]
        print(f"{name:8s} fastnn {r['fastnn_fit_s']:.2f}s acc {r['fastnn_test_accuracy']:.3f} | "
              f"sklearn {r['sklearn_fit_s']:.2f}s acc {r['sklearn_test_accuracy']:.3f} | "
              f"{r['speedup']:.1f}x", flush=True)
    report = {"machine": machine(), "repeats": args.repeats, "rows": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sklearn_compare.json").write_text(json.dumps(report, indent=2))
    (RESULTS / "sklearn_compare.md").write_text(markdown(report))
    print(f"wrote {RESULTS / 'sklearn_compare.json'} and .md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
