"""Tests for fastnn.preprocessing: scalers round-trip, feature maps, one-hot, splits."""

import numpy as np
import pytest

from fastnn import preprocessing
from fastnn.preprocessing import (
    minmax_scale,
    minmax_unscale,
    one_hot,
    polynomial_feature_names,
    polynomial_features,
    standardize,
    train_test_split,
    trig_features,
    unstandardize,
)


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(50, 3)) * [1.0, 10.0, 0.1] + [5.0, -3.0, 0.0]).astype(np.float32)


# --- standardize ----------------------------------------------------------------------

def test_standardize_zero_mean_unit_variance_and_round_trip(X):
    Z, mean, std = standardize(X)
    assert Z.dtype == np.float32 and mean.dtype == std.dtype == np.float64
    assert mean.shape == std.shape == (3,)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-5)
    np.testing.assert_allclose(unstandardize(Z, mean, std), X, rtol=1e-5, atol=1e-5)


def test_standardize_applies_given_statistics(X):
    _, mean, std = standardize(X[:40])
    Z, mean2, std2 = standardize(X[40:], mean, std)
    np.testing.assert_allclose(Z, (X[40:] - mean) / std, rtol=1e-5)
    assert np.array_equal(mean2, mean) and np.array_equal(std2, std)


def test_standardize_1d_targets_and_constant_columns():
    Z, mean, std = standardize(np.array([1, 2, 3, 4]))
    assert Z.dtype == np.float64 and mean.shape == () and mean == 2.5
    Z, _, std = standardize(np.array([[1.0, 7.0], [3.0, 7.0]]))
    np.testing.assert_array_equal(Z[:, 1], 0)
    assert std[1] == 1


@pytest.mark.parametrize("data, kwargs, match", [
    ([[1.0, np.nan], [2.0, 3.0]], {}, r"X contains NaN or infinity \(1 values, first at "
                                      r"index \(0, 1\)\)"),
    ([[1.0, np.inf]], {}, r"X contains NaN or infinity"),
    (np.zeros((2, 2, 2)), {}, r"X must be 1-D or 2-D, got shape \(2, 2, 2\)"),
    (np.zeros((0, 2)), {}, r"X has no rows \(shape \(0, 2\)\)"),
    (np.array([["a"]]), {}, r"X must hold numbers, got an array of dtype <U1"),
    ([[1.0, 2.0]], {"mean": [0.0, 0.0]}, r"pass both mean and std .* got only mean"),
    ([[1.0, 2.0]], {"mean": [0.0], "std": [1.0]}, r"mean must have shape \(2,\) to match X, "
                                                  r"got \(1,\)"),
    ([[1.0, 2.0]], {"mean": [0.0, 0.0], "std": [1.0, 0.0]}, r"std must be > 0 in every "
                                                            r"column"),
])
def test_standardize_rejects(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        standardize(data, **kwargs)


# --- min-max --------------------------------------------------------------------------

@pytest.mark.parametrize("feature_range", [(0.0, 1.0), (-1.0, 1.0)])
def test_minmax_range_and_round_trip(X, feature_range):
    Xs, lo, hi = minmax_scale(X, feature_range=feature_range)
    np.testing.assert_allclose(Xs.min(axis=0), feature_range[0], atol=1e-6)
    np.testing.assert_allclose(Xs.max(axis=0), feature_range[1], atol=1e-6)
    np.testing.assert_array_equal(lo, X.min(axis=0))
    back = minmax_unscale(Xs, lo, hi, feature_range=feature_range)
    np.testing.assert_allclose(back, X, rtol=1e-5, atol=1e-5)


def test_minmax_given_extremes_and_constant_column():
    Xs, _, _ = minmax_scale(np.array([[5.0, 2.0]]), data_min=[0.0, 2.0], data_max=[10.0, 2.0])
    np.testing.assert_array_equal(Xs, [[0.5, 0.0]])
    np.testing.assert_array_equal(minmax_unscale(Xs, [0.0, 2.0], [10.0, 2.0]), [[5.0, 2.0]])


@pytest.mark.parametrize("kwargs, match", [
    ({"feature_range": (1.0, 0.0)}, r"feature_range must be two finite numbers lo < hi, "
                                    r"got \(1\.0, 0\.0\)"),
    ({"feature_range": 3}, r"feature_range must be two finite numbers"),
    ({"data_min": [1.0], "data_max": [0.0]}, r"data_max must be >= data_min"),
    ({"data_max": [1.0]}, r"pass both data_min and data_max .* got only data_max"),
])
def test_minmax_rejects(kwargs, match):
    with pytest.raises(ValueError, match=match):
        minmax_scale(np.array([[0.5]]), **kwargs)


# --- feature maps ---------------------------------------------------------------------

def test_polynomial_features_two_columns_degree_two():
    X = np.array([[2.0, 3.0], [-1.0, 0.5]], dtype=np.float32)
    P = polynomial_features(X)
    np.testing.assert_array_equal(P, [[2, 3, 4, 6, 9], [-1, 0.5, 1, -0.5, 0.25]])
    assert P.dtype == np.float32
    assert polynomial_feature_names(["x1", "x2"]) == ["x1", "x2", "x1^2", "x1*x2", "x2^2"]


def test_polynomial_features_matches_scikit_learn():
    sklearn_preprocessing = pytest.importorskip("sklearn.preprocessing")
    X = np.random.default_rng(1).normal(size=(6, 3))
    expected = sklearn_preprocessing.PolynomialFeatures(3, include_bias=False).fit_transform(X)
    np.testing.assert_allclose(polynomial_features(X, degree=3), expected)
    assert len(polynomial_feature_names("abc", degree=3)) == expected.shape[1] == 19
    assert polynomial_feature_names("ab", degree=3)[-2:] == ["a*b^2", "b^3"]


def test_polynomial_rejects_bad_degree():
    with pytest.raises(ValueError, match=r"degree must be an integer >= 1, got 0"):
        polynomial_features(np.ones((2, 2)), degree=0)
    with pytest.raises(ValueError, match=r"X must be 2-D, got shape \(3,\)"):
        polynomial_features(np.ones(3))


def test_trig_features():
    X = np.array([[0.0, np.pi / 2]])
    np.testing.assert_allclose(trig_features(X), [[0, 1, 1, 0]], atol=1e-15)


# --- one-hot --------------------------------------------------------------------------

def test_one_hot():
    Y = one_hot([2, 0, 1, 2])
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert Y.dtype == np.float32
    assert one_hot(np.array([0.0, 1.0]), n_classes=4, dtype=np.float64).shape == (2, 4)
    np.testing.assert_array_equal(one_hot([1, 0, 1]).argmax(axis=1), [1, 0, 1])


@pytest.mark.parametrize("y, kwargs, match", [
    ([0, 3], {"n_classes": 3}, r"y holds label 3 but n_classes=3; labels must be 0 … 2"),
    ([0, -1], {}, r"y must hold integer labels >= 0, found -1"),
    ([0, 1.5], {}, r"y must hold integer labels >= 0, found 1\.5"),
    ([0, np.nan], {}, r"y contains NaN or infinity"),
    ([[0, 1]], {}, r"y must be 1-D, got shape \(1, 2\)"),
    ([0, 1], {"n_classes": 0}, r"n_classes must be a positive integer or None, got 0"),
])
def test_one_hot_rejects(y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        one_hot(y, **kwargs)


# --- train/test split -----------------------------------------------------------------

def test_split_is_a_partition_and_repeatable():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_te) == 3 and len(X_tr) == 7  # ceil(0.25 * 10)
    np.testing.assert_array_equal(X_tr[:, 0] // 2, y_tr)  # rows stay paired
    np.testing.assert_array_equal(np.sort(np.concatenate([y_tr, y_te])), y)
    again = train_test_split(X, y, test_size=0.25, seed=0)
    np.testing.assert_array_equal(again[3], y_te)
    assert len(train_test_split(X, y, test_size=4, seed=0)[1]) == 4


def test_stratified_split_keeps_class_shares():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100.0)[:, None]
    for seed in range(5):
        _, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=seed, stratify=True)
        np.testing.assert_array_equal(np.bincount(y_te), [12, 6, 2])
        np.testing.assert_array_equal(np.bincount(y_tr), [48, 24, 8])
        np.testing.assert_array_equal(y[X_te[:, 0].astype(int)], y_te)


def test_stratified_split_rounds_to_the_exact_test_size():
    y = np.repeat([0, 1, 2], [5, 5, 5])
    _, _, _, y_te = train_test_split(np.zeros((15, 1)), y, test_size=4, seed=0, stratify=True)
    assert len(y_te) == 4 and np.bincount(y_te, minlength=3).max() == 2


@pytest.mark.parametrize("X, y, kwargs, match", [
    (np.zeros((4, 2)), np.zeros(3), {}, r"X and y must have one row per sample, got X of "
                                        r"shape \(4, 2\) and y of shape \(3,\)"),
    (np.zeros((1, 2)), np.zeros(1), {}, r"need at least 2 rows to split, got 1"),
    (np.zeros((4, 2)), np.zeros(4), {"test_size": 1.0}, r"test_size must be a fraction in "
                                                        r"\(0, 1\) or a count in \[1, 3\]"),
    (np.zeros((4, 2)), np.zeros(4), {"test_size": 4}, r"test_size .* got 4"),
    (np.zeros((4, 2)), np.zeros(4), {"test_size": "half"}, r"test_size .* got 'half'"),
    (np.full((4, 2), np.nan), np.zeros(4), {}, r"X contains NaN or infinity"),
    (np.zeros((4, 2)), np.zeros((4, 2)), {"stratify": True}, r"stratify=True needs 1-D "
                                                             r"class labels y"),
    (np.zeros((4, 2)), np.zeros(4), {"seed": -3}, r"seed must be None, a non-negative "
                                                  r"integer .* got -3"),
])
def test_split_rejects(X, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_test_split(X, y, **kwargs)


def test_encode_labels_round_trips_any_sortable_labels():
    codes, classes = preprocessing.encode_labels(np.array(["b", "a", "c", "a"]))
    assert codes.tolist() == [1, 0, 2, 0] and classes.tolist() == ["a", "b", "c"]
    codes, classes = preprocessing.encode_labels([3.0, -1.0, 3.0])
    assert codes.dtype == np.int64 and (classes[codes] == [3.0, -1.0, 3.0]).all()
    with pytest.raises(ValueError, match=r"y must be a non-empty 1-D array of labels, got shape "
                                         r"\(2, 2\)"):
        preprocessing.encode_labels(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="y contains NaN"):
        preprocessing.encode_labels([1.0, np.nan])
