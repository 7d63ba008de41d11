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
"""
from __future__ import annotations

import json
from pathlib import Path

from ._errors import CLIError

FORMAT, VERSION = "fastnn-cli", 1
KEYS = ("task", "features", "mean", "std")


def path_for(model_path):
    model_path = Path(model_path)
    return model_path.with_name(model_path.name + ".json")


def write(model_path, info):
    path = path_for(model_path)
    path.write_text(json.dumps({"format": FORMAT, "version": VERSION, **info}, indent=2))
    return path


def read(model_path):
    path = path_for(model_path)
    if not path.is_file():
        raise CLIError(f"no sidecar {path} next to the model; fastnn predict needs the file "
                       f"`fastnn train` writes beside the model (feature names and scaling)")
    try:
        info = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise CLIError(f"cannot read {path}: {exc}") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT or info.get("version") != VERSION:
        raise CLIError(f"{path} is not a fastnn-cli sidecar of version {VERSION}")
    missing = [k for k in KEYS if k not in info]
    if missing:
        raise CLIError(f"{path} lacks {missing}; retrain the model with `fastnn train`")
    return info
