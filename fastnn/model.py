"""``Sequential``: a Keras-style stack of Dense and Dropout layers over one flat parameter buffer."""
from __future__ import annotations

import json
import threading
from typing import Any

import numpy as np

from . import _links, _threads, backends, optim
from . import _spec as S
from . import _validation as V
from ._atomic import replacing
from ._modelfile import FORMAT as FILE_FORMAT
from ._modelfile import VERSION as FILE_VERSION
from .layers import Dense, Dropout
from .session import DivergenceError, Session, training

DTYPES: dict[str, type] = {"float32": np.float32, "float64": np.float64}
__all__ = ["Sequential", "DivergenceError", "DTYPES"]


class Sequential:
    """A feed-forward network: Dense layers, optionally with Dropout before them.

    Parameters
    ----------
    layers : list of Dense / Dropout
        The last layer must be Dense; its outputs are the network outputs (logits for the
        cross-entropy and hinge losses, which apply softmax/sigmoid themselves).
    input_dim : int, optional
        Number of input features; otherwise taken from the first Dense layer's ``input_dim`` or,
        at the first ``fit``, from ``X``.

    Weights live in one flat buffer ``params`` (see :mod:`fastnn._spec` for the layout).
    """

    def __init__(self, layers=(), input_dim=None):
        self.layers = []
        self.input_dim = None if input_dim is None else V.check_positive_int(input_dim, "input_dim")
        self._params: Any = None
        self._opt_state: Any = None
        self._layout: Any = None        # the NetSpec the weights were laid out for
        self._session: Any = None       # the open Session, which holds the live weights
        self._training_thread: Any = None   # the thread in fit/run/step, if any
        self.loss = self.optimizer = self.backend = self._loss_code = None
        self.dtype: type = np.float32
        self.seed = None
        self.epoch = 0          # epochs trained so far (fit continues the count)
        self.step = 0           # optimizer steps so far
        self.stop_training = False
        for layer in layers:
            self.add(layer)

    # --- the weights, wherever they live ---------------------------------------------------------

    @property
    def params(self):
        """The flat parameter buffer (see :mod:`fastnn._spec` for the layout), or None.

        While a session is open its back end holds the live weights; reading this brings the
        host copy up to date (a download on a GPU).  Read from another thread while the model
        trains, it is a copy of the weights after the epoch (or batch) running now.
        """
        return self._host_arrays()[0]

    @params.setter
    def params(self, value):
        self._params = value

    @property
    def opt_state(self):
        """The optimizer state, shape (2, n_params), or None before the first training step."""
        return self._host_arrays()[1]

    @opt_state.setter
    def opt_state(self, value):
        self._opt_state = value

    def _host_arrays(self):
        session = self._session
        if session is None:
            return self._params, self._opt_state
        return session._host_arrays(copy=self._training_elsewhere())

    def _training_elsewhere(self):
        """Whether another thread than this one is training the model now."""
        return self._training_thread not in (None, threading.current_thread())

    def _refuse_while_training(self, what):
        if self._training_elsewhere():
            raise RuntimeError(f"{what} while thread {self._training_thread.name!r} trains this "
                               f"model; wait for its fit/run to end")

    def _attach(self, session):
        """Make ``session`` the model's open session (closing an idle one)."""
        if self._training_thread is not None and (self._training_elsewhere()
                                                  or self._session is not None):
            raise RuntimeError("cannot open a session while this model is training (in "
                               f"thread {self._training_thread.name!r}); wait for it to end")
        if self._session is not None:
            self._session.close()
        self._session = session

    def _detach(self, session):
        if self._session is session:
            self._session = None

    # --- structure -------------------------------------------------------------------------------

    def add(self, layer):
        """Append a layer; weights are (re)initialised at the next ``compile``/``fit``."""
        if not isinstance(layer, (Dense, Dropout)):
            raise TypeError(f"layers must be fastnn.Dense or fastnn.Dropout, got {type(layer).__name__}")
        if not self.layers and isinstance(layer, Dense) and layer.input_dim and self.input_dim is None:
            self.input_dim = layer.input_dim
        self.layers.append(layer)
        self.params = None

    @property
    def dense_layers(self):
        """The Dense layers, in order."""
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def n_params(self) -> int:
        """Number of trainable parameters (weights, biases and PReLU slopes)."""
        return self._spec().n_params

    def _spec(self) -> S.NetSpec:
        """The current layers as a :class:`~fastnn._spec.NetSpec` (cheap; rebuilt every fit)."""
        dense = self.dense_layers
        if not dense:
            raise ValueError("the model has no Dense layer; add at least one")
        if isinstance(self.layers[-1], Dropout):
            raise ValueError("the last layer is Dropout; a network must end with a Dense layer")
        if self.input_dim is None:
            raise ValueError("the input width is unknown: pass Sequential(..., input_dim=n) or fit first")
        drop, keep = [], 1.0
        for layer in self.layers:
            if isinstance(layer, Dropout):
                keep *= 1.0 - layer.rate
            else:
                drop.append(1.0 - keep)
                keep = 1.0
        return S.make_spec([self.input_dim] + [d.units for d in dense],
                           [d.activation_code for d in dense], [d.alpha_value for d in dense],
                           [d.l1 for d in dense], [d.l2 for d in dense], drop,
                           self._loss_code if self.loss else S.MSE)

    # --- compile and weights -----------------------------------------------------------------------

    def compile(self, loss="mse", optimizer="sgd", backend=None, dtype="float32", seed=None):
        """Choose the loss, optimizer, back end and precision; initialise weights if needed.

        Parameters
        ----------
        loss : {"mse", "binary_cross_entropy", "softmax_cross_entropy", "hinge"}
        optimizer : str or fastnn.optim.Optimizer
        backend : {"numba", "cython", "cuda", "numpy", "auto"}, optional
            None reads ``$FASTNN_BACKEND``, then picks the fastest available.
        dtype : {"float32", "float64"}
        seed : int, optional
            Seed of the weight initialisation (fresh random weights when None).

        Compiling again keeps trained weights (converted to ``dtype``) and resets the optimizer.
        """
        self._refuse_while_training("compile() called")
        self._loss_code = S.lookup(S.LOSSES, loss, "loss")
        self.loss = loss.lower()
        last = self.dense_layers[-1] if self.dense_layers else None
        if last is not None and self._loss_code != S.MSE and last.activation_code != S.IDENTITY:
            raise ValueError(f"loss {self.loss!r} applies its own sigmoid/softmax to the last layer's "
                             f"outputs, so the last Dense layer must have no activation (it has "
                             f"{last.activation!r})")
        self.optimizer = optim.get(optimizer)
        self.backend = backends.resolve(backend)
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
        self.dtype = DTYPES[dtype]
        self.seed = seed
        if self.params is not None:
            self.params = self.params.astype(self.dtype)
        elif self.input_dim is not None:
            self.reset_weights(seed)
        self.opt_state = None
        self.step = 0

    def reset_weights(self, seed=None):
        """Draw fresh initial weights (``seed`` makes them repeatable) and reset the optimizer."""
        self._refuse_while_training("reset_weights() called")
        spec = self._spec()
        rng = np.random.default_rng(seed)
        params = np.zeros(spec.n_params, dtype=np.float64)
        for index, layer in enumerate(self.dense_layers):
            W, b, alpha = S.layer_views(spec, params, index)
            W[...], b[...] = layer.initial_weights(int(spec.sizes[index]), rng)
            if alpha is not None:
                alpha[...] = layer.alpha_value
        self.params, self._layout = params.astype(self.dtype), spec
        self.opt_state = None
        self.step = 0
        self.epoch = 0

    def get_weights(self):
        """Copies of every Dense layer's ``(W, b)``, W of shape (fan_in, fan_out); PReLU layers
        give ``(W, b, slopes)``."""
        self._require_weights()
        spec = self._spec()
        params = self.params
        return [tuple(v.copy() for v in S.layer_views(spec, params, i) if v is not None)
                for i in range(spec.n_layers)]

    def set_weights(self, weights):
        """Set every Dense layer from ``[(W, b), ...]`` (a third item sets PReLU slopes)."""
        self._refuse_while_training("set_weights() called")
        self._require_weights()
        spec = self._spec()
        if len(weights) != spec.n_layers:
            raise ValueError(f"weights has {len(weights)} entries but the model has {spec.n_layers} "
                             f"Dense layers")
        new = self.params.copy()
        for index, given in enumerate(weights):
            views = S.layer_views(spec, new, index)
            for what, target, value in zip(("W", "b", "slopes"), views, given):
                value = np.asarray(value, dtype=np.float64)
                if target is None or value.shape != target.shape:
                    expected = None if target is None else target.shape
                    raise ValueError(f"layer {index} {what} has shape {value.shape}, expected {expected}")
                if not np.isfinite(value).all():
                    raise ValueError(f"layer {index} {what} contains NaN or infinite values")
                target[...] = value
        self.params = new

    def _require_weights(self):
        if self._params is None:
            if self.input_dim is None:
                raise RuntimeError("the model has no weights yet: give input_dim or fit it first")
            self.reset_weights(self.seed)
        self._sync_layout()

    def _require_compiled(self):
        if self.loss is None:
            raise RuntimeError("call compile(loss=..., optimizer=...) before fit/evaluate")

    def _sync_layout(self):
        """Follow activation changes that add or remove PReLU slopes, keeping W and b."""
        spec, old = self._spec(), self._layout
        if np.array_equal(spec.p_off >= 0, old.p_off >= 0):
            return
        new: np.ndarray = np.zeros(spec.n_params, self.dtype)
        params = self.params
        for i, layer in enumerate(self.dense_layers):
            W, b, alpha = S.layer_views(spec, new, i)
            W_old, b_old, _ = S.layer_views(old, params, i)
            W[...], b[...] = W_old, b_old
            if alpha is not None:
                alpha[...] = layer.alpha_value
        self.params, self.opt_state, self._layout = new, None, spec

    # --- training ----------------------------------------------------------------------------------

    def session(self, X, y, batch_size=32, shuffle=True, seed=None, validation_data=None,
                sample_weight=None):
        """A :class:`fastnn.Session` training this model on ``(X, y)``: ``run(epochs)``,
        ``step()``, live ``set_optimizer(...)``, ``evaluate()``, ``close()``.

        The data are checked and converted once, and the back end keeps its buffers (the data,
        weights and optimizer state on the GPU for ``cuda``) until the session is closed.  The
        arguments mean what they mean for :meth:`fit`.  Opening a session closes the model's
        previous one.
        """
        return Session(self, X, y, batch_size=batch_size, shuffle=shuffle, seed=seed,
                       validation_data=validation_data, sample_weight=sample_weight)

    def fit(self, X, y, epochs=1, batch_size=32, shuffle=True, seed=None, validation_data=None,
            callbacks=None, verbose=0, sample_weight=None):
        """Train by mini-batch gradient descent; returns a :class:`fastnn.callbacks.History`.

        The same as ``with model.session(X, y, ...) as s: s.run(epochs, callbacks, verbose)``.

        Parameters
        ----------
        X : array (n_samples, n_features), or a scipy.sparse matrix (read as its rows, never
            densified, on the CPU back ends)
        y : targets (see the loss: integer labels, one-hot rows, 0/1, ±1 or values)
        epochs : int
            Epochs to run now; ``self.epoch`` keeps counting across calls (the optimizer state and
            learning-rate schedule carry on too).
        batch_size : int or None
            1 is per-sample SGD, None the full batch, anything else mini-batches.
        shuffle : bool
            Draw a new sample order every epoch.
        seed : int, optional
            Makes shuffling and dropout repeatable.
        validation_data : (X_val, y_val), optional
            Adds ``val_loss`` (and ``val_accuracy``) to the logs after every epoch.
        callbacks : list of fastnn.callbacks.Callback
        verbose : int
            1 shows a progress bar with the metrics.
        sample_weight : array (n_samples,), optional
            Non-negative weights: each batch's loss is ``sum w_i l_i / sum w_i`` (the penalty
            added as it is), and its gradient follows.

        Raises
        ------
        DivergenceError
            When the loss becomes NaN/inf; the last weights whose loss is finite are kept.
        RuntimeError
            When another thread is training this model.

        Ctrl-C stops after the running epoch, keeps the weights of the last completed epoch and
        returns the history so far; any other exception keeps them too, and propagates.
        """
        self._require_compiled()
        epochs = V.check_positive_int(epochs, "epochs")
        hooks = V.check_callbacks(callbacks, ("set_model", "on_train_begin", "on_epoch_end",
                                              "on_train_end"))
        with training(self):
            if self._session is not None:
                self._session.close()
            session = Session(self, X, y, batch_size=batch_size, shuffle=shuffle, seed=seed,
                              validation_data=validation_data, sample_weight=sample_weight)
            try:
                with _threads.limited(session.threads):
                    return session._run(epochs, hooks, verbose)
            finally:
                session.close()

    # --- inference ---------------------------------------------------------------------------------

    def _outputs(self, X):
        self._require_weights()
        X = V.check_X(X, self.input_dim, self.dtype)
        spec = self._spec()
        out = np.empty((X.shape[0], spec.n_out), self.dtype)
        with _threads.limited(_threads.threads_for(spec, X.shape[0])):
            backends.get_backend(self.backend).forward(spec, self.params, X, out)
        return out

    def predict(self, X):
        """Softmax probabilities (softmax_cross_entropy), sigmoid probabilities
        (binary_cross_entropy), or the raw outputs (mse, hinge); shape (n_samples, n_outputs)."""
        return _links.apply(self._loss_code, self._outputs(X))

    def predict_classes(self, X):
        """Integer class labels: argmax for softmax, ``output > 0`` for BCE and hinge."""
        self._require_compiled()
        if self._loss_code == S.MSE:
            raise ValueError("predict_classes needs a classification loss; this model uses 'mse'")
        out = self._outputs(X)
        if self._loss_code == S.SOFTMAX_CE:
            return out.argmax(axis=1)
        labels = (out > 0).astype(np.int64)
        return labels[:, 0] if labels.shape[1] == 1 else labels

    def evaluate(self, X, y, sample_weight=None):
        """``{"loss": mean loss + penalty, "accuracy": ...}`` (no accuracy for mse); the mean
        weighted by ``sample_weight`` when given (the accuracy is not)."""
        self._require_compiled()
        self._require_weights()
        X = V.check_X(X, self.input_dim, self.dtype)
        spec = self._spec()
        Y = V.check_targets(y, spec.loss, spec.n_out, X.shape[0], self.dtype)
        weights = V.check_sample_weight(sample_weight, X.shape[0])
        loss, accuracy = self._loss_on(spec, X, Y, weights)
        result = {"loss": loss}
        if spec.loss in S.CLASSIFICATION_LOSSES:
            result["accuracy"] = accuracy
        return result

    def _loss_on(self, spec, X, Y, weights=None):
        with _threads.limited(_threads.threads_for(spec, X.shape[0])):
            loss, accuracy = backends.get_backend(self.backend).evaluate(spec, self.params, X, Y,
                                                                         weights)
        return float(loss), float(accuracy)

    def gradients(self, X, y):
        """``(loss, [(dW, db), ...])``: the gradient of the mean loss (+ penalty) on ``(X, y)``,
        without dropout, computed by the model's back end (PReLU layers add d_slopes)."""
        self._require_compiled()
        self._require_weights()
        X = V.check_X(X, self.input_dim, self.dtype)
        spec = self._spec()
        Y = V.check_targets(y, spec.loss, spec.n_out, X.shape[0], self.dtype)
        params = self.params
        grad = np.empty_like(params)
        with _threads.limited(_threads.threads_for(spec, X.shape[0])):
            loss = backends.get_backend(self.backend).loss_and_grad(spec, params, X, Y, grad)
        return float(loss), [tuple(v.copy() for v in S.layer_views(spec, grad, i) if v is not None)
                             for i in range(spec.n_layers)]

    def layer_outputs(self, X):
        """Activations of every Dense layer for ``X`` (the last is the raw output), computed by the
        model's back end: meant for looking inside small networks (e.g. neuron heatmaps)."""
        self._require_weights()
        X = V.check_X(X, self.input_dim, self.dtype)
        spec = self._spec()
        with _threads.limited(_threads.threads_for(spec, X.shape[0])):
            return backends.get_backend(self.backend).layer_outputs(spec, self.params, X)

    def summary(self) -> str:
        """A table of the layers, their output shapes and parameter counts."""
        spec = self._spec()
        lines = [f"{'layer':<34}{'output':>10}{'params':>10}"]
        index = 0
        for layer in self.layers:
            if isinstance(layer, Dense):
                count = (int(spec.b_off[index]) - int(spec.w_off[index]) + layer.units
                         + (layer.units if spec.p_off[index] >= 0 else 0))
                lines.append(f"{layer!r:<34}{layer.units:>10}{count:>10}")
                index += 1
            else:
                lines.append(f"{layer!r:<34}{'':>10}{0:>10}")
        lines.append(f"total parameters: {spec.n_params}  (input width {self.input_dim}, "
                     f"loss {self.loss}, backend {self.backend})")
        return "\n".join(lines)

    def __repr__(self):
        return f"Sequential({self.layers}, input_dim={self.input_dim})"

    def save(self, path):
        """Write the model (weights, layers, loss, optimizer and its state) to ``path``.

        The file is a zip (``.npz``) of plain arrays and a JSON spec, never a pickle;
        :func:`fastnn.load` reads it.  It is replaced atomically: concurrent readers and writers
        only ever see a whole file, and a failed save leaves the old file and no temporary one.
        """
        self._require_weights()
        spec = {
            "format": FILE_FORMAT, "version": FILE_VERSION,
            "input_dim": self.input_dim,
            "layers": [layer.get_config() for layer in self.layers],
            "loss": self.loss,
            "optimizer": self.optimizer.get_config() if self.optimizer else None,
            "backend": self.backend,
            "dtype": np.dtype(self.dtype).name,
            "epoch": self.epoch, "step": self.step,
        }
        params, opt_state = self._host_arrays()
        arrays = {"spec": np.frombuffer(json.dumps(spec).encode(), dtype=np.uint8),
                  "params": params}
        if opt_state is not None:
            arrays["opt_state"] = opt_state
        with replacing(path) as handle:
            np.savez(handle, **arrays)
