"""The argument parser: every flag is checked by its ``type=`` function, so a bad value is
reported as ``argument --flag: ...`` before anything runs."""
from __future__ import annotations

import argparse

from .. import activations, backends, datasets, losses, optim


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return value


def non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def test_fraction(text):
    value = non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1) (0: no test split), "
                                         f"got {text!r}")
    return value


def hidden_sizes(text):
    """``"16,16"`` -> (16, 16); ``""`` or ``"none"`` -> () (no hidden layer)."""
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive widths such as "
                                         f"16,16 (or 'none'), got {text!r}")
    return sizes


def backend_name(text):
    name = text.lower()
    if name == "auto":
        return name
    status = backends.status()
    if name not in status:
        raise argparse.ArgumentTypeError(f"unknown back end {text!r}; expected auto or one of "
                                         f"{list(status)}")
    ok, reason = status[name]
    if not ok:
        raise argparse.ArgumentTypeError(f"{name} is not available here: {reason}")
    return name


def _train_parser(sub):
    p = sub.add_parser("train", help="train a network on a dataset or a CSV file and save it",
                       description="Train a network on a built-in dataset or your CSV file, "
                                   "print train/test metrics and save the model plus a "
                                   "<out>.json sidecar (feature names, scaling, task, labels).")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", choices=datasets.names(), help="a built-in dataset")
    source.add_argument("--csv", help="your CSV file (header row; numeric feature columns)")
    p.add_argument("--target", help="the CSV column to predict (required with --csv)")
    p.add_argument("--task", choices=["auto", "classification", "regression"], default="auto",
                   help="auto: text or few integer values is classification (default auto)")
    p.add_argument("--hidden", type=hidden_sizes, default=(16, 16),
                   help="hidden layer widths, e.g. 16,16; 'none' for a linear model (default 16,16)")
    p.add_argument("--activation", choices=sorted(activations.NAMES), default="tanh")
    p.add_argument("--optimizer", choices=list(optim.REGISTRY), default="adam")
    p.add_argument("--lr", type=positive_float, default=0.01, help="learning rate (default 0.01)")
    p.add_argument("--epochs", type=positive_int, default=300)
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--loss", choices=[loss.name for loss in losses.REGISTRY],
                   help=f"default: {losses.default_for('multiclass').name} or "
                        f"{losses.default_for('regression').name}")
    p.add_argument("--backend", type=backend_name, default=None, help="default: fastest available")
    p.add_argument("--noise", type=non_negative_float, help="dataset noise (default: typical)")
    p.add_argument("--n-samples", type=positive_int, default=500, help="generated rows (default 500)")
    p.add_argument("--mnist-path", help="folder with the MNIST IDX files (default: $FASTNN_DATA, "
                                        "~/.cache/fastnn/mnist, then ../shared/data/mnist beside "
                                        "a fastnn checkout)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--test-size", type=test_fraction, default=0.2,
                   help="held-out fraction (default 0.2; 0 for none)")
    p.add_argument("--out", default="model.fnn", help="model file (default model.fnn)")
    p.set_defaults(module="_train")
    return p


def build_parser():
    parser = argparse.ArgumentParser(prog="fastnn", description="fastnn: fast multilayer "
                                     "perceptrons on fused Numba kernels")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _train_parser(sub)
    p = sub.add_parser("predict", help="predict a CSV file's rows with a trained model")
    p.add_argument("model", metavar="MODEL", help="model file written by fastnn train")
    p.add_argument("--csv", required=True, help="rows to predict (needs the training feature columns)")
    p.add_argument("--out", help="write predictions here (CSV); default: standard output")
    p.set_defaults(module="_predict")
    p = sub.add_parser("info", help="version, back ends, threads, CPU and GPU")
    p.set_defaults(module="_info")
    p = sub.add_parser("demo", help="train on a 2-D dataset and write a PNG of what it learned")
    p.add_argument("--out", default="demo.png", help="PNG file (default demo.png)")
    p.add_argument("--dataset", choices=[n for n in datasets.names("classification")
                                         if datasets.info(n).n_features == 2], default="spiral")
    p.add_argument("--epochs", type=positive_int, default=300)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(module="_demo")
    sub.add_parser("bench", add_help=False, help="run the benchmark harness (fastnn bench --help)")
    return parser
