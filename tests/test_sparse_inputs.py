"""Training sets with mostly zeros (MNIST pixels, one-hot columns) go through the first layer as
sparse rows on the compiled CPU back ends; the results agree with the reference."""
import numpy as np
import pytest

from fastnn import _spec as S
from fastnn.backends import _host_engine, get_backend, numpy_ref


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
