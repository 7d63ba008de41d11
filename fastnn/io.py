"""Saving and loading models: a zip (``.npz``) of plain arrays plus a JSON spec, never pickle.

File layout (format ``fastnn-model``, version 1): ``spec.npy`` holds the UTF-8 JSON spec (layers,
input width, loss, optimizer config, back end, dtype, epoch and step counters); ``params.npy`` the
flat parameter buffer; ``opt_state.npy`` the optimizer state when there is one.  Loading uses
``allow_pickle=False``, so a file can never run code.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from . import backends, optim
from .layers import from_config
from .model import FILE_FORMAT as FORMAT
from .model import FILE_VERSION as VERSION
from .model import Sequential


def save(model, path):
    """Write ``model`` (weights, layers, loss, optimizer and its state) to ``path``; the same
    as ``model.save(path)``."""
    model.save(path)


def load(path, backend=None):
    """Read a model written by :func:`save`; ``backend`` overrides the saved one.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the problem for a
    truncated, corrupt, foreign or newer-version file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no fastnn model file at {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as exc:
        raise ValueError(f"{path} is not a readable fastnn model file (truncated or corrupt?): "
                         f"{exc}") from exc
    if "spec" not in arrays or "params" not in arrays:
        raise ValueError(f"{path} is not a fastnn model file: it lacks the 'spec' or 'params' entry")
    try:
        spec = json.loads(arrays["spec"].tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} has a corrupt model spec: {exc}") from exc
    if not isinstance(spec, dict) or spec.get("format") != FORMAT:
        raise ValueError(f"{path} is not a fastnn model file (format {spec.get('format')!r})")
    if spec.get("version") != VERSION:
        raise ValueError(f"{path} is format version {spec.get('version')}; this fastnn reads "
                         f"version {VERSION}. Upgrade fastnn to read it")
    try:
        model = Sequential([from_config(c) for c in spec["layers"]], input_dim=spec["input_dim"])
        if spec["loss"]:
            model.compile(spec["loss"], _optimizer(spec["optimizer"]),
                          backend=backend or _usable(spec["backend"]), dtype=spec["dtype"])
        model.reset_weights()
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path} has an incomplete model spec (missing {exc})") from exc
    params = arrays["params"]
    if params.shape != model.params.shape:
        raise ValueError(f"{path} holds {params.size} parameters but its layers need "
                         f"{model.params.size}; the file is corrupt")
    if not np.isfinite(params).all():
        raise ValueError(f"{path} holds NaN or infinite weights")
    model.params = params.astype(model.dtype)
    if "opt_state" in arrays and arrays["opt_state"].shape == (2, params.size):
        model.opt_state = arrays["opt_state"].astype(model.dtype)
    model.epoch, model.step = int(spec.get("epoch", 0)), int(spec.get("step", 0))
    return model


def _optimizer(config):
    return optim.from_config(config) if config else "sgd"


def _usable(name):
    """The saved back end if it works here, else the best available one."""
    return name if name in backends.available() else None
