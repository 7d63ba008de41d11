"""Sessions on the CUDA back end: the same weights as ``fit`` bit for bit, the training set
uploaded once per session (not per ``run``, ``step`` or live change), and the host copy of the
weights downloaded only when asked for."""
import numpy as np
import pytest

import fastnn
from fastnn.backends import numba_cuda


def _data(n=12):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def _net():
    net = fastnn.Sequential([fastnn.Dense(4, activation="tanh"), fastnn.Dropout(0.25),
                             fastnn.Dense(2)], input_dim=2)
    net.compile("softmax_cross_entropy", fastnn.optim.Adam(lr=0.05), backend="cuda", seed=0)
    return net


def _flat(net):
    return np.concatenate([w.ravel() for layer in net.get_weights() for w in layer])


@pytest.fixture
def uploads(monkeypatch):
    """Every host array given to ``cuda.to_device`` while the test runs."""
    seen = []
    real = numba_cuda.cuda.to_device

    def counting(array, *args, **kwargs):
        seen.append(array)
        return real(array, *args, **kwargs)

    monkeypatch.setattr(numba_cuda.cuda, "to_device", counting)
    return seen


def test_fit_equals_session_calls_bitwise(path):
    X, y = _data()
    fitted = _net()
    fitted.fit(X, y, epochs=3, batch_size=4, seed=2)
    net = _net()
    with net.session(X, y, batch_size=4, seed=2) as s:
        s.run(1)
        for _ in range(s.batches_per_epoch):
            s.step()
        s.run(1)
    np.testing.assert_array_equal(_flat(net), _flat(fitted))
    np.testing.assert_array_equal(net.opt_state, fitted.opt_state)


def test_the_training_set_is_uploaded_once_per_session(uploads):
    X, y = _data()
    net = _net()
    s = net.session(X, y, batch_size=4, seed=0)
    host = net._params.copy()
    for chunk in range(3):                     # what the app does: short runs, live changes
        s.run(1)
        s.set_optimizer(lr=0.01 * (chunk + 1))
        net.dense_layers[0].l2 = 0.001 * chunk
        net.layers[1].rate = 0.1 * chunk
    s.step()
    data = [a for a in uploads if a is s._X or a is s._Y]
    assert len(data) == 2, f"X/Y uploaded {len(data)} times"
    np.testing.assert_array_equal(net._params, host)      # not downloaded yet ...
    net.get_weights()                                      # ... until asked for
    assert not np.array_equal(net._params, host)
    assert len([a for a in uploads if a is s._X or a is s._Y]) == 2
    s.close()
