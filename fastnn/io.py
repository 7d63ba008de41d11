"""Saving and loading models: a zip (``.npz``) of plain arrays plus a JSON spec, never pickle.

File layout (format ``fastnn-model``, version 1): ``spec.npy`` holds the UTF-8 JSON spec (layers,
input width, loss, optimizer config, back end, dtype, epoch and step counters); ``params.npy`` the
flat parameter buffer; ``opt_state.npy`` the optimizer state when there is one.  A file can never
run code (no pickles), loading one costs memory bounded by its size (:mod:`fastnn._modelfile`)
and saving replaces it atomically (:mod:`fastnn._atomic`).
"""
from __future__ import annotations

import json

import numpy as np

from ._atomic import replacing
from ._modelfile import FORMAT, VERSION, ModelFileError, read


def save(model, path):
    """Write ``model`` (weights, layers, loss, optimizer and its state) to ``path``.

    The file is replaced atomically: concurrent readers and writers only ever see a whole file,
    and a failed save leaves the old file and no temporary one.
    """
    model._require_weights()
    spec = {
        "format": FORMAT, "version": VERSION,
        "input_dim": model.input_dim,
        "layers": [layer.get_config() for layer in model.layers],
        "loss": model.loss,
        "optimizer": model.optimizer.get_config() if model.optimizer else None,
        "backend": model.backend,
        "dtype": np.dtype(model.dtype).name,
        "epoch": model.epoch, "step": model.step,
    }
    arrays = {"spec": np.frombuffer(json.dumps(spec).encode(), dtype=np.uint8),
              "params": model.params}
    if model.opt_state is not None:
        arrays["opt_state"] = model.opt_state
    with replacing(path) as handle:
        np.savez(handle, **arrays)


def load(path, backend=None):
    """Read a model written by :func:`save`; ``backend`` overrides the saved one.

    Raises ``FileNotFoundError`` for a missing file and :class:`fastnn.ModelFileError` (a
    ``ValueError``) naming the file and the problem for a truncated, corrupt, foreign, inconsistent
    or newer-version file.  Every size is checked before anything is allocated.
    """
    from . import backends
    from .model import Sequential

    if backend is not None:
        backends.resolve(backend)       # a bad argument is the caller's error, not the file's
    saved = read(path)
    model = Sequential(saved.layers, input_dim=saved.input_dim)
    try:
        if saved.loss:
            model.compile(saved.loss, saved.optimizer, dtype=saved.dtype,
                          backend=backend or _usable(saved.backend))
        else:
            model.reset_weights()
    except ValueError as exc:           # e.g. a cross-entropy loss after a tanh output layer
        raise ModelFileError(path, f"its spec is inconsistent: {exc}") from None
    model.params, model.opt_state = saved.params, saved.opt_state
    model.epoch, model.step = saved.epoch, saved.step
    return model


def _usable(name):
    """The saved back end if it works here, else the best available one."""
    from . import backends
    return name if name in backends.available() else None
