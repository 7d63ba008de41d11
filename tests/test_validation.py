"""Every bad input gets a clear error naming the argument and what was expected."""
import numpy as np
import pytest

import fastnn


@pytest.fixture
def net():
    model = fastnn.Sequential([fastnn.Dense(4, activation="relu"), fastnn.Dense(3)], input_dim=2)
    model.compile("softmax_cross_entropy", seed=0)
    return model


X_OK = np.zeros((5, 2))
Y_OK = np.array([0, 1, 2, 0, 1])


@pytest.mark.parametrize("X, y, error, match", [
    (np.zeros((5, 3)), Y_OK, ValueError, "X has 3 features but the first Dense layer expects 2"),
    (np.zeros(5), Y_OK, ValueError, r"X must be 2-D \(n_samples, n_features\), got shape \(5,\); use X.reshape"),
    (X_OK, Y_OK[:4], ValueError, "X has 5 samples but y has 4"),
    (np.full((5, 2), np.nan), Y_OK, ValueError, r"X contains NaN or infinite values \(first at index \(0, 0\)\)"),
    (np.array([[np.inf, 0]] * 5), Y_OK, ValueError, "X contains NaN or infinite"),
    (X_OK, np.array([0, 1, np.nan, 0, 1]), ValueError, "y contains NaN or infinite"),
    (X_OK, np.array([0, 1, 3, 0, 1]), ValueError, r"y has label 3 outside 0..2 \(the last Dense layer has 3 units\)"),
    (X_OK, np.array([0, 1, -1, 0, 1]), ValueError, "y has label -1 outside 0..2"),
    (X_OK, np.array([0, 1, 0.5, 0, 1]), ValueError, "y must hold integer class labels"),
    (np.zeros((0, 2)), np.zeros(0), ValueError, r"X is empty \(shape \(0, 2\)\)"),
    (np.array([["a", "b"]] * 5), Y_OK, TypeError, "X must hold numbers, got dtype <U1"),
    (X_OK, np.array(["a", "b", "c", "a", "b"]), TypeError, "y must hold numbers"),
    (X_OK, np.eye(2)[[0, 1, 0, 1, 0]], ValueError, "y has 2 columns but the last Dense layer has 3 units"),
])
def test_fit_rejects_bad_data(net, X, y, error, match):
    with pytest.raises(error, match=match):
        net.fit(X, y)
    assert np.isfinite(net.params).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"epochs": 0}, "epochs must be a positive integer, got 0"),
    ({"epochs": -3}, "epochs must be a positive integer, got -3"),
    ({"epochs": 2.5}, "epochs must be a positive integer, got 2.5"),
    ({"batch_size": 0}, "batch_size must be a positive integer, got 0"),
    ({"batch_size": -1}, "batch_size must be a positive integer, got -1"),
    ({"validation_data": (X_OK,)}, r"validation_data must be a tuple \(X_val, y_val\)"),
    ({"validation_data": (np.zeros((3, 5)), Y_OK[:3])}, "validation X has 5 features"),
])
def test_fit_rejects_bad_settings(net, kwargs, match):
    with pytest.raises(ValueError, match=match):
        net.fit(X_OK, Y_OK, **kwargs)


@pytest.mark.parametrize("make, error, match", [
    (lambda: fastnn.Dense(4, activation="rleu"), ValueError, "unknown activation 'rleu'; expected one of"),
    (lambda: fastnn.Dense(0), ValueError, "Dense units must be a positive integer, got 0"),
    (lambda: fastnn.Dense(4, l2=-1), ValueError, r"l2 must be in \[0.0, inf\], got -1"),
    (lambda: fastnn.Dense(4, kernel_initializer="orthogonal"), ValueError, "unknown kernel_initializer 'orthogonal'"),
    (lambda: fastnn.Dropout(1.0), ValueError, r"Dropout rate must be in \[0.0, 1.0\), got 1.0"),
    (lambda: fastnn.Sequential(["dense"]), TypeError, "layers must be fastnn.Dense or fastnn.Dropout, got str"),
    (lambda: fastnn.Sequential([], input_dim=0), ValueError, "input_dim must be a positive integer"),
])
def test_bad_layers(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("kwargs, error, match", [
    ({"loss": "msee"}, ValueError, "unknown loss 'msee'; expected one of"),
    ({"loss": "mse", "optimizer": "adamw"}, ValueError, "unknown optimizer 'adamw'"),
    ({"loss": "mse", "backend": "tpu"}, ValueError, r"unknown backend 'tpu'; expected one of \['numba'"),
    ({"loss": "mse", "dtype": "float16"}, ValueError, "dtype must be one of"),
])
def test_bad_compile_arguments(kwargs, error, match):
    model = fastnn.Sequential([fastnn.Dense(1)], input_dim=2)
    with pytest.raises(error, match=match):
        model.compile(**kwargs)


def test_cross_entropy_needs_a_linear_output_layer():
    model = fastnn.Sequential([fastnn.Dense(1, activation="sigmoid")], input_dim=2)
    with pytest.raises(ValueError, match="must have no activation"):
        model.compile("binary_cross_entropy")


def test_structure_errors():
    with pytest.raises(ValueError, match="a network must end with a Dense layer"):
        fastnn.Sequential([fastnn.Dense(2), fastnn.Dropout(0.5)], input_dim=2).compile("mse")
    with pytest.raises(RuntimeError, match=r"call compile\(loss=..., optimizer=...\) before fit"):
        fastnn.Sequential([fastnn.Dense(1)], input_dim=2).fit(X_OK, np.zeros(5))


@pytest.mark.parametrize("loss, y, match", [
    ("binary_cross_entropy", np.array([0, 1, 2, 0, 1]), "y must be 0/1 labels"),
    ("hinge", np.array([0, 1, 2, 0, 1]), "y must be labels 0/1 or -1/\\+1 for hinge"),
])
def test_binary_labels(loss, y, match):
    model = fastnn.Sequential([fastnn.Dense(1)], input_dim=2)
    model.compile(loss, seed=0)
    with pytest.raises(ValueError, match=match):
        model.fit(X_OK, y)


def test_predict_rejects_wrong_width(net):
    with pytest.raises(ValueError, match="X has 1 features but the first Dense layer expects 2"):
        net.predict(np.zeros((3, 1)))


@pytest.mark.parametrize("X, y, match", [
    (X_OK, np.array([1e300, 0, 0, 0, 0]), r"y holds values too large for float32 \(1e\+300 at index "
                                           r"\(0, 0\)\); scale y \(e.g. standardize it\)"),
    (np.array([[0, -1e300]] * 5), np.zeros(5), r"X holds values too large for float32 \(-1e\+300 at "
                                                 r"index \(0, 1\)\); scale X"),
])
def test_values_that_overflow_the_model_dtype_are_named(X, y, match):
    """float64 inputs that become inf in float32 are the caller's data, not a divergence."""
    model = fastnn.Sequential([fastnn.Dense(1)], input_dim=2)
    model.compile("mse", seed=0)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
