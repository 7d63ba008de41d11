"""``fastnn predict MODEL --csv FILE``: predictions for new rows with a model from
``fastnn train`` (its ``<model>.json`` sidecar gives the feature columns and scaling)."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from .. import io, preprocessing
from . import _paths, _sidecar, _table
from ._errors import CLIError


def predictions(model, info, X):
    """Class labels or target values for the raw feature rows ``X``."""
    Xs = preprocessing.standardize(X, np.array(info["mean"]), np.array(info["std"]))[0]
    if info["task"] == "classification":
        return np.array(info["classes"], dtype=object)[model.predict_classes(Xs)]
    return model.predict(Xs)[:, 0] * info["y_std"] + info["y_mean"]


def run(args):
    out = _paths.output(args.out, "predictions.csv") if args.out else None
    model_path = Path(args.model)
    if not model_path.is_file():
        raise CLIError(f"MODEL: no such model file: {model_path}"
                       + (" (that is a directory)" if model_path.is_dir() else ""))
    info = _sidecar.read(model_path)
    try:
        model = io.load(model_path)
    except (OSError, ValueError) as exc:        # ValueError: fastnn.ModelFileError
        raise CLIError(f"MODEL: {exc}") from None
    _sidecar.check_model(info, model, model_path)
    header, rows = _table.read_csv(args.csv)
    X = _table.features(header, rows, info["features"], args.csv)
    try:
        values = predictions(model, info, X)
    except ValueError as exc:       # the library's checks, e.g. scaled values overflow float32
        raise CLIError(f"--csv {args.csv}: {exc}") from None
    column = info.get("target") or "prediction"
    if out is None:
        _write(sys.stdout, column, values)
        return 0
    try:
        with open(out, "w", newline="") as handle:
            _write(handle, column, values)
    except OSError as exc:
        raise CLIError(f"--out {out}: cannot write the predictions: {exc}") from None
    print(f"wrote {len(values)} predictions to {out}")
    return 0


def _write(handle, column, values):
    """One column named ``column``; floats with 7 significant digits (the float32 precision)."""
    writer = csv.writer(handle)
    writer.writerow([column])
    text = (f"{v:.7g}" if isinstance(v, float) else v for v in values.tolist())
    writer.writerows([value] for value in text)
