"""What training leaves behind when something goes wrong (issue 12, items 4, 5, 11 and 14):
the last good weights after any exception, weights whose loss is finite after a divergence,
predict without a loss, errors that name the argument, and one training thread per model."""
import threading
import tracemalloc

import numpy as np
import pytest

import fastnn
from fastnn import backends
from fastnn.optim import SGD, Adam

ALL_CPU = ["numpy"] + [name for name in backends.available() if name not in ("numpy", "cuda")]


def _data(rng, n=40):
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] > X[:, 1]).astype(int)


def _net(backend="numba", optimizer=None):
    net = fastnn.Sequential([fastnn.Dense(5, activation="tanh"), fastnn.Dense(2)], input_dim=2)
    net.compile("softmax_cross_entropy", optimizer or Adam(lr=0.05), backend=backend, seed=0)
    return net


@pytest.mark.skipif("numba" not in backends.available(), reason="needs numba")
def test_an_exception_inside_a_kernel_keeps_the_last_good_weights(rng):
    """Item 4: step=-3 (a corrupt model file) makes Adam's bias correction divide by zero in
    the third batch; numba raised ZeroDivisionError and left NaN weights.  Its kernels follow
    IEEE division (``error_model="numpy"``, see fastnn.backends._jit), so the infinite update
    is caught as a divergence, and the weights are those before the epoch."""
    X, y = _data(rng)
    net = _net("numba")
    net.fit(X, y, epochs=1, batch_size=8)
    before = net.params.copy()
    net.step = -3
    with pytest.raises(fastnn.DivergenceError, match="loss became nan at epoch 1"):
        net.fit(X, y, epochs=1, batch_size=8)
    np.testing.assert_array_equal(net.params, before)
    assert net.step == -3 and net.epoch == 1


@pytest.mark.parametrize("backend", ALL_CPU)
def test_any_exception_mid_epoch_keeps_the_last_good_weights(backend, rng, monkeypatch):
    X, y = _data(rng)
    net = _net(backend)
    net.fit(X, y, epochs=2, batch_size=8)
    good = net.params.copy()
    module = backends.get_backend(backend)
    real = module.Engine

    def breaking(*args):
        engine = real(*args)
        train = engine.epoch

        def epoch(*a):
            train(*a)
            engine.params[:3] = np.nan            # half an epoch's updates, then a failure
            raise MemoryError("simulated")
        engine.epoch = epoch
        return engine

    monkeypatch.setattr(module, "Engine", breaking)
    for call in (lambda: net.fit(X, y, epochs=3, batch_size=8),
                 lambda: net.session(X, y, batch_size=8).run(2),
                 lambda: net.session(X, y, batch_size=8).step()):
        with pytest.raises(MemoryError, match="simulated"):
            call()
        np.testing.assert_array_equal(net.params, good)
        assert (net.epoch, net.step) == (2, 10)


@pytest.mark.parametrize("backend", ALL_CPU)
def test_after_divergence_the_kept_weights_have_a_finite_loss(backend, rng):
    """Item 5: full-batch SGD at lr=1e6 blows the weights up in epoch 0 while they stay finite;
    keeping "the last finite weights" kept weights whose loss is NaN."""
    X = rng.normal(size=(64, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    net = fastnn.Sequential([fastnn.Dense(8, activation="relu"), fastnn.Dense(1)], input_dim=3)
    net.compile("mse", SGD(lr=1e6), backend=backend, seed=0)
    kept = []
    record = fastnn.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: kept.append(net.params.copy()))
    with pytest.raises(fastnn.DivergenceError, match=r"became (nan|inf) at epoch 2; kept the "
                                                     r"weights after 1 epoch\. Lower the learning "
                                                     r"rate \(now 1e\+06\)"):
        net.fit(X, y, epochs=5, batch_size=None, callbacks=[record])
    assert np.isfinite(net.evaluate(X, y)["loss"])
    np.testing.assert_array_equal(net.params, kept[0])   # epoch 1's weights had a NaN loss
    assert (net.epoch, net.step) == (1, 1)


def test_predict_works_without_a_loss(rng, tmp_path):
    """Item 11: predict on an uncompiled model (or one loaded with a null loss) raised
    AttributeError; the raw outputs need no loss."""
    X = rng.normal(size=(6, 2))
    net = fastnn.Sequential([fastnn.Dense(3, activation="tanh"), fastnn.Dense(2)], input_dim=2)
    out = net.predict(X)
    assert out.shape == (6, 2) and np.isfinite(out).all()
    np.testing.assert_allclose(out, net.layer_outputs(X)[-1])
    fastnn.save(net, tmp_path / "raw.fnn")
    np.testing.assert_array_equal(fastnn.load(tmp_path / "raw.fnn").predict(X), out)
    with pytest.raises(RuntimeError, match=r"call compile\(loss=..., optimizer=...\)"):
        net.predict_classes(X)


def test_callbacks_and_seed_errors_name_the_argument(rng):
    """Item 14: these raised AttributeError, or errors that did not name the argument."""
    X, y = _data(rng)
    net = _net()
    with pytest.raises(TypeError, match=r"callbacks\[1\] must be a fastnn.callbacks.Callback, "
                                        r"got object \(it lacks set_model, on_train_begin"):
        net.fit(X, y, callbacks=[fastnn.callbacks.History(), object()])
    with pytest.raises(TypeError, match=r"callbacks must be a list of fastnn.callbacks.Callback, "
                                        r"got EarlyStopping; wrap a single one"):
        net.fit(X, y, callbacks=fastnn.callbacks.EarlyStopping())
    with pytest.raises(ValueError, match="seed must be None or a non-negative integer, got -1"):
        net.fit(X, y, seed=-1)
    assert net.epoch == 0


def _slow_callback(started, release):
    def on_epoch_end(epoch, logs):
        started.set()
        release.wait(10)
    return fastnn.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)


def test_a_second_fit_from_another_thread_is_refused(rng):
    """Item 14: two fits of one model in two threads ran silently and interleaved."""
    X, y = _data(rng)
    net = _net()
    started, release = threading.Event(), threading.Event()
    worker = threading.Thread(target=net.fit, args=(X, y),
                              kwargs={"epochs": 2, "callbacks": [_slow_callback(started, release)]},
                              name="trainer-1")
    worker.start()
    try:
        assert started.wait(10)
        with pytest.raises(RuntimeError, match="this model is already training in thread "
                                               "'trainer-1'; a model trains in one thread"):
            net.fit(X, y, epochs=1)
        with pytest.raises(RuntimeError, match="cannot open a session while this model is "
                                               "training"):
            net.session(X, y)
        with pytest.raises(RuntimeError, match="set_weights\\(\\) called while thread "
                                               "'trainer-1' trains this model"):
            net.set_weights(net.get_weights())
    finally:
        release.set()
        worker.join()
    assert net.epoch == 2
    net.fit(X, y, epochs=1)                     # free again
    assert net.epoch == 3


def test_a_callback_cannot_start_another_fit_of_its_model(rng):
    X, y = _data(rng)
    net = _net()
    nested = fastnn.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: net.fit(X, y))
    with pytest.raises(RuntimeError, match=r"already training in this thread \(from a callback"):
        net.fit(X, y, epochs=2, callbacks=[nested])
    assert net.epoch == 1


@pytest.mark.parametrize("backend", ALL_CPU)
def test_predict_from_another_thread_sees_whole_epochs(backend, rng):
    """Item 14: predict during another thread's fit saw half-updated weights in most calls.
    Now a reader waits for the running epoch and sees the weights after it."""
    X = rng.normal(size=(4000, 2))
    y = (X[:, 0] > 0).astype(int)
    net = _net(backend, SGD(lr=0.05))
    seen = []
    epochs = []
    record = fastnn.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: epochs.append(net.params.copy()))
    worker = threading.Thread(target=net.fit, args=(X, y),
                              kwargs={"epochs": 6, "batch_size": 1, "callbacks": [record]})
    worker.start()
    while worker.is_alive():
        seen.append(np.array(net.params))
    worker.join()
    assert len(seen) > 1
    start = _net(backend).params
    whole = [start] + epochs
    for params in seen:
        assert any(np.array_equal(params, w) for w in whole), "a reader saw a half-trained epoch"


def test_validation_data_equal_to_the_training_data_is_converted_once(rng):
    """Item 14: validation_data made another full copy of the data."""
    X = rng.normal(size=(20000, 20))          # float64 into a float32 model: one copy is needed
    y = (X[:, 0] > 0).astype(int)
    net = fastnn.Sequential([fastnn.Dense(2)], input_dim=20)
    net.compile("softmax_cross_entropy", "adam", backend="numpy", seed=0)
    peaks = []
    for validation in (None, (X, y)):
        tracemalloc.start()
        net.fit(X, y, epochs=1, batch_size=20000, validation_data=validation)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    float32_copy = X.size * 4
    assert peaks[1] - peaks[0] < 0.5 * float32_copy, peaks
