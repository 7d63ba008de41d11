"""The ``<model>.json`` sidecar that ``fastnn train`` writes next to the model file.

The model file is fastnn's own format (:func:`fastnn.save`), which has no room for data
preparation, so what ``fastnn predict`` needs besides the network lives here::

    {"format": "fastnn-cli", "version": 1,
     "task": "classification" | "regression",
     "features": ["x1", "x2"],         # CSV column names (or the dataset's feature names)
     "target": "label",                # CSV target column name (null for built-in datasets)
     "mean": [...], "std": [...],      # feature standardization: X_scaled = (X - mean) / std
     "classes": ["a", "b"],            # labels in output order (classification)
     "y_mean": 0.0, "y_std": 1.0,      # target scaling (regression): y = z * y_std + y_mean
     "source": "spiral" | "data.csv"}

:func:`read` checks every field and :func:`check_model` that the sidecar fits the model, so a
hand-edited or mismatched sidecar is an error naming the file, never a traceback.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from .. import _spec as S
from .._atomic import replacing
from ._errors import CLIError

FORMAT, VERSION = "fastnn-cli", 1
KEYS = ("task", "features", "mean", "std")
TASKS = ("classification", "regression")


def path_for(model_path):
    model_path = Path(model_path)
    return model_path.with_name(model_path.name + ".json")


def write(model_path, info):
    """Write the sidecar of ``model_path`` (replaced atomically, like the model file)."""
    path = path_for(model_path)
    with replacing(path) as handle:
        handle.write(json.dumps({"format": FORMAT, "version": VERSION, **info}, indent=2).encode())
    return path


def read(model_path):
    """The sidecar of ``model_path`` as a dict whose fields have the types described above."""
    path = path_for(model_path)
    if not path.is_file():
        raise CLIError(f"no sidecar {path} next to the model; fastnn predict needs the file "
                       f"`fastnn train` writes beside the model (feature names and scaling)")
    try:
        info = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc}") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CLIError(f"cannot read {path}: it is not UTF-8 JSON ({exc})") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT or info.get("version") != VERSION:
        raise CLIError(f"{path} is not a fastnn-cli sidecar of version {VERSION}")
    missing = [k for k in KEYS if k not in info]
    if missing:
        raise CLIError(f"{path} lacks {missing}; retrain the model with `fastnn train`")
    _check_fields(info, path)
    return info


def _check_fields(info, path):
    def bad(key, expected):
        return CLIError(f"{path}: {key} must be {expected}, got {_short(repr(info.get(key)))}")

    task, features = info["task"], info["features"]
    if task not in TASKS:
        raise bad("task", "'classification' or 'regression'")
    if (not isinstance(features, list) or not features
            or not all(isinstance(name, str) for name in features)
            or len(set(features)) != len(features)):
        raise bad("features", "a list of distinct column names")
    for key in ("mean", "std"):
        if not (isinstance(info[key], list) and len(info[key]) == len(features)
                and all(map(_finite, info[key]))):
            raise bad(key, f"{len(features)} finite numbers (one per feature)")
    for name, value in zip(features, info["std"]):
        if value <= 0:
            raise CLIError(f"{path}: std must be positive, got {value!r} for feature {name!r}")
    if task == "classification":
        classes = info.get("classes")
        if (not isinstance(classes, list) or len(classes) < 2
                or not all(isinstance(c, (str, int, float)) and not isinstance(c, bool)
                           for c in classes)
                or len(set(classes)) != len(classes)):
            raise bad("classes", "the class labels (at least two, distinct) of a classification "
                                 "model")
        return
    if not _finite(info.get("y_mean")):
        raise bad("y_mean", "a finite number")
    if not _finite(info.get("y_std")) or info["y_std"] <= 0:
        raise bad("y_std", "a positive finite number")


def check_model(info, model, model_path):
    """Refuse a sidecar that does not describe ``model`` (inputs, outputs, task)."""
    path = path_for(model_path)
    if model.loss is None:
        raise CLIError(f"MODEL: {model_path} holds a network that was never compiled (no loss); "
                       f"fastnn predict needs a model from fastnn train")
    if len(info["features"]) != model.input_dim:
        raise CLIError(f"{path} lists {len(info['features'])} features but the model {model_path} "
                       f"takes {model.input_dim} inputs; the sidecar belongs to another model")
    outputs, loss = model.dense_layers[-1].units, S.LOSSES[model.loss]
    if info["task"] == "regression":
        if outputs != 1:
            raise CLIError(f"{path} is for regression but the model {model_path} has {outputs} "
                           f"outputs (expected 1)")
        return
    if loss == S.MSE:
        raise CLIError(f"{path} is for classification but the model {model_path} was trained "
                       f"with mse (regression)")
    classes = len(info["classes"])
    binary = loss in (S.BCE, S.HINGE)
    if outputs != (1 if binary else classes) or (binary and classes != 2):
        raise CLIError(f"{path} lists {classes} classes but the model {model_path} has {outputs} "
                       f"outputs")


def _finite(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _short(text, limit=80):
    return text if len(text) <= limit else text[:limit] + "..."
