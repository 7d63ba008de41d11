"""Saving and loading models: a zip (``.npz``) of plain arrays plus a JSON spec, never pickle.

File layout (format ``fastnn-model``, version 1): ``spec.npy`` holds the UTF-8 JSON spec (layers,
input width, loss, optimizer config, back end, dtype, epoch and step counters); ``params.npy`` the
flat parameter buffer; ``opt_state.npy`` the optimizer state when there is one.  A file can never
run code (no pickles), loading one costs memory bounded by its size (:mod:`fastnn._modelfile`)
and saving replaces it atomically (:mod:`fastnn._atomic`).
"""
from __future__ import annotations

from . import backends
from ._modelfile import ModelFileError, read
from .model import Sequential


def save(model, path):
    """Write ``model`` (weights, layers, loss, optimizer and its state) to ``path``; the same
    as ``model.save(path)``."""
    model.save(path)


def load(path, backend=None):
    """Read a model written by :func:`save`; ``backend`` overrides the saved one.

    Raises ``FileNotFoundError`` for a missing file and :class:`fastnn.ModelFileError` (a
    ``ValueError``) naming the file and the problem for a truncated, corrupt, foreign, inconsistent
    or newer-version file.  Every size is checked before anything is allocated.
    """
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
    return name if name in backends.available() else None
