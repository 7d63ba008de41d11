"""``fastnn train``: fit a network on a built-in dataset or a CSV file, report, and save it.

Features are standardized with the training rows' mean and standard deviation (regression
targets too); the model goes to ``--out`` in fastnn's format and the scaling, feature names,
task and class labels to the ``<out>.json`` sidecar (see :mod:`._sidecar`).
"""
from __future__ import annotations

import os

import numpy as np

from .. import datasets, losses, optim, preprocessing
from ..callbacks import EpochTimer
from ..layers import Dense
from ..model import DivergenceError, Sequential
from . import _paths, _sidecar, _table
from ._errors import CLIError

DEFAULT_LOSS = {"classification": losses.default_for("multiclass").name,
                "regression": losses.default_for("regression").name}
BINARY_ONLY = ("binary_cross_entropy", "hinge")
# Training memory per parameter: the float64 initial draw and the float32 weights, optimizer
# state (two rows), gradient and kept snapshot.
BYTES_PER_PARAM = 32


def load_dataset(args):
    """``(X, y, task, feature_names, target_name, source)`` from ``--dataset`` or ``--csv``."""
    if args.csv:
        if not args.target:
            raise CLIError("--csv needs --target COLUMN (the column to predict)")
        header, rows = _table.read_csv(args.csv)
        index = _table.column_index(header, args.target, args.csv, "--target")
        names = [name for i, name in enumerate(header) if i != index]
        if not names:
            raise CLIError(f"--csv: {args.csv} has no feature columns besides --target {args.target!r}")
        X = _table.features(header, rows, names, args.csv)
        y, task = _table.target(rows, index, args.target, args.csv, args.task)
        return X, y, task, names, args.target, str(args.csv)
    entry = datasets.info(args.dataset)
    kwargs = {} if entry.typical_noise is None else {
        "n_samples": args.n_samples, "noise": entry.typical_noise if args.noise is None else args.noise,
        "seed": args.seed}
    if args.dataset == "mnist" and getattr(args, "mnist_path", None):
        kwargs["path"] = args.mnist_path
    try:
        X, y = datasets.get(args.dataset, **kwargs)
    except (ImportError, OSError, ValueError) as exc:
        raise CLIError(f"--dataset {args.dataset}: {exc}") from None
    task = entry.kind if args.task == "auto" else args.task
    names = list(entry.feature_names or [f"x{i}" for i in range(X.shape[1])])
    return np.asarray(X, np.float64), y, task, names, None, args.dataset


def encode_target(y, task, loss):
    """``(Y for the network, n_outputs, classes or None)``."""
    if task == "regression":
        return y.astype(np.float64), 1, None
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise CLIError(f"the target has a single class ({classes[0]!r}); classification needs two or more")
    if loss in BINARY_ONLY:
        if len(classes) != 2:
            raise CLIError(f"--loss {loss} is for two classes, but the target has {len(classes)}; "
                           f"use --loss softmax_cross_entropy")
        return codes.astype(np.float64), 1, classes
    return codes, len(classes), classes


def check_size(args, n_features, n_out):
    """Refuse a network whose training would need more memory than the machine has."""
    widths = [n_features, *args.hidden, n_out]
    n_params = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(widths, widths[1:]))
    need, have = n_params * BYTES_PER_PARAM, _physical_memory()
    if have and need > have:
        raise CLIError(f"--hidden {','.join(map(str, args.hidden))}: the network would have "
                       f"{n_params:,} parameters, about {need / 2**30:,.0f} GiB to train, more than "
                       f"this machine's {have / 2**30:,.0f} GiB; use narrower layers")


def _physical_memory():
    """Bytes of RAM, or None where the platform does not say (then MemoryError is the guard)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def build_model(args, n_features, n_out, loss):
    check_size(args, n_features, n_out)
    layers = [Dense(width, activation=args.activation) for width in args.hidden]
    model = Sequential(layers + [Dense(n_out)], input_dim=n_features)
    optimizer = optim.get(args.optimizer)
    optimizer.lr = args.lr
    model.compile(loss, optimizer, backend=args.backend, seed=args.seed)
    return model


def metrics(model, X, y, task, classes, y_scale):
    """Accuracy (classification) or RMSE and R² in the target's units (regression)."""
    if task == "classification":
        return {"accuracy": float(np.mean(classes[model.predict_classes(X)] == y))}
    pred = model.predict(X)[:, 0] * y_scale[1] + y_scale[0]
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - float(np.sum((y - pred) ** 2)) / ss_tot if ss_tot > 0 else float("nan")
    return {"rmse": float(np.sqrt(np.mean((y - pred) ** 2))), "r2": r2}


def split(X, y, task, args):
    if args.test_size == 0:
        return X, None, y, None
    try:
        return preprocessing.train_test_split(X, y, test_size=args.test_size, seed=args.seed,
                                              stratify=task == "classification")
    except ValueError as exc:
        raise CLIError(f"--test-size {args.test_size}: {exc}") from None


def run(args):
    out = _paths.output(args.out, "model.fnn")
    sidecar = _sidecar.path_for(out)
    if sidecar.is_dir():
        raise CLIError(f"--out: the sidecar {sidecar} is a directory; remove it or choose another "
                       f"--out")
    X, y, task, names, target_name, source = load_dataset(args)
    loss = args.loss or DEFAULT_LOSS[task]
    if (task == "regression") != (loss == "mse"):
        raise CLIError(f"--loss {loss} does not fit a {task} target; use --loss "
                       f"{DEFAULT_LOSS[task]} (or --task to override the detected task)")
    try:
        model, scaling, report = fit_and_report(args, X, y, task, loss)
    except ValueError as exc:       # the library's own checks of the data, e.g. a float32 overflow
        raise CLIError(f"{'--csv' if args.csv else '--dataset'} {source}: {exc}") from None
    try:
        model.save(out)
        _sidecar.write(out, {"task": task, "features": names, "target": target_name,
                             "source": source, **scaling, "metrics": report})
    except OSError as exc:          # e.g. a full disk; the save left no partial file behind
        raise CLIError(f"--out {out}: cannot save the model: {exc}") from None
    print(f"saved {out} and {sidecar}")
    return 0


def fit_and_report(args, X, y, task, loss):
    """Split, scale, train and print the metrics: ``(model, sidecar scaling fields, metrics)``."""
    X_train, X_test, y_train, y_test = split(X, y, task, args)
    Xs, mean, std = preprocessing.standardize(X_train)
    Y, n_out, classes = encode_target(y_train, task, loss)
    y_scale = (0.0, 1.0)
    if task == "regression":
        Y, y_mean, y_std = preprocessing.standardize(Y)
        y_scale = (float(y_mean), float(y_std))
    timer = EpochTimer()
    try:
        model = build_model(args, X.shape[1], n_out, loss)
        print(f"training {model.summary().splitlines()[-1]}")
        model.fit(Xs, Y, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, verbose=1,
                  callbacks=[timer])
    except DivergenceError as exc:
        raise CLIError(f"training diverged: {exc}") from None
    except MemoryError:
        raise CLIError(f"--hidden {','.join(map(str, args.hidden))}: not enough memory to train "
                       f"this network; use narrower layers or fewer rows") from None
    report = {"train": metrics(model, Xs, y_train, task, classes, y_scale)}
    if X_test is not None:
        Xt = preprocessing.standardize(X_test, mean, std)[0]
        report["test"] = metrics(model, Xt, y_test, task, classes, y_scale)
    print(f"{timer.summary()} on {model.backend}")
    for part, values in report.items():
        print(f"{part:>5}: " + ", ".join(f"{k} {v:.4f}" for k, v in values.items()))
    scaling = {"mean": mean.tolist(), "std": std.tolist(), "y_mean": y_scale[0],
               "y_std": y_scale[1], "classes": None if classes is None else classes.tolist()}
    return model, scaling, report
