"""Sessions: ``fit`` is a loop over one, so ``fit`` and the same training as session calls give
bitwise-identical weights on every back end; live changes; rebuilds only when they must."""
import numpy as np
import pytest

import fastnn
from fastnn import backends
from fastnn.optim import SGD, Adam

ALL_CPU = ["numpy"] + [name for name in backends.available() if name not in ("numpy", "cuda")]


def _data(rng, n=50):
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)


def _net(backend, optimizer=None, dropout=0.2):
    layers = [fastnn.Dense(6, activation="tanh", l2=0.001), fastnn.Dropout(dropout),
              fastnn.Dense(5, activation="relu"), fastnn.Dense(2)]
    net = fastnn.Sequential(layers, input_dim=3)
    net.compile("softmax_cross_entropy", optimizer or Adam(lr=0.02), backend=backend, seed=0)
    return net


def _weights(net):
    return np.concatenate([w.ravel() for layer in net.get_weights() for w in layer])


@pytest.mark.parametrize("backend", ALL_CPU)
def test_fit_equals_runs_and_steps_bitwise(backend, rng):
    X, y = _data(rng)
    fitted = _net(backend)
    history = fitted.fit(X, y, epochs=5, batch_size=8, seed=3, validation_data=(X[:10], y[:10]))
    net = _net(backend)
    with net.session(X, y, batch_size=8, seed=3, validation_data=(X[:10], y[:10])) as s:
        first = s.run(2)
        for _ in range(s.batches_per_epoch + 3):    # one epoch, then 3 batches into the next
            s.step()
        assert net.epoch == 3 and net.step == 3 * 7 + 3
        rest = s.run(2)                             # finishes epoch 3, then trains epoch 4
    np.testing.assert_array_equal(_weights(net), _weights(fitted))
    np.testing.assert_array_equal(net.opt_state, fitted.opt_state)
    assert (net.epoch, net.step) == (fitted.epoch, fitted.step) == (5, 35)
    assert first.history["loss"] == history.history["loss"][:2]
    assert rest.epoch == [3, 4] and rest.history["loss"][1] == history.history["loss"][4]
    assert rest.history["val_loss"] == history.history["val_loss"][3:]


@pytest.mark.parametrize("backend", ALL_CPU)
def test_live_changes_equal_the_equivalent_fit_calls(backend, rng):
    X, y = _data(rng)

    def change(net, dropout):
        net.optimizer.lr = 0.005
        net.optimizer.beta1 = 0.8
        net.dense_layers[0].l2 = 0.01
        net.dense_layers[1].activation = "elu"
        net.layers[1].rate = dropout

    for dropout in (0.0, 0.4):              # 0.2 -> 0.0 takes a layer's mask buffer away
        fitted = _net(backend)
        fitted.fit(X, y, epochs=2, batch_size=8, shuffle=False, seed=1)
        change(fitted, dropout)
        fitted.fit(X, y, epochs=2, batch_size=8, shuffle=False, seed=1)
        net = _net(backend)
        with net.session(X, y, batch_size=8, shuffle=False, seed=1) as s:
            s.run(2)
            s.set_optimizer(lr=0.005, beta1=0.8)
            change(net, dropout)
            s.run(2)
        np.testing.assert_array_equal(_weights(net), _weights(fitted))


def test_rebuilds_only_when_shapes_data_or_weights_change(monkeypatch, rng):
    X, y = _data(rng)
    module = backends.get_backend("numba")
    built = []
    real = module.Engine

    def counting(*args):
        built.append(args[0])
        return real(*args)

    monkeypatch.setattr(module, "Engine", counting)
    net = _net("numba")
    s = net.session(X, y, batch_size=8, seed=0)
    s.run(1)
    s.set_optimizer(lr=0.001, eps=1e-7)
    net.dense_layers[0].l1 = 0.01
    net.dense_layers[0].activation = "sigmoid"
    net.layers[1].rate = 0.0
    s.run(1)
    s.step()
    s.evaluate()
    net.get_weights()
    assert len(built) == 1
    net.dense_layers[0].activation = "prelu"          # adds weights: new shapes
    s.run(1)
    assert len(built) == 2
    net.set_weights(net.get_weights())                 # weights from outside
    s.run(1)
    assert len(built) == 3
    s.set_optimizer("sgd", lr=0.1)                     # another optimizer: fresh state
    s.run(1)
    assert len(built) == 4 and net.step == 7
    net.compile("softmax_cross_entropy", Adam(lr=0.01), backend="numpy")   # another back end
    s.run(1)
    assert len(built) == 4 and s.evaluate()["loss"] > 0
    s.close()


def test_set_optimizer_checks_names_and_values(rng):
    X, y = _data(rng)
    net = _net("numpy", SGD(lr=0.1, momentum=0.5))
    with net.session(X, y) as s:
        with pytest.raises(ValueError, match=r"SGD has no hyper-parameter 'beta1'; expected one "
                                             r"of \['lr', 'momentum', 'nesterov', 'schedule'"):
            s.set_optimizer(beta1=0.9)
        with pytest.raises(ValueError, match="momentum"):
            s.set_optimizer(lr=0.2, momentum=1.5)
        assert (net.optimizer.lr, net.optimizer.momentum) == (0.1, 0.5)   # nothing changed
        s.set_optimizer("adam", lr=0.003)
        assert type(net.optimizer).__name__ == "Adam" and net.optimizer.lr == 0.003


@pytest.mark.parametrize("backend", ALL_CPU)
def test_evaluate_runs_on_the_session_backend(backend, rng, monkeypatch):
    X, y = _data(rng)
    net = _net(backend)
    with net.session(X, y, validation_data=(X[:20], y[:20])) as s:
        s.run(2)
        result = s.evaluate()
        assert set(result) == {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert result["loss"] == pytest.approx(net.evaluate(X, y)["loss"])
        module = backends.get_backend(backend)
        monkeypatch.setattr(module, "evaluate", lambda *args: (123.0, 0.5))
        assert s.evaluate()["loss"] == 123.0


def test_callbacks_early_stopping_and_progress_bar_on_a_session(rng, capsys):
    X, y = _data(rng)
    net = _net("numba")
    stop = fastnn.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0,
                                          restore_best_weights=True)
    with net.session(X, y, seed=0) as s:
        history = s.run(20, callbacks=[stop], verbose=1)
        assert len(history.epoch) == 2 and stop.stopped_epoch == 1
        best = [w for layer in stop.best_weights for w in layer]
        np.testing.assert_array_equal(_weights(net), np.concatenate([w.ravel() for w in best]))
        s.run(1)                           # weights set by the callback: trains on from them
    assert "2/20" in capsys.readouterr().err and net.epoch == 3


def test_a_closed_session_says_so(rng):
    X, y = _data(rng)
    net = _net("numpy")
    first = net.session(X, y)
    second = net.session(X, y)               # opening another closes the first
    assert first.closed and not second.closed
    with pytest.raises(RuntimeError, match="this session is closed .* open a new one"):
        first.run(1)
    second.close()
    second.close()
    assert "closed" in repr(second)


def test_session_rejects_bad_arguments(rng):
    X, y = _data(rng)
    net = _net("numpy")
    with pytest.raises(ValueError, match=r"validation_data must be a tuple \(X_val, y_val\), "
                                         r"got ndarray"):
        net.session(X, y, validation_data=X)
    with pytest.raises(ValueError, match="X has 2 features but the first Dense layer expects 3"):
        net.session(X[:, :2], y)
    with net.session(X, y) as s:
        with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
            s.run(0)
    uncompiled = fastnn.Sequential([fastnn.Dense(1)], input_dim=3)
    with pytest.raises(RuntimeError, match=r"call compile\(loss=..., optimizer=...\)"):
        uncompiled.session(X, y)
