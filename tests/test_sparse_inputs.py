"""Training sets with mostly zeros (MNIST pixels, one-hot columns) go through the first layer as
sparse rows on the compiled CPU back ends, and a ``scipy.sparse`` X is never densified (in
training, outputs, loss and gradient); the results agree with the reference and the dense runs."""
import numpy as np
import pytest
import scipy.sparse as sparse

import fastnn
from fastnn import _spec as S
from fastnn import _threads
from fastnn.backends import _host_engine, get_backend, numba_cpu, numpy_ref


def _problem(rng, density=0.2, dtype=np.float64, drop=0.0):
    spec = S.make_spec([30, 16, 4], [S.RELU, S.IDENTITY], l2=[0.01, 0], drop=[drop, 0],
                       loss=S.SOFTMAX_CE)
    params = (rng.normal(size=spec.n_params) * 0.3).astype(dtype)
    X = rng.normal(size=(50, 30)) * (rng.random((50, 30)) < density)
    Y = np.eye(4)[rng.integers(0, 4, 50)]
    return spec, params, X.astype(dtype), Y.astype(dtype)


def test_sparse_rows_are_compressed_rows_of_the_non_zeros(rng):
    X = rng.normal(size=(6, 5)) * (rng.random((6, 5)) < 0.4)
    indptr, indices, values = _host_engine.sparse_rows(X)
    for r in range(6):
        cols = indices[indptr[r]:indptr[r + 1]]
        np.testing.assert_array_equal(cols, np.flatnonzero(X[r]))
        np.testing.assert_array_equal(values[indptr[r]:indptr[r + 1]], X[r, cols])


@pytest.mark.parametrize("density, drop, sparse", [(0.2, 0.0, True), (0.9, 0.0, False),
                                                   (0.2, 0.3, False)])
def test_only_sparse_inputs_without_input_dropout_take_the_sparse_path(density, drop, sparse, rng):
    spec, _, X, _ = _problem(rng, density, drop=drop)
    rows = _host_engine.TrainingRows(np.float64)
    assert (rows.of(spec, X) is not rows.none) == sparse
    assert rows.of(spec, X) is rows.of(spec, X)          # built once per training set


def test_dense_inputs_go_through_blas_when_training_on_several_threads(rng):
    """The sparse-row loops run on one core: with more BLAS threads a mostly-zero dense X takes
    the (threaded) dense product; a scipy.sparse X keeps its rows on any thread count."""
    spec, _, X, _ = _problem(rng, 0.2)
    rows = _host_engine.TrainingRows(np.float64)
    with _threads.limited(2):
        assert rows.of(spec, X) is rows.none
        assert rows.of(spec, sparse.csr_matrix(X)) is not rows.none
    assert rows.of(spec, X) is not rows.none                # one thread again: sparse rows


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("optimizer", [S.SGD, S.ADAM])
def test_sparse_inputs_train_like_the_reference(backend, optimizer, dtype, rng):
    spec, params, X, Y = _problem(rng, dtype=dtype)
    X[7] = 0                                              # a row without any non-zero
    opt = np.array([optimizer, 0.05, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0.001, 0])
    orders = [rng.permutation(50) for _ in range(3)]
    runs = []
    for module in (numpy_ref, get_backend(backend)):
        p, state = params.copy(), np.zeros((2, spec.n_params), dtype)
        losses = [module.train_epoch(spec, p, state, X, Y, order, 8, opt, 7 * e, 3)
                  for e, order in enumerate(orders)]
        runs.append((np.array(losses), p))
    tol = 1e-10 if dtype == np.float64 else 2e-4
    for ref, got in zip(*runs):
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)


# --- scipy.sparse inputs: read as their rows, never densified -------------------------------------

@pytest.fixture
def no_densifying(monkeypatch):
    """Make every way of densifying a scipy.sparse matrix fail (``toarray``, ``todense``, ``A``)."""
    def refuse(self, *args, **kwargs):
        raise AssertionError("a sparse X was densified")
    for name in ("toarray", "todense"):
        monkeypatch.setattr(sparse.csr_matrix, name, refuse)
        monkeypatch.setattr(sparse.csc_matrix, name, refuse)


@pytest.mark.parametrize("drop", [0.0, 0.3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_scipy_sparse_inputs_train_and_predict_like_dense_ones(any_backend, drop, dtype, rng,
                                                               no_densifying):
    spec, params, X, Y = _problem(rng, dtype=dtype, drop=drop)
    X[7] = 0
    csr = sparse.csr_matrix(X)
    module = get_backend(any_backend)
    opt = np.array([S.ADAM, 0.05, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0.001, 0])
    weights = rng.random(50)
    runs = []
    for data in (X, csr):
        p, state = params.copy(), np.zeros((2, spec.n_params), dtype)
        losses = [module.train_epoch(spec, p, state, data, Y, rng_order, 8, opt, 7 * e, 3, weights)
                  for e, rng_order in enumerate([np.arange(50), np.arange(50)[::-1].copy()])]
        grad = np.empty_like(p)
        runs.append((np.array(losses), p, module.loss_and_grad(spec, p, data, Y, grad, weights),
                     grad, module.evaluate(spec, p, data, Y, weights),
                     module.forward(spec, p, data, np.empty((50, 4), dtype))))
    tol = 1e-10 if dtype == np.float64 else 2e-4
    for dense, sparse_run in zip(*runs):
        np.testing.assert_allclose(sparse_run, dense, rtol=tol, atol=tol)


def test_a_sparse_engine_never_stages_the_input(rng):
    """The workspace of a sparse training set has no room for the dense rows of a batch (a
    50,000-column one-hot input would need 50,000 values per row), and no workspace sizes its
    gradient buffers by the input width (no gradient of X is computed)."""
    spec, _, _, _ = _problem(rng)
    dense = numba_cpu.plan(spec, 64, True, sparse_input=False)
    assert dense[-1] - numba_cpu.plan(spec, 64, True, sparse_input=True)[-1] == 64 * 30
    assert dense[3] == 64 * 16                          # d_len: the widest layer output
    if "cython" in fastnn.backends.available():
        from fastnn.backends import _numba_kernels, cython_cpu
        assert cython_cpu.workspace(spec, 64, np.float64, True)[0].size == \
            numba_cpu.plan(spec, 64, True, sparse_input=True)[-1] - _numba_kernels.SCALARS


def test_sequential_takes_sparse_X_in_fit_predict_and_evaluate(rng, no_densifying):
    X = sparse.random(80, 40, density=0.1, format="csc", random_state=0)
    y = (np.asarray(X.sum(axis=1)).ravel() > 0.2).astype(int)
    net = fastnn.Sequential([fastnn.Dense(6, activation="relu"), fastnn.Dense(2)], input_dim=40)
    net.compile("softmax_cross_entropy", "adam", seed=0)
    net.fit(X, y, epochs=3, batch_size=16, seed=0)
    assert net.predict(X).shape == (80, 2)
    assert set(net.evaluate(X, y)) == {"loss", "accuracy"}


@pytest.mark.parametrize("X, error, match", [
    (sparse.csr_matrix(np.ones((4, 5))), ValueError, "X has 5 features but the first Dense layer expects 40"),
    (sparse.csr_matrix(np.ones((4, 40), np.complex128)), TypeError, "X must hold real numbers, got a sparse X of dtype complex128"),
    (sparse.csr_matrix((0, 40)), ValueError, r"X is empty \(shape \(0, 40\)\)"),
    (sparse.csr_matrix(np.full((4, 40), np.nan)), ValueError, "X contains NaN or infinite values"),
])
def test_bad_sparse_X_names_itself(X, error, match):
    net = fastnn.Sequential([fastnn.Dense(2)], input_dim=40)
    net.compile("mse")
    with pytest.raises(error, match=match):
        net.predict(X)
