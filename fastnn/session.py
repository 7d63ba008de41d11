"""``Session``: one model training on one data set, with the back end's buffers kept between calls.

``Sequential.fit`` is a loop over a session, and the desktop app drives one directly: the data are
validated and converted once, the back end's :class:`Engine <fastnn.backends>` keeps the weights,
optimizer state and training set where its kernels want them (on the GPU for ``cuda``) for as long
as the session lives, and each :meth:`Session.run` or :meth:`Session.step` only launches kernels.

>>> s = net.session(X, y, batch_size=32, seed=0, validation_data=(Xv, yv))   # doctest: +SKIP
>>> s.run(epochs=10)              # History of these 10 epochs
>>> s.step()                      # exactly one mini-batch
>>> s.set_optimizer(lr=0.01)      # live: no rebuild
>>> s.evaluate()                  # on the session's back end
>>> s.close()                     # or ``with net.session(...) as s:``

What rebuilds the engine (and, on a GPU, uploads the data again): a change of the network's
shapes, of its loss, dtype or back end (``compile``), of its weights from outside
(``set_weights``, ``reset_weights``) or of the optimizer's type.  What does not: the learning rate
and every other optimizer hyper-parameter, the layers' L1/L2 penalties, activations (other than
to or from PReLU, which adds weights) and dropout rates; layer changes take effect at the next
``run``/``step`` call.
"""
from __future__ import annotations

import math
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import _spec as S
from . import _threads, backends, optim
from . import _validation as V
from . import callbacks as cb

_HOOKS = ("set_model", "on_train_begin", "on_epoch_end", "on_train_end")
# Batched epochs (Session._epochs): one engine call lasts about CALL_S seconds, so Ctrl-C, a pause
# in the app or another thread reading the weights waits no longer; at most _MAX_PER_CALL epochs
# and _MAX_ROWS rows of orders per call.
CALL_S = 0.05
_MAX_PER_CALL = 4096
_MAX_ROWS = 1 << 22
_CLAIM = threading.Lock()    # makes "is this model training?" and "it is now" one step


class DivergenceError(FloatingPointError):
    """The training loss became NaN or infinite; training restored the last weights whose loss
    is finite.

    Attributes: ``epoch`` (0-based epoch that diverged), ``lr`` (its learning rate).
    """

    def __init__(self, message, epoch, lr):
        super().__init__(message)
        self.epoch, self.lr = epoch, lr


@contextmanager
def training(model):
    """Mark ``model`` as training in this thread for the ``with`` body; refuse a second trainer.

    One model trains in one thread at a time: a ``fit``/``run``/``step`` from another thread, or
    from a callback of the running one, raises ``RuntimeError``.
    """
    with _CLAIM:
        owner = model._training_thread
        if owner is not None:
            where = "this thread (from a callback?)" if owner is threading.current_thread() \
                else f"thread {owner.name!r}"
            raise RuntimeError(f"this model is already training in {where}; a model trains in "
                               f"one thread at a time: wait for that fit/run to end, or train "
                               f"a copy (fastnn.load of a saved model)")
        model._training_thread = threading.current_thread()
    try:
        yield
    finally:
        model._training_thread = None


class Session:
    """A model bound to a training set, with the back end's state kept between calls.

    Made by :meth:`fastnn.Sequential.session` (same arguments as ``fit``, less ``epochs``,
    ``callbacks`` and ``verbose``).  The model's weights live in the session's engine while it is
    open; ``model.params``, ``get_weights()``, ``predict()``... read a host copy, brought up to
    date (downloaded, on a GPU) only when asked for.  Another thread reading the model while the
    session trains waits for the running epoch (or batch) to end and sees the weights after it.

    Parameters
    ----------
    model : fastnn.Sequential
        A compiled model.
    X, y, batch_size, shuffle, seed, validation_data, sample_weight
        As for :meth:`fastnn.Sequential.fit`; ``X``, ``y``, the weights and the validation data
        are checked and converted to the model's dtype once, here.
    """

    def __init__(self, model, X, y, batch_size=32, shuffle=True, seed=None,
                 validation_data=None, sample_weight=None):
        model._require_compiled()
        seed = V.check_seed(seed)
        if validation_data is not None and (not isinstance(validation_data, (tuple, list))
                                            or len(validation_data) != 2):
            raise ValueError(f"validation_data must be a tuple (X_val, y_val), got "
                             f"{type(validation_data).__name__}")
        self._model = model
        self._source = (X, y, validation_data)
        self._sample_weight = sample_weight
        self._batch_size_arg = batch_size
        self.shuffle = bool(shuffle)
        self._rng = np.random.default_rng(seed)
        self._dropout_seed = int(self._rng.integers(2 ** 63))
        self._lock = threading.Lock()      # held while the engine works; readers wait on it
        self._engine: Any = None           # the back end's Engine
        self._built: Any = None            # what the engine was built for (see _up_to_date)
        self._spec: Any = None             # the NetSpec the engine trains
        self._dirty = False                # the engine's weights are newer than the host copy
        self._closed = False
        self._convert()
        self._order = np.arange(self._n, dtype=np.int64)
        self._batch_index = 0              # next batch of the epoch in progress (0: none)
        self._partial = [0.0, 0.0]         # loss and hits summed over that epoch's rows so far
        self._kept = [(model.epoch, model.step)] * 2   # (epoch, step) of the engine's snapshots
        self._per_call = 1                 # epochs in the next batched engine call
        self._pending = []                 # shuffles drawn for epochs not trained yet, in order
        model._attach(self)

    # --- data ------------------------------------------------------------------------------------

    def _convert(self):
        """Check and convert the data for the model's current dtype, loss and shapes."""
        m = self._model
        X, y, validation = self._source
        self._X = V.check_X(X, m.input_dim, m.dtype)
        if m.input_dim is None:
            m.input_dim = self._X.shape[1]
        m._require_weights()
        spec = m._spec()
        self._Y = V.check_targets(y, spec.loss, spec.n_out, self._X.shape[0], m.dtype)
        self._weights = V.check_sample_weight(self._sample_weight, self._X.shape[0])
        self._val = None
        if validation is not None:
            Xv, yv = validation
            same_x, same_y = Xv is X, yv is y
            Xv = self._X if same_x else V.check_X(Xv, m.input_dim, m.dtype, name="validation X")
            Yv = self._Y if same_x and same_y else V.check_targets(
                yv, spec.loss, spec.n_out, Xv.shape[0], m.dtype, name="validation y")
            self._val = (Xv, Yv)
        self._n = self._X.shape[0]
        self._batch = V.check_batch_size(self._batch_size_arg, self._n)
        self._n_batches = -(-self._n // self._batch)
        self._data_key = (np.dtype(m.dtype), spec.loss, spec.n_in, spec.n_out)

    @property
    def model(self):
        """The :class:`fastnn.Sequential` this session trains."""
        return self._model

    @property
    def threads(self) -> int:
        """BLAS threads this session's kernels use (see :func:`fastnn.set_num_threads`)."""
        return _threads.threads_for(self._model._spec(), self._batch)

    @property
    def batch_size(self) -> int:
        """Rows per mini-batch (the full batch when ``batch_size=None`` was given)."""
        return self._batch

    @property
    def batches_per_epoch(self) -> int:
        """Mini-batches in one epoch."""
        return self._n_batches

    # --- the engine ------------------------------------------------------------------------------

    def _check_open(self):
        if self._closed:
            raise RuntimeError("this session is closed (close() was called, or another session "
                               "of the same model was opened); open a new one: model.session(...)")

    def _ensure_engine(self):
        """Build the engine, or bring it up to date with the model (see the module docstring)."""
        m = self._model
        m._require_weights()
        spec = m._spec()
        if (np.dtype(m.dtype), spec.loss, spec.n_in, spec.n_out) != self._data_key:
            self._sync()
            self._convert()
        if m._opt_state is None:
            m._opt_state = np.zeros((2, spec.n_params), m.dtype)
        if not self._up_to_date():
            self._build(spec)
        elif not _same_spec(spec, self._spec):
            with self._lock:
                self._engine.set_spec(spec)
            self._spec = spec
        return self._engine

    def _up_to_date(self):
        """Whether the engine was built for the model's back end, weights, optimizer state and
        optimizer type as they are now (cheap: checked before every epoch)."""
        m, built = self._model, self._built
        return (built is not None and built[0] == m.backend and built[1] is m._params
                and built[2] is m._opt_state and built[3] is type(m.optimizer))

    def _build(self, spec):
        m = self._model
        self._sync()
        engine = backends.get_backend(m.backend).Engine(spec, m._params, m._opt_state, self._X,
                                                        self._Y, self._batch, self._weights)
        with self._lock:
            self._engine, self._spec, self._dirty = engine, spec, False
            self._built = (m.backend, m._params, m._opt_state, type(m.optimizer))
            self._kept = [(m.epoch, m.step)] * 2
            self._batch_index, self._partial = 0, [0.0, 0.0]

    def _sync(self):
        """Bring the model's host arrays up to date with the engine (a download on a GPU)."""
        if self._dirty and self._engine is not None:
            self._engine.sync()
        self._dirty = False

    def _host_arrays(self, copy):
        """``(params, opt_state)`` of the model, synced; copies taken between epochs when
        ``copy`` (a reader in another thread than the training one)."""
        m = self._model
        if not copy:
            self._sync()
            return m._params, m._opt_state
        with self._lock:
            self._sync()
            state = None if m._opt_state is None else m._opt_state.copy()
            return m._params.copy(), state

    # --- training --------------------------------------------------------------------------------

    def run(self, epochs=1, callbacks=None, verbose=0):
        """Train ``epochs`` more epochs; returns a :class:`fastnn.callbacks.History` of them.

        An epoch left unfinished by :meth:`step` is completed first and counts as the first.
        Callbacks and ``verbose`` work as in :meth:`fastnn.Sequential.fit`, and so do divergence
        (``DivergenceError``, the last weights whose loss is finite kept), Ctrl-C (stops, keeps
        the weights of the last completed epoch, returns the history so far) and any other
        exception (the weights of the last completed epoch are kept, then it propagates).
        """
        epochs = V.check_positive_int(epochs, "epochs")
        hooks = V.check_callbacks(callbacks, _HOOKS)
        self._check_open()
        with training(self._model), _threads.limited(self.threads):
            return self._run(epochs, hooks, verbose)

    def _run(self, epochs, callbacks, verbose):
        """:meth:`run` once the model is marked as training (``fit`` marks it itself)."""
        m = self._model
        history = cb.History()
        hooks = [history] + callbacks + ([cb.ProgressBar(epochs)] if verbose else [])
        for hook in hooks:
            hook.set_model(m)
        self._ensure_engine()
        for hook in hooks:
            hook.on_train_begin()
        m.stop_training = False
        trained = self._epochs(epochs, batched=all(hook.logs_only for hook in hooks),
                               watched=len(hooks) > 1)
        try:
            for epoch, logs in trained:
                for hook in hooks:
                    hook.on_epoch_end(epoch, logs)
                if m.stop_training:
                    break
            trained.close()         # a batched call stopped inside goes back to where it stopped
        except KeyboardInterrupt:
            trained.close()
            self._restore_last()
            print(f"fastnn: training interrupted; kept the weights of epoch {m.epoch}",
                  file=sys.stderr)
        except BaseException:
            trained.close()
            self._restore_last()
            raise
        finally:
            for hook in hooks:
                hook.on_train_end()
        return history

    def _epochs(self, epochs, batched, watched):
        """Train ``epochs`` epochs, yielding ``(epoch, logs)`` after each.

        ``batched`` (every hook is ``logs_only``, see :class:`fastnn.callbacks.Callback`, and
        there is no validation set): where the engine can, whole epochs go to it in calls of
        about :data:`CALL_S` seconds each, so the interpreter is off the per-epoch path too.
        The results are the same bit for bit: if a call fails (a loss or weight not finite),
        the engine goes back to before it and its epochs are trained again one at a time with
        the same orders; ``watched`` (hooks besides the history), a call after one of whose
        epochs a hook stopped training (the generator is closed there) or changed a
        hyper-parameter goes back to before it and trains its epochs up to that one again.
        """
        batched = batched and self._val is None and \
            getattr(self._ensure_engine(), "epochs", None) is not None
        left = epochs
        while left > 0:
            count = 1
            if batched and self._batch_index == 0:
                count = min(left, self._per_call, max(1, _MAX_ROWS // self._n))
            if count == 1:
                yield self._model.epoch, self._epoch()
                left -= 1
                if batched:             # the first epoch (compiles, if need be) goes alone
                    self._per_call = min(self._per_call * 4, _MAX_PER_CALL)
                continue
            m = self._model
            orders, opts = self._orders(count), m.optimizer.pack_epochs(m.epoch, count)
            before = self._engine_arrays() if watched else None
            start = time.perf_counter()
            done = self._call(orders, opts)
            if done is None:            # again one at a time: the failing epoch raises
                for order in orders:
                    yield self._model.epoch, self._epoch(order)
                left -= count
                continue
            self._per_call = _next_count(count, time.perf_counter() - start)
            for e, (epoch, logs) in enumerate(done):
                try:
                    yield epoch, logs
                except GeneratorExit:
                    if before is not None and e < count - 1:
                        self._train_again(before, orders, opts, e + 1)
                    raise
                if before is not None and e < count - 1 and not np.array_equal(
                        m.optimizer.pack(epoch + 1), opts[e + 1]):
                    self._train_again(before, orders, opts, e + 1)
                    count = e + 1
                    break
            left -= count

    def _orders(self, count):
        """The row orders of the next ``count`` epochs, (count, n) int64 (the same draws as
        ``count`` calls of :meth:`_epoch` would make)."""
        orders = np.tile(self._order if not self.shuffle else np.arange(self._n, dtype=np.int64),
                         (count, 1))
        if self.shuffle:        # row by row, the same stream as ``count`` permutation() calls
            drawn = min(count, len(self._pending))
            if drawn:
                orders[:drawn] = self._pending[:drawn]
                del self._pending[:drawn]
            self._rng.permuted(orders[drawn:], axis=1, out=orders[drawn:])
        return orders

    def _shuffled(self):
        """The row order of the next epoch (a shuffle drawn before, or a new one)."""
        return self._pending.pop(0) if self._pending else self._rng.permutation(self._n)

    def _engine_arrays(self):
        """Copies of the engine's weights and optimizer state (a host engine's)."""
        return self._engine.params.copy(), self._engine.state.copy()

    def _train_again(self, before, orders, opts, kept):
        """After a batched call of ``len(orders)`` epochs: the engine back at ``before`` (its
        arrays before the call), then the call's first ``kept`` epochs trained again (the same
        weights as then); the later epochs' shuffles are kept for the epochs to come."""
        m, engine, count = self._model, self._engine, len(orders)
        epoch, step = m.epoch - count, m.step - count * self._n_batches
        with self._lock:
            np.copyto(engine.params, before[0])
            np.copyto(engine.state, before[1])
            engine.set_snapshot(*before)
            if engine.epochs(orders[:kept], opts[:kept], step, self._dropout_seed) is None:
                raise RuntimeError("fastnn: epochs trained again did not give the weights they "
                                   "gave before (please report this)")
            m.epoch, m.step = epoch + kept, step + kept * self._n_batches
            self._kept = [(m.epoch, m.step), (m.epoch - 1, m.step - self._n_batches)]
            self._order = orders[kept - 1]
            self._dirty = True
        if self.shuffle:
            self._pending[:0] = list(orders[kept:])

    def _call(self, orders, opts):
        """Whole epochs in one engine call; their ``(epoch, logs)``, or None when it failed
        (the engine is then as before the call)."""
        m, count = self._model, len(orders)
        engine = self._engine if self._up_to_date() else self._ensure_engine()
        with self._lock:
            result = engine.epochs(orders, opts, m.step, self._dropout_seed)
            if result is None:
                return None
            self._dirty = True
            first, step = m.epoch, m.step
            m.epoch, m.step = first + count, step + count * self._n_batches
            self._kept = [(m.epoch, m.step), (m.epoch - 1, m.step - self._n_batches)]
            self._order = orders[-1]
        losses, accuracies = result
        return [(first + e, self._logs(losses[e], accuracies[e], opts[e])) for e in range(count)]

    def _epoch(self, order=None):
        """Train the rest of the epoch in progress (all of it when none is) over the rows
        ``order`` (the next shuffle, or the fixed order, when None); returns its logs."""
        m = self._model
        engine = self._engine if self._up_to_date() else self._ensure_engine()
        epoch, opt = m.epoch, m.optimizer.pack(m.epoch)
        first = self._batch_index * self._batch
        if order is not None:
            self._order = order
        elif first == 0 and self.shuffle:
            self._order = self._shuffled()
        rows = self._order[first:] if first else self._order
        with self._lock:
            loss, accuracy = engine.epoch(rows, opt, m.step, self._dropout_seed)
            self._dirty = True
            if not (math.isfinite(loss) and engine.params_finite()):
                raise self._diverged(loss, epoch, opt[S.OPT_LR])
            if first:
                loss_sum, hits = self._partial
                loss = (loss_sum + loss * len(rows)) / self._n
                accuracy = (hits + accuracy * len(rows)) / self._n
            m.epoch, m.step = epoch + 1, m.step + self._n_batches - self._batch_index
            self._batch_index, self._partial = 0, [0.0, 0.0]
            engine.snapshot()
            self._kept = [(m.epoch, m.step), self._kept[0]]
        return self._logs(loss, accuracy, opt)

    def step(self):
        """Train exactly one mini-batch; returns its ``{"loss", "accuracy", "lr"}`` (the batch's
        loss before the update) plus ``"epoch"`` and ``"batch"`` (where it was in the epoch).

        ``batches_per_epoch`` steps are bitwise the same training as ``run(1)``; the epoch count
        goes up when its last batch is done.  A batch whose loss is NaN/inf raises
        ``DivergenceError`` after going back to the last weights whose loss is finite.
        """
        self._check_open()
        m = self._model
        with training(m), _threads.limited(self.threads):
            engine = self._ensure_engine()
            epoch, batch, opt = m.epoch, self._batch_index, m.optimizer.pack(m.epoch)
            if batch == 0 and self.shuffle:
                self._order = self._shuffled()
            rows = self._order[batch * self._batch:(batch + 1) * self._batch]
            with self._lock:
                try:
                    loss, accuracy = engine.epoch(rows, opt, m.step, self._dropout_seed)
                except BaseException:
                    self._restore(older=False)
                    raise
                self._dirty = True
                if not (math.isfinite(loss) and engine.params_finite()):
                    raise self._diverged(loss, epoch, opt[S.OPT_LR])
                m.step += 1
                self._partial[0] += loss * len(rows)
                self._partial[1] += accuracy * len(rows)
                self._batch_index += 1
                if self._batch_index == self._n_batches:
                    m.epoch, self._batch_index, self._partial = epoch + 1, 0, [0.0, 0.0]
                    engine.snapshot()
                    self._kept = [(m.epoch, m.step), self._kept[0]]
        logs = {"loss": float(loss)}
        if self._spec.loss in S.CLASSIFICATION_LOSSES:
            logs["accuracy"] = float(accuracy)
        logs.update(lr=float(opt[S.OPT_LR]), epoch=epoch, batch=batch)
        return logs

    def _logs(self, loss, accuracy, opt):
        classification = self._spec.loss in S.CLASSIFICATION_LOSSES
        logs = {"loss": float(loss)}
        if classification:
            logs["accuracy"] = float(accuracy)
        if self._val is not None:
            val_loss, val_accuracy = self._evaluate_on(*self._val)
            logs["val_loss"] = val_loss
            if classification:
                logs["val_accuracy"] = val_accuracy
        logs["lr"] = float(opt[S.OPT_LR])
        return logs

    # --- failures --------------------------------------------------------------------------------

    def _restore(self, older):
        """Put the engine back to its last snapshot (or the one before); caller holds the lock."""
        self._engine.restore(older=older)
        self._model.epoch, self._model.step = self._kept[1 if older else 0]
        self._batch_index, self._partial = 0, [0.0, 0.0]
        self._dirty = True

    def _restore_last(self):
        """After an exception: the weights of the last completed epoch, if the engine is live."""
        if self._engine is not None and self._up_to_date():
            with self._lock:
                self._restore(older=False)

    def _diverged(self, loss, epoch, lr):
        """Go back to the last weights whose loss is finite (the last snapshot, else the one
        before it) and return the DivergenceError to raise; the caller holds the lock."""
        self._restore(older=False)
        finite = self._loss_is_finite()
        if not finite:
            self._restore(older=True)
            self._engine.snapshot()        # both snapshots are now the kept weights
            self._engine.snapshot()
            self._kept = [self._kept[1]] * 2
            finite = self._loss_is_finite()
        kept = self._model.epoch
        what = "the initial weights" if kept == 0 else \
            f"the weights after {kept} epoch{'' if kept == 1 else 's'}"
        if not finite:
            what += " (whose loss is not finite either)"
        X = self._X
        return DivergenceError(
            f"loss became {loss} at epoch {epoch}; kept {what}. Lower the learning rate (now "
            f"{lr:g}) or scale the inputs (X ranges from {X.min():.3g} to {X.max():.3g}; "
            f"standardize it)", epoch, lr)

    def _loss_is_finite(self):
        self._sync()
        with np.errstate(all="ignore"):
            loss, _ = backends.get_backend(self._model.backend).evaluate(
                self._spec, self._model._params, self._X, self._Y)
        return math.isfinite(loss)

    # --- live changes and evaluation -------------------------------------------------------------

    def set_optimizer(self, optimizer=None, **hyper):
        """Change the optimizer's hyper-parameters live (``lr=0.01``, ``momentum=0.9``...).

        ``optimizer`` (a name or a :mod:`fastnn.optim` optimizer) switches to another one first,
        with a fresh optimizer state and step count, as ``compile`` does.  Unknown or invalid
        hyper-parameters raise ``ValueError`` naming them, and change nothing.
        """
        self._check_open()
        m = self._model
        new = m.optimizer if optimizer is None else optim.get(optimizer)
        current = {k: v for k, v in new.get_config().items() if k != "type"}
        current["schedule"] = new.schedule
        unknown = sorted(set(hyper) - set(current))
        if unknown:
            raise ValueError(f"{type(new).__name__} has no hyper-parameter {unknown[0]!r}; "
                             f"expected one of {sorted(current)}")
        type(new)(**{**current, **hyper})  # checks the combination; raises before any change
        for name, value in hyper.items():
            setattr(new, name, value)
        if new is not m.optimizer:
            with training(m):
                self._sync()
                m.optimizer, m._opt_state, m.step = new, None, 0

    def evaluate(self):
        """``{"loss", "accuracy"}`` on the training set and, with validation data, ``val_loss``
        and ``val_accuracy``; computed by the session's back end on the current weights."""
        self._check_open()
        m = self._model
        with training(m), _threads.limited(self.threads):
            result = dict(zip(("loss", "accuracy"), self._ensure_engine().evaluate()))
            if self._val is not None:
                result.update(zip(("val_loss", "val_accuracy"), self._evaluate_on(*self._val)))
        if self._spec.loss not in S.CLASSIFICATION_LOSSES:
            result = {k: v for k, v in result.items() if "accuracy" not in k}
        return result

    def _evaluate_on(self, X, Y):
        """Loss and accuracy on data the engine does not hold (the validation set)."""
        self._sync()
        loss, accuracy = backends.get_backend(self._model.backend).evaluate(
            self._spec, self._model._params, X, Y)
        return float(loss), float(accuracy)

    # --- lifetime --------------------------------------------------------------------------------

    def close(self):
        """Bring the model's weights up to date and release the back end's buffers."""
        if self._closed:
            return
        with self._lock:
            self._sync()
            self._engine = self._built = None
            self._closed = True
        self._model._detach(self)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (or another session of the model was opened)."""
        return self._closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = "closed" if self._closed else f"epoch {self._model.epoch}"
        return (f"Session({self._n} samples, batch_size={self._batch}, "
                f"backend={self._model.backend!r}, {state})")


def _next_count(count, seconds):
    """Epochs for the next batched call after ``count`` took ``seconds``: about CALL_S seconds
    of them, growing at most fourfold per call."""
    return int(max(1, min(count * 4, _MAX_PER_CALL, count * CALL_S / max(seconds, 1e-9))))


def _same_spec(a, b):
    """Whether two specs of the same shapes also agree on every per-layer setting."""
    return all(np.array_equal(x, y) for x, y in zip(a.arrays(), b.arrays()))
