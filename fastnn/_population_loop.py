"""The epoch loop of one population: every member stepped as ``fit`` steps it, in one engine.

For each member the loop keeps what ``fit`` keeps for its model: the random generator of its
shuffles (``numpy.random.default_rng(shuffle_seed)``, first drawing the dropout seed), its epoch
and step counters, the learning rate of each epoch from its optimizer (schedules included), its
``History`` and callbacks.  The engine (:func:`fastnn.backends.population_engine`) trains all of
them at once; between epochs each member's logs, callbacks and stopping are handled alone, so a
member stops, diverges or is interrupted exactly where ``fit`` would have.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from . import _spec as S
from . import _threads, backends
from . import callbacks as cb
from .model import DivergenceError
from .session import _MAX_PER_CALL, _next_count

REPACK_FRACTION = 0.5    # rebuild the engine on the live members once at most this share is live
REPACK_MIN = 8           # ... and the engine holds more members than this
# Batched epochs (see Run.train): calls of about session.CALL_S seconds, their shuffled row
# orders at most this many int64 entries per copy (epochs x lanes x rows).
MAX_ORDER_ROWS = 1 << 21


@dataclass
class Result:
    """What training one member gave: its trained model, its history, its error (or None) and
    its callbacks as they ended."""

    index: int
    model: object
    history: dict
    error: Exception | None = None
    callbacks: list = field(default_factory=list)


class _Track:
    """The loop's record of one member (its model, data size, shuffle generator, hooks)."""

    def __init__(self, member, n_rows, batch):
        self.member, self.model = member, member.model
        self.n = n_rows
        self.n_batches = -(-n_rows // min(batch, n_rows))
        self.rng = np.random.default_rng(member.shuffle_seed)
        self.dropout_seed = int(self.rng.integers(2 ** 63))
        self.order = np.arange(n_rows, dtype=np.int64)
        self.pending = []               # shuffles drawn for epochs not trained yet, in order
        self.history = cb.History()
        self.hooks = [self.history] + list(member.callbacks)
        self.budget = member.epochs     # epochs it may still train (None: no limit)
        self.epochs_left = 0            # ... in the running call
        self.error = None
        self.pushed = None          # the params array last given to the model (see _callbacks)
        self.synced = None          # the params array _finish gave the model
        # a member whose only hook is its History, without a schedule, packs its optimizer once
        self.fixed_opt = len(self.hooks) == 1 and self.model.optimizer.schedule is None
        self.opt = None
        if self.model.opt_state is None:
            self.model.opt_state = np.zeros((2, member.spec.n_params), self.model.dtype)

    def trainable(self):
        return self.error is None and (self.budget is None or self.budget > 0)


class Run:
    """One group of members (of :func:`fastnn._members.group`) training on ``X``, ``Y`` (checked,
    of the members' dtype), call after call of :meth:`train`: each member's shuffle generator,
    counters, history and optimizer state carry on, and the engine is kept while the same
    members train and nobody replaced their weights, so ``k`` calls of one epoch are the same
    training as one call of ``k`` epochs."""

    def __init__(self, members, X, Y, backend, batch_size, validation):
        n = X.shape[0]
        batch = n if batch_size is None else batch_size
        self.tracks = [_Track(m, n if m.rows is None else len(m.rows), batch) for m in members]
        self.batch = max(min(batch, t.n) for t in self.tracks)
        self.classification = self.tracks[0].member.spec.loss in S.CLASSIFICATION_LOSSES
        self.threads = _threads.threads_for(self.tracks[0].member.spec, self.batch)
        self._data = (backend, X, Y)
        self._validation = validation
        self._engine, self._lanes = None, []    # the engine and the tracks in its lanes
        self._per_call = 1              # epochs in the next batched engine call

    def results(self):
        """One :class:`Result` per member, in order (their models, histories, errors)."""
        return [Result(t.member.index, t.model, t.history.history, t.error, t.member.callbacks)
                for t in self.tracks]

    def _engine_for(self, tracks):
        """The kept engine when it holds exactly ``tracks`` and their models still have the
        weights it gave them; else a new one built from the models."""
        if tracks == self._lanes and all(t.model.params is t.synced for t in tracks):
            return self._engine
        self._engine, self._lanes = _engine(self._data[0], tracks, *self._data[1:], self.batch), \
            list(tracks)
        return self._engine

    def train(self, epochs=None, progress=None):
        """``epochs`` more epochs of every member that may train (None: the rest of each
        member's own epochs; a member's ``epochs`` caps its total either way).  Its hooks see
        ``on_train_begin`` and ``on_train_end`` once per call, as ``Session.run``'s do;
        ``progress(n)`` is called with the members finished after each epoch (or batched call).

        Batched epochs, as ``Session.run``'s: when nothing but the members' histories looks at
        an epoch's end (no other callbacks, no validation set), whole epochs go to the engine in
        calls of about ``session.CALL_S`` seconds, as many as every live member still trains.
        The results are the same bit for bit: when a call fails (a member's loss or weights not
        finite) every member goes back to before it and those epochs are trained again one at
        a time, with the same shuffles, so a member diverges at the same epoch and keeps the
        same weights."""
        live = [t for t in self.tracks if t.trainable()]
        for t in live:
            t.epochs_left = t.budget if epochs is None else \
                epochs if t.budget is None else min(epochs, t.budget)
            t.opt = None                # hyper-parameters set between calls take effect
            for hook in t.hooks:
                hook.set_model(t.model)
            for hook in t.hooks:
                hook.on_train_begin()
            t.model.stop_training = False
        if not live:
            return
        backend, X, Y = self._data
        with _threads.limited(self.threads):
            engine = self._engine_for(live)
            try:
                replay = 0
                while live:
                    count, replaying = 1, replay > 0
                    if replaying:
                        replay -= 1
                    elif self._batchable(engine, live):
                        count = self._count(engine, live)
                    if count > 1:
                        start = time.perf_counter()
                        if not _epochs(engine, live, count, self.classification):
                            replay = count      # again one at a time, from the same shuffles
                            continue
                        self._per_call = _next_count(count, time.perf_counter() - start)
                    else:
                        _epoch(engine, live, self._validation, self.classification)
                        if not replaying:
                            self._per_call = min(self._per_call * 4, _MAX_PER_CALL)
                    done = [t for t in live if t.error is not None or t.epochs_left == 0
                            or t.model.stop_training]
                    for t in done:
                        _finish(engine, live.index(t), t)
                    if progress is not None:
                        progress(len(done))
                    if done:
                        live, engine = _repacked(engine, live, done, backend, X, Y, self.batch)
                        if live:
                            self._engine, self._lanes = engine, list(live)
            except KeyboardInterrupt:
                for lane, t in enumerate(live):
                    engine.restore(lane)
                    _finish(engine, lane, t)
                print(f"fastnn: training interrupted; kept the weights of each member's last "
                      f"completed epoch ({len(live)} members were still training)",
                      file=sys.stderr)
            except BaseException:
                for lane, t in enumerate(live):
                    engine.restore(lane)
                    _finish(engine, lane, t)
                raise

    def _batchable(self, engine, live):
        """Whether the next epochs may go to the engine in one call (see :meth:`train`)."""
        return self._validation is None and getattr(engine, "epochs", None) is not None and \
            all(hook.logs_only for t in live for hook in t.hooks)

    def _count(self, engine, live):
        """Epochs in the next batched call: no more than any live member has left, about
        CALL_S seconds of them, and their shuffles within MAX_ORDER_ROWS."""
        left = [t.epochs_left for t in live if t.epochs_left is not None]
        count = min(left + [self._per_call])
        if any(t.member.shuffle for t in live):
            lanes = getattr(engine, "n_members", len(live))
            count = min(count, MAX_ORDER_ROWS // (lanes * max(t.n for t in live)))
        return max(1, count)


def _engine(backend, tracks, X, Y, batch):
    models = [t.model for t in tracks]
    weights = [t.member.weights for t in tracks]
    return backends.population_engine(
        backend, [t.member.spec for t in tracks], np.stack([m.params for m in models]),
        np.stack([m.opt_state for m in models]), X, Y, [t.member.rows for t in tracks], batch,
        weights if any(w is not None for w in weights) else None)


def _epoch(engine, live, validation, classification):
    """One epoch of every live member, then its logs and callbacks."""
    opts = np.zeros((len(live), S.OPT_SIZE))
    steps = np.zeros(len(live), np.int64)
    seeds = np.zeros(len(live), np.uint64)
    orders = []
    for lane, t in enumerate(live):
        if t.opt is None or not t.fixed_opt:
            t.opt = t.model.optimizer.pack(t.model.epoch)
        opts[lane] = t.opt
        steps[lane], seeds[lane] = t.model.step, t.dropout_seed
        if t.member.shuffle:
            t.order = t.pending.pop(0) if t.pending else t.rng.permutation(t.n)
        orders.append(t.order)
    loss, accuracy = engine.epoch(orders, opts, steps, seeds)
    finite = engine.finite()
    for lane, t in enumerate(live):
        if not (math.isfinite(loss[lane]) and finite[lane]):
            engine.restore(lane)
            t.error = _divergence(t, loss[lane], opts[lane, S.OPT_LR])
        else:
            t.model.epoch, t.model.step = t.model.epoch + 1, t.model.step + t.n_batches
            t.epochs_left -= 1
            if t.budget is not None:
                t.budget -= 1
    engine.snapshot()
    columns = [("loss", loss.tolist())]
    if classification:
        columns.append(("accuracy", accuracy.tolist()))
    if validation is not None:
        val_loss, val_accuracy = engine.evaluate(*validation)
        columns.append(("val_loss", val_loss.tolist()))
        if classification:
            columns.append(("val_accuracy", val_accuracy.tolist()))
    columns.append(("lr", opts[:, S.OPT_LR].tolist()))
    for lane, t in enumerate(live):
        if t.error is not None:
            continue
        epoch = t.model.epoch - 1
        if len(t.hooks) == 1:           # only its History: record the logs directly
            t.history.epoch.append(epoch)
            for key, values in columns:
                t.history.history.setdefault(key, []).append(values[lane])
        else:
            _callbacks(engine, lane, t, epoch, {key: values[lane] for key, values in columns})


def _epochs(engine, live, count, classification):
    """``count`` whole epochs of every live member in one engine call, then their logs and
    hooks (all ``logs_only``, see :class:`fastnn.callbacks.Callback`); False, with every member
    as before and the shuffles drawn kept for the epochs to come (``_Track.pending``), when the
    call failed.  A member whose hooks stop it or change its hyper-parameters after an epoch
    before the last is trained again from before the call up to that epoch alone, so it keeps
    what epoch-by-epoch training gives."""
    n = len(live)
    opts = np.zeros((count, n, S.OPT_SIZE))
    steps = np.zeros((count, n), np.int64)
    seeds = np.zeros(n, np.uint64)
    orders = []
    ahead = np.arange(count)
    for lane, t in enumerate(live):
        if t.fixed_opt:
            if t.opt is None:
                t.opt = t.model.optimizer.pack(t.model.epoch)
            opts[:, lane] = t.opt
        else:
            opts[:, lane] = t.model.optimizer.pack_epochs(t.model.epoch, count)
        steps[:, lane] = t.model.step + t.n_batches * ahead
        seeds[lane] = t.dropout_seed
        if t.member.shuffle:
            while len(t.pending) < count:
                t.pending.append(t.rng.permutation(t.n))
            orders.append(np.stack(t.pending[:count]))
        else:
            orders.append(t.order)
    result = engine.epochs(orders, opts, steps, seeds)
    if result is None:
        return False
    loss, accuracy = result
    kept = [_logged(t, loss[:, lane], accuracy[:, lane] if classification else None,
                    opts[:, lane]) for lane, t in enumerate(live)]
    _train_again(engine, [lane for lane in range(n) if kept[lane] < count], kept, orders, opts,
                 steps, seeds)
    engine.snapshot()
    for lane, t in enumerate(live):
        done = kept[lane]
        if t.member.shuffle:
            t.order = t.pending[done - 1]
            del t.pending[:done]
        t.model.epoch, t.model.step = t.model.epoch + done, t.model.step + done * t.n_batches
        if t.epochs_left is not None:
            t.epochs_left -= done
        if t.budget is not None:
            t.budget -= done
    return True


def _logged(t, loss, accuracy, opts):
    """The logs of a member's epochs of one batched call into its History and hooks, in order;
    returns how many of them it keeps: all, or those up to the first after which a hook stopped
    it or changed its hyper-parameters (the later epochs ran with the old ones)."""
    first, count = t.model.epoch, len(loss)
    if len(t.hooks) == 1:               # only its History: record the logs directly
        history = t.history.history
        t.history.epoch.extend(range(first, first + count))
        history.setdefault("loss", []).extend(loss.tolist())
        if accuracy is not None:
            history.setdefault("accuracy", []).extend(accuracy.tolist())
        history.setdefault("lr", []).extend(opts[:, S.OPT_LR].tolist())
        return count
    for e in range(count):
        logs = {"loss": float(loss[e])}
        if accuracy is not None:
            logs["accuracy"] = float(accuracy[e])
        logs["lr"] = float(opts[e, S.OPT_LR])
        for hook in t.hooks:
            hook.on_epoch_end(first + e, logs)
        if e < count - 1 and (t.model.stop_training or not np.array_equal(
                t.model.optimizer.pack(first + e + 1), opts[e + 1])):
            return e + 1
    return count


def _train_again(engine, lanes, kept, orders, opts, steps, seeds):
    """Members ``lanes`` back to before the batched call, then their first ``kept[lane]``
    epochs of it again (the same orders and hyper-parameters: the same weights as then)."""
    for lane in lanes:
        engine.restore(lane)
    for done in sorted({kept[lane] for lane in lanes}):
        group = [lane for lane in lanes if kept[lane] == done]
        again = _Subset(engine, group).epochs(
            [orders[lane][:done] if orders[lane].ndim == 2 else orders[lane] for lane in group],
            opts[:done, group], steps[:done, group], seeds[group])
        if again is None:
            raise RuntimeError("fastnn: epochs trained again did not give the weights they "
                               "gave before (please report this)")


def _callbacks(engine, lane, t, epoch, logs):
    """Run the member's hooks; callbacks other than its History see its current weights, and
    weights they set (``set_weights``) are what training goes on from."""
    if len(t.hooks) > 1:
        t.model.params, t.model.opt_state = engine.get(lane)
        t.pushed = t.model.params
    for hook in t.hooks:
        hook.on_epoch_end(epoch, logs)
    if t.pushed is not None and t.model.params is not t.pushed:
        engine.put(lane, t.model.params)


def _finish(engine, lane, t):
    """The member's final weights into its model, then its ``on_train_end`` hooks."""
    t.model.params, t.model.opt_state = engine.get(lane)
    t.synced = t.model.params
    for hook in t.hooks:
        hook.on_train_end()


def _divergence(t, loss, lr):
    epoch = t.model.epoch
    kept = f"; kept the weights of epoch {epoch - 1}" if epoch else ""
    return DivergenceError(f"{t.member.label}: loss became {loss} at epoch {epoch}{kept}. "
                           f"Lower the learning rate (now {lr:g}) or scale the inputs", epoch, lr)


def _repacked(engine, live, done, backend, X, Y, batch):
    """The members still training, and the engine to train them: the same one seen through
    their lanes, or a new one holding only them once few are left (less work per epoch)."""
    keep = [t for t in live if t not in done]
    if not keep:
        return keep, engine
    view = _Subset(engine, [live.index(t) for t in keep])
    if len(keep) > REPACK_FRACTION * view.n_members or view.n_members <= REPACK_MIN:
        return keep, view
    for lane, t in enumerate(keep):
        t.model.params, t.model.opt_state = view.get(lane)
    return keep, _engine(backend, keep, X, Y, batch)


class _Subset:
    """An engine seen through a subset of its lanes: the members that still train (the others
    are left out of every epoch until the engine is rebuilt)."""

    def __init__(self, engine, lanes):
        base = engine.base if isinstance(engine, _Subset) else engine
        self.base = base
        self.lanes = [engine.lanes[i] for i in lanes] if isinstance(engine, _Subset) else lanes
        self.n_members = base.n_members

    def epoch(self, orders, opts, steps, seeds):
        full = [None] * self.base.n_members
        n = self.base.n_members
        o = np.repeat(opts[:1], n, axis=0)    # lanes left out still see valid hyper-parameters
        s, d = np.zeros(n, np.int64), np.zeros(n, np.uint64)
        for i, lane in enumerate(self.lanes):
            full[lane], o[lane], s[lane], d[lane] = orders[i], opts[i], steps[i], seeds[i]
        loss, accuracy = self.base.epoch(full, o, s, d)
        return loss[self.lanes], accuracy[self.lanes]

    @property
    def epochs(self):
        return None if getattr(self.base, "epochs", None) is None else self._epochs

    def _epochs(self, orders, opts, steps, seeds):
        n = self.base.n_members
        full = [None] * n
        o = np.repeat(opts[:, :1], n, axis=1)     # lanes left out still see valid values
        s, d = np.zeros((opts.shape[0], n), np.int64), np.zeros(n, np.uint64)
        for i, lane in enumerate(self.lanes):
            full[lane], o[:, lane], s[:, lane], d[lane] = orders[i], opts[:, i], steps[:, i], \
                seeds[i]
        result = self.base.epochs(full, o, s, d)
        if result is None:
            return None
        return result[0][:, self.lanes], result[1][:, self.lanes]

    def finite(self):
        return self.base.finite()[self.lanes]

    def snapshot(self):
        self.base.snapshot()

    def restore(self, i):
        self.base.restore(self.lanes[i])

    def get(self, i):
        return self.base.get(self.lanes[i])

    def put(self, i, params):
        self.base.put(self.lanes[i], params)

    def evaluate(self, X, Y):
        loss, accuracy = self.base.evaluate(X, Y)
        return loss[self.lanes], accuracy[self.lanes]
