"""Convergence on the seeds' teaching problems, on the default (numba) back end."""
import numpy as np
import pytest

import fastnn
from fastnn import datasets
from fastnn.optim import Adam


def test_xor_reaches_full_accuracy():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    net = fastnn.Sequential([fastnn.Dense(4, activation="tanh"), fastnn.Dense(1)], input_dim=2)
    net.compile("binary_cross_entropy", Adam(lr=0.05), seed=0)
    history = net.fit(X, y, epochs=500, batch_size=None)
    assert history.history["accuracy"][-1] == 1.0
    np.testing.assert_array_equal(net.predict_classes(X), y)


def test_two_arm_spiral_reaches_98_percent():
    X, y = datasets.spiral(n_samples=400, noise=0.0, seed=0)
    X = X / np.abs(X).max()
    net = fastnn.Sequential([fastnn.Dense(32, activation="tanh"), fastnn.Dense(32, activation="tanh"),
                             fastnn.Dense(2)], input_dim=2)
    net.compile("softmax_cross_entropy", Adam(lr=0.01), seed=0)
    net.fit(X, y, epochs=300, batch_size=32, seed=0)
    assert net.evaluate(X, y)["accuracy"] >= 0.98


def test_complex_curve_fitted_by_one_hidden_layer():
    X, y = datasets.complex_curve(n_samples=500, noise=0.0, seed=0)
    net = fastnn.Sequential([fastnn.Dense(64, activation="tanh"), fastnn.Dense(1)], input_dim=1)
    net.compile("mse", Adam(lr=0.01), seed=0)
    net.fit(X, y, epochs=800, batch_size=32, seed=0)
    residual = net.predict(X)[:, 0] - y
    assert np.mean(residual ** 2) < 0.005


def test_early_stopping_ends_training_and_restores_best(rng):
    X = rng.normal(size=(60, 2))
    y = (X.sum(axis=1) > 0).astype(int)
    net = fastnn.Sequential([fastnn.Dense(2)], input_dim=2)
    net.compile("softmax_cross_entropy", Adam(lr=0.05), seed=0)
    stop = fastnn.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    # Validation labels are flipped: validation loss rises while training loss falls.
    history = net.fit(X, y, epochs=200, validation_data=(X, 1 - y), callbacks=[stop])
    assert stop.stopped_epoch is not None and len(history.history["loss"]) < 200
    best = int(np.argmin(history.history["val_loss"]))
    assert net.evaluate(X, 1 - y)["loss"] == pytest.approx(
        history.history["val_loss"][best], rel=1e-5)
