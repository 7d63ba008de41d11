"""The Sequential API: fit modes, history, predict/evaluate, weights, callbacks, divergence, Ctrl-C."""
import numpy as np
import pytest

import fastnn
from fastnn.optim import SGD, Adam


def _blobs(rng, n=60):
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _classifier(backend="numba", **compile_args):
    net = fastnn.Sequential([fastnn.Dense(8, activation="tanh"), fastnn.Dense(2)], input_dim=2)
    net.compile("softmax_cross_entropy", Adam(lr=0.05), backend=backend, seed=0, **compile_args)
    return net


def test_history_predict_and_evaluate(any_backend, rng):
    X, y = _blobs(rng)
    net = _classifier(any_backend)
    history = net.fit(X, y, epochs=5, validation_data=(X[:20], y[:20]))
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert all(len(v) == 5 for v in history.history.values())
    assert history.history["loss"][-1] < history.history["loss"][0]
    proba = net.predict(X)
    assert proba.shape == (60, 2) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    result = net.evaluate(X, y)
    assert set(result) == {"loss", "accuracy"}
    assert result["accuracy"] == np.mean(net.predict_classes(X) == y)
    assert net.epoch == 5


@pytest.mark.parametrize("batch_size, steps", [(1, 60), (None, 1), (16, 4), (1000, 1)])
def test_batch_modes_count_optimizer_steps(batch_size, steps, rng):
    X, y = _blobs(rng)
    net = _classifier()
    net.fit(X, y, epochs=2, batch_size=batch_size)
    assert net.step == 2 * steps


def test_seed_makes_runs_repeatable_and_shuffle_matters(rng):
    X, y = _blobs(rng)
    runs = []
    for seed, shuffle in [(1, True), (1, True), (2, True), (1, False)]:
        net = _classifier()
        net.fit(X, y, epochs=3, batch_size=8, shuffle=shuffle, seed=seed)
        runs.append(net.get_weights()[0][0])
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])
    assert not np.allclose(runs[0], runs[3])


def test_predict_links_per_loss(rng):
    X = rng.normal(size=(10, 2))
    for loss, check in [("binary_cross_entropy", lambda p: ((p > 0) & (p < 1)).all()),
                        ("mse", lambda p: (p < 0).any())]:
        net = fastnn.Sequential([fastnn.Dense(1)], input_dim=2)
        net.compile(loss, seed=1)
        net.set_weights([(np.array([[3.0], [1.0]]), np.array([-0.5]))])
        assert check(net.predict(X))


def test_weights_round_trip_and_shapes(rng):
    net = fastnn.Sequential([fastnn.Dense(3, activation="prelu"), fastnn.Dense(2)], input_dim=4)
    net.compile("mse", seed=0)
    weights = net.get_weights()
    assert [w.shape for w in weights[0]] == [(4, 3), (3,), (3,)]
    assert [w.shape for w in weights[1]] == [(3, 2), (2,)]
    weights[1] = (np.ones((3, 2)), np.zeros(2))
    net.set_weights(weights)
    np.testing.assert_array_equal(net.get_weights()[1][0], 1)
    with pytest.raises(ValueError, match=r"layer 1 W has shape \(2, 2\), expected \(3, 2\)"):
        net.set_weights([weights[0], (np.ones((2, 2)), np.zeros(2))])
    with pytest.raises(ValueError, match="weights has 1 entries but the model has 2 Dense layers"):
        net.set_weights(weights[:1])
    with pytest.raises(ValueError, match="layer 1 b contains NaN"):
        net.set_weights([weights[0], (np.ones((3, 2)), np.array([0, np.nan]))])


def test_layer_changes_between_fits_are_used(rng):
    X, y = _blobs(rng)
    net = _classifier()
    net.fit(X, y, epochs=1)
    W_before = net.get_weights()[0][0]
    net.dense_layers[0].activation = "prelu"      # adds learned slopes, keeps W and b
    net.dense_layers[0].l2 = 0.1
    net.fit(X, y, epochs=1)
    assert len(net.get_weights()[0]) == 3
    assert not np.allclose(net.get_weights()[0][0], W_before)
    with pytest.raises(ValueError, match="unknown activation 'rleu'; expected one of"):
        net.dense_layers[0].activation = "rleu"


def test_divergence_stops_with_epoch_and_keeps_finite_weights(any_backend, rng):
    X = rng.normal(size=(50, 2)) * 100
    y = X @ np.array([3.0, -2.0])
    net = fastnn.Sequential([fastnn.Dense(1)], input_dim=2)
    net.compile("mse", SGD(lr=5.0), backend=any_backend, seed=0)
    with pytest.raises(fastnn.DivergenceError, match=r"loss became (nan|inf) at epoch \d+.*"
                       r"Lower the learning rate \(now 5\).*scale the inputs") as info:
        net.fit(X, y, epochs=50, batch_size=10)
    assert all(np.isfinite(w).all() for pair in net.get_weights() for w in pair)
    assert net.epoch == info.value.epoch
    assert np.isfinite(net.predict(X)).all()


def test_ctrl_c_stops_cleanly_and_keeps_weights(rng, capsys):
    X, y = _blobs(rng)
    net = _classifier()

    def interrupt(epoch, logs):
        if epoch == 2:
            raise KeyboardInterrupt

    history = net.fit(X, y, epochs=10, callbacks=[fastnn.callbacks.LambdaCallback(on_epoch_end=interrupt)])
    assert len(history.history["loss"]) == 3 and net.epoch == 3   # epoch 2 had completed
    assert "training interrupted; kept the weights of epoch 3" in capsys.readouterr().err
    assert net.evaluate(X, y)["accuracy"] > 0.5


def test_stop_training_from_a_callback(rng):
    X, y = _blobs(rng)
    net = _classifier()

    class StopAtTwo(fastnn.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch == 1

    assert len(net.fit(X, y, epochs=10, callbacks=[StopAtTwo()]).history["loss"]) == 2


def test_float64_and_compile_keeps_weights(rng):
    X, y = _blobs(rng)
    net = _classifier(dtype="float64")
    net.fit(X, y, epochs=2)
    assert net.params.dtype == np.float64
    before = net.get_weights()
    net.compile("softmax_cross_entropy", SGD(lr=0.1))
    assert net.params.dtype == np.float32 and net.step == 0
    np.testing.assert_allclose(net.get_weights()[0][0], before[0][0], rtol=1e-6)


def test_verbose_progress_bar(rng, capsys):
    X, y = _blobs(rng)
    _classifier().fit(X, y, epochs=3, verbose=1)
    assert "3/3" in capsys.readouterr().err


def test_gradients_and_layer_outputs(rng):
    X, y = _blobs(rng)
    net = _classifier()
    loss, grads = net.gradients(X, y)
    assert loss == pytest.approx(net.evaluate(X, y)["loss"], rel=1e-5)
    assert [g[0].shape for g in grads] == [(2, 8), (8, 2)]
    outputs = net.layer_outputs(X)
    assert [o.shape for o in outputs] == [(60, 8), (60, 2)]
    assert np.abs(outputs[0]).max() <= 1    # tanh
    assert "total parameters: 42" in net.summary()

