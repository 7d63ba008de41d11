"""Batched epochs: when nothing but the history looks at an epoch's end, a session gives the engine
many whole epochs per call (``Session._epochs``).  That is the same training bit for bit as one
epoch per call, and a call whose loss or weights stop being finite is trained again one epoch at a
time, so a divergence is reported and handled exactly as without batching."""
import numpy as np
import pytest

import fastnn
from fastnn import backends
from fastnn.optim import SGD, Adam, StepDecay

BATCHING = [name for name in backends.available() if name != "cuda"]
EVERY_EPOCH = fastnn.callbacks.Callback   # any callback: the session trains one epoch per call


def _data(rng, n=60):
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)


def _net(backend, optimizer, dropout=0.2, dtype="float64"):
    layers = [fastnn.Dense(6, activation="tanh", l2=0.001), fastnn.Dropout(dropout),
              fastnn.Dense(5, activation="relu"), fastnn.Dense(2)]
    net = fastnn.Sequential(layers, input_dim=3)
    net.compile("softmax_cross_entropy", optimizer, backend=backend, dtype=dtype, seed=0)
    return net


def _calls(monkeypatch, backend):
    """Count the epochs of every batched engine call."""
    module, counts = backends.get_backend(backend), []
    real = module.Engine

    def counting(*args):
        engine = real(*args)
        batched = engine.epochs

        def epochs(orders, *rest):
            counts.append(len(orders))
            return batched(orders, *rest)
        engine.epochs = epochs
        return engine

    monkeypatch.setattr(module, "Engine", counting)
    return counts


@pytest.mark.parametrize("backend", BATCHING)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("optimizer", [
    lambda: Adam(lr=0.02, schedule=StepDecay(3, 0.5)), lambda: SGD(lr=0.05, momentum=0.9)])
def test_batched_epochs_equal_one_epoch_per_call(backend, dtype, shuffle, optimizer, rng,
                                                 monkeypatch):
    X, y = _data(rng)
    single = _net(backend, optimizer(), dtype=dtype)
    one = single.fit(X, y, epochs=40, batch_size=8, shuffle=shuffle, seed=5,
                     callbacks=[EVERY_EPOCH()])
    counts = _calls(monkeypatch, backend)
    net = _net(backend, optimizer(), dtype=dtype)
    many = net.fit(X, y, epochs=40, batch_size=8, shuffle=shuffle, seed=5)
    assert counts and max(counts) > 1 and sum(counts) < 40
    for mine, theirs in zip(net.get_weights(), single.get_weights()):
        for a, b in zip(mine, theirs):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(net.opt_state, single.opt_state)
    assert (net.epoch, net.step) == (single.epoch, single.step) == (40, 40 * 8)
    assert many.history == one.history and many.epoch == list(range(40))


@pytest.mark.parametrize("backend", BATCHING)
def test_batched_runs_after_steps_equal_fit(backend, rng, monkeypatch):
    """A session stepped into an epoch finishes it first, then batches the rest."""
    X, y = _data(rng)
    fitted = _net(backend, Adam(lr=0.02))
    fitted.fit(X, y, epochs=30, batch_size=8, seed=2, callbacks=[EVERY_EPOCH()])
    counts = _calls(monkeypatch, backend)
    net = _net(backend, Adam(lr=0.02))
    with net.session(X, y, batch_size=8, seed=2) as s:
        s.run(12)
        for _ in range(3):
            s.step()
        rest = s.run(18)
    assert max(counts) > 1
    assert rest.epoch == list(range(12, 30))
    np.testing.assert_array_equal(net.params, fitted.params)
    np.testing.assert_array_equal(net.opt_state, fitted.opt_state)


@pytest.mark.parametrize("backend", BATCHING)
def test_a_divergence_inside_a_batched_call_is_handled_as_one_epoch_at_a_time(backend, rng,
                                                                             monkeypatch):
    """Full-batch SGD at lr=1e6 overflows in epoch 2 (see test_training_faults): the batched
    call fails, its epochs are trained again one at a time, and the error, the kept weights
    (those after epoch 0: epoch 1's have a NaN loss) and the history are the unbatched ones."""
    X = rng.normal(size=(64, 3))
    y = X @ np.array([1.0, -2.0, 0.5])

    def diverge(callbacks):
        net = fastnn.Sequential([fastnn.Dense(8, activation="relu"), fastnn.Dense(1)], input_dim=3)
        net.compile("mse", SGD(lr=1e6), backend=backend, seed=0)
        with net.session(X, y, batch_size=None, seed=0) as s:
            with pytest.raises(fastnn.DivergenceError) as error:
                s.run(6, callbacks=callbacks)
        return net, str(error.value)

    reference, message = diverge([EVERY_EPOCH()])
    counts = _calls(monkeypatch, backend)
    net, batched_message = diverge(None)
    assert counts == [4]                 # epoch 0 alone, then epochs 1-4 in one call: it failed
    assert batched_message == message and "kept the weights after 1 epoch" in message
    np.testing.assert_array_equal(net.params, reference.params)
    np.testing.assert_array_equal(net.opt_state, reference.opt_state)
    assert (net.epoch, net.step) == (reference.epoch, reference.step) == (1, 1)
    assert np.isfinite(net.evaluate(X, y)["loss"])


@pytest.mark.parametrize("backend", BATCHING)
def test_batched_snapshots_are_the_last_two_epochs(backend, rng):
    """After a batched call the engine's snapshots are the weights after its last two epochs,
    as after one epoch per call (a later divergence may go back to either)."""
    X, y = _data(rng)
    net = _net(backend, Adam(lr=0.02))
    kept = []
    net.fit(X, y, epochs=9, batch_size=8, seed=1,
            callbacks=[fastnn.callbacks.LambdaCallback(
                on_epoch_end=lambda epoch, logs: kept.append(net.params.copy()))])
    net = _net(backend, Adam(lr=0.02))
    with net.session(X, y, batch_size=8, seed=1) as s:
        s.run(9)                          # calls of 1, 4 and 4 epochs
        engine = s._engine
        engine.restore()
        np.testing.assert_array_equal(engine.params, kept[-1])
        engine.restore(older=True)
        np.testing.assert_array_equal(engine.params, kept[-2])


class StopOrSlow(fastnn.callbacks.Callback):
    """A ``logs_only`` callback: halves the learning rate after epoch ``slow`` and stops after
    epoch ``stop``, recording what it saw (``logs_only=False``: the same, epoch by epoch)."""

    def __init__(self, stop=None, slow=None, logs_only=True):
        self.stop, self.slow, self.logs_only, self.seen = stop, slow, logs_only, []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append((epoch, logs["loss"], logs["lr"]))
        if epoch == self.slow:
            self.model.optimizer.lr = self.model.optimizer.lr / 2
        if epoch == self.stop:
            self.model.stop_training = True


@pytest.mark.parametrize("backend", BATCHING)
@pytest.mark.parametrize("shuffle", [True, False])
def test_a_logs_only_callback_that_stops_or_slows_inside_a_batched_call(backend, shuffle, rng,
                                                                         monkeypatch):
    """fit batches epochs under a logs_only callback too; when it changes the learning rate or
    stops training after an epoch inside a call, the session goes back and trains up to that
    epoch again, so weights, counters, histories and what the callback saw are those of epoch
    by epoch training, and a later run goes on with the same shuffles."""
    X, y = _data(rng)

    def train(logs_only):
        net, hook = _net(backend, Adam(lr=0.02)), StopOrSlow(27, 13, logs_only)
        with net.session(X, y, batch_size=8, shuffle=shuffle, seed=3) as s:
            first = s.run(40, callbacks=[hook])
            second = s.run(5)
        return net, hook, first, second

    single, hook_then, first_then, second_then = train(logs_only=False)
    counts = _calls(monkeypatch, backend)
    net, hook, first, second = train(logs_only=True)
    assert max(counts) > 1 and sum(counts) > 28 + 5     # epochs trained again after the cut
    for mine, theirs in zip(net.get_weights(), single.get_weights()):
        for a, b in zip(mine, theirs):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(net.opt_state, single.opt_state)
    assert (net.epoch, net.step) == (single.epoch, single.step) == (33, 33 * 8)
    assert hook.seen == hook_then.seen and len(hook.seen) == 28
    assert first.history == first_then.history and second.history == second_then.history
    assert first.history["lr"][13:15] == [0.02, 0.01]
