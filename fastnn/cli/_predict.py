"""``fastnn predict MODEL --csv FILE``: predictions for new rows with a model from
``fastnn train`` (its ``<model>.json`` sidecar gives the feature columns and scaling)."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from .. import io, preprocessing
from . import _sidecar, _table
from ._errors import CLIError


def predictions(model, info, X):
    """Class labels or target values for the raw feature rows ``X``."""
    Xs = preprocessing.standardize(X, np.array(info["mean"]), np.array(info["std"]))[0]
    if info["task"] == "classification":
        return np.array(info["classes"], dtype=object)[model.predict_classes(Xs)]
    return model.predict(Xs)[:, 0] * info["y_std"] + info["y_mean"]


def run(args):
    info = _sidecar.read(args.model)
    try:
        model = io.load(args.model)
    except (FileNotFoundError, ValueError) as exc:
        raise CLIError(f"MODEL: {exc}") from None
    header, rows = _table.read_csv(args.csv)
    X = _table.features(header, rows, info["features"], args.csv)
    values = predictions(model, info, X)
    column = info.get("target") or "prediction"
    if args.out:
        with open(Path(args.out), "w", newline="") as handle:
            _write(handle, column, values)
        print(f"wrote {len(values)} predictions to {args.out}")
    else:
        _write(sys.stdout, column, values)
    return 0


def _write(handle, column, values):
    """One column named ``column``; floats with 7 significant digits (the float32 precision)."""
    writer = csv.writer(handle)
    writer.writerow([column])
    text = (f"{v:.7g}" if isinstance(v, float) else v for v in values.tolist())
    writer.writerows([value] for value in text)
