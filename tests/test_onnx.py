"""ONNX export: every activation of the registry, float32 and float64, Sequential networks and
every estimator (labels and output transforms included), checked in onnxruntime against
predict/predict_proba; the skl2onnx converter inside a scikit-learn Pipeline; the refusals."""
import numpy as np
import pytest

import fastnn
from fastnn import LinearRegression, LogisticRegression, MLPClassifier, MLPRegressor, SoftmaxRegression

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
import fastnn.onnx  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
TOL = {np.float32: 1e-5, np.float64: 1e-12}
ACTIVATIONS = list(fastnn.activations.REGISTRY)        # new activations are tested as they come


def _run(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in session.get_outputs()], session.run(None, {"X": X})))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    return X, np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_exports_in_both_precisions(activation, dtype, data, tmp_path):
    X, y = data
    X = X.astype(dtype)
    clf = MLPClassifier((6, 5), activation=activation, max_iter=20, random_state=0).fit(X, y)
    fastnn.onnx.export(clf, tmp_path / "clf.onnx")
    out = _run(tmp_path / "clf.onnx", X)
    # float64's exact GELU takes onnxruntime's float32 Erf (it has no float64 one)
    tol = 1e-6 if (activation == "gelu" and dtype == np.float64) else TOL[dtype]
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), atol=tol)
    np.testing.assert_array_equal(out["label"], clf.predict(X))


@pytest.mark.parametrize("loss, last", [("softmax_cross_entropy", "identity"),
                                        ("binary_cross_entropy", "identity"),
                                        ("mse", "softplus"), ("hinge", "identity")])
def test_sequential_exports_its_predict(loss, last, data, tmp_path):
    X, y = data
    net = fastnn.Sequential([fastnn.Dense(5, activation="prelu"), fastnn.Dropout(0.2),
                             fastnn.Dense(4, activation="elu"),
                             fastnn.Dense(3, activation=last)], input_dim=4)
    net.compile(loss, "adam", seed=0)
    Y = {"softmax_cross_entropy": y, "mse": np.abs(X[:, :3])}.get(loss, np.eye(3)[y])
    net.fit(X, Y, epochs=2, seed=0)
    fastnn.onnx.export(net, tmp_path / "net.onnx")
    np.testing.assert_allclose(_run(tmp_path / "net.onnx", X.astype(np.float32))["output"],
                               net.predict(X), atol=1e-5)


@pytest.mark.parametrize("est, target", [
    (MLPClassifier((5,), max_iter=30, random_state=0), "names"),
    (MLPClassifier((5,), max_iter=30, random_state=0), "binary"),
    (MLPClassifier((5,), max_iter=30, random_state=0), "one"),
    (MLPClassifier((5,), max_iter=30, random_state=0), "multilabel"),
    (LogisticRegression(), "labels"), (LogisticRegression(), "binary"),
    (SoftmaxRegression(fit_intercept=False), "names"),
    (MLPRegressor((5,), max_iter=30, random_state=0), "values"),
    (LinearRegression(), "columns"), (LinearRegression(solver="lbfgs"), "values"),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_estimator_exports_its_predictions(est, target, dtype, data, tmp_path):
    X, y = data
    X = X.astype(dtype)
    Y = {"names": np.array(["ant", "bee", "cat"])[y], "binary": y > 0, "one": np.full(len(y), 7),
         "multilabel": np.c_[y == 0, y == 2, X[:, 2] > 0].astype(int), "labels": y,
         "values": X[:, 0] - X[:, 1] ** 2, "columns": np.c_[X[:, 0], X @ np.ones(4)]}[target]
    est.fit(X, Y)
    fastnn.onnx.export(est, tmp_path / "est.onnx")
    out = _run(tmp_path / "est.onnx", X)
    if hasattr(est, "predict_proba"):
        np.testing.assert_allclose(out["probabilities"], est.predict_proba(X), atol=TOL[dtype])
        np.testing.assert_array_equal(out["label"], est.predict(X))
    else:
        np.testing.assert_allclose(out["variable"], est.predict(X).reshape(len(X), -1),
                                   atol=TOL[dtype] * 10)


def test_export_after_coef_writes_and_as_another_float_type(data, tmp_path):
    X, y = data
    clf = LogisticRegression().fit(X, y)
    clf.coef_[:] = 0
    fastnn.onnx.export(clf, tmp_path / "zero.onnx", dtype="float32")
    out = _run(tmp_path / "zero.onnx", X.astype(np.float32))
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), atol=1e-6)


def test_a_pipeline_ending_in_a_fastnn_estimator_converts_with_skl2onnx(data):
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X, y = data
    X = X.astype(np.float32)
    for est, target in ((MLPClassifier((6,), max_iter=30, random_state=0), y),
                        (MLPRegressor((6,), max_iter=30, random_state=0), X[:, 0])):
        pipe = make_pipeline(StandardScaler(), est).fit(X, target)
        options = {id(est): {"zipmap": False}} if hasattr(est, "classes_") else None
        model = skl2onnx.to_onnx(pipe, X[:1], options=options)
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        outputs = session.run(None, {"X": X})
        if hasattr(est, "classes_"):
            np.testing.assert_array_equal(outputs[0], pipe.predict(X))
            np.testing.assert_allclose(outputs[1], pipe.predict_proba(X), atol=1e-5)
        else:
            np.testing.assert_allclose(outputs[0].ravel(), pipe.predict(X), atol=1e-5)
    zipped = skl2onnx.to_onnx(make_pipeline(StandardScaler(), MLPClassifier((4,), max_iter=5)).fit(X, y), X[:1])
    maps = ort.InferenceSession(zipped.SerializeToString()).run(None, {"X": X[:2]})[1]
    assert set(maps[0]) == {0, 1, 2}          # skl2onnx's default ZipMap, as for sklearn's own


def test_refusals_name_the_problem(data, tmp_path):
    X, y = data
    with pytest.raises(TypeError, match="model must be a fastnn.Sequential or a fastnn estimator, got list"):
        fastnn.onnx.export([], tmp_path / "x.onnx")
    net = fastnn.Sequential([fastnn.Dense(2)], input_dim=4)
    with pytest.raises(ValueError, match=r"the model is not compiled: call compile\(loss=...\) first"):
        fastnn.onnx.export(net, tmp_path / "x.onnx")
    net.compile("softmax_cross_entropy")
    with pytest.raises(ValueError, match=r"the model has not been trained \(epoch 0, no optimizer "
                       r"step\): fit it first, or pass allow_untrained=True"):
        fastnn.onnx.export(net, tmp_path / "x.onnx")
    fastnn.onnx.export(net, tmp_path / "x.onnx", allow_untrained=True)
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        fastnn.onnx.export(MLPClassifier(), tmp_path / "x.onnx")
    with pytest.raises(ValueError, match=r"opset must be in \[13"):
        fastnn.onnx.export(net, tmp_path / "x.onnx", opset=12, allow_untrained=True)
    with pytest.raises(ValueError, match="dtype must be a floating type"):
        fastnn.onnx.export(net, tmp_path / "x.onnx", dtype="int8", allow_untrained=True)


def test_an_opset_the_runtime_cannot_run_is_named(data, tmp_path):
    X, y = data
    clf = LogisticRegression().fit(X, y)
    opset = 99
    with pytest.raises(ValueError, match=rf"wrote .*clf.onnx with ONNX opset {opset}, which "
                       rf"onnxruntime \S+ cannot run .*export with a lower opset, e\.g\. opset=17"):
        fastnn.onnx.export(clf, tmp_path / "clf.onnx", opset=opset)
    assert (tmp_path / "clf.onnx").exists()



def test_every_registered_activation_has_an_onnx_rule_and_a_missing_one_is_named(data, tmp_path,
                                                                                monkeypatch):
    from fastnn.onnx import _graph
    assert set(_graph.RULES) == set(fastnn.activations.REGISTRY)
    X, y = data
    clf = MLPClassifier((4,), activation="silu", max_iter=5, random_state=0).fit(X, y)
    monkeypatch.delitem(_graph.RULES, "silu")
    with pytest.raises(NotImplementedError, match=r"activation 'silu' has no ONNX rule yet; add "
                       r"one to fastnn.onnx._graph.RULES"):
        fastnn.onnx.export(clf, tmp_path / "clf.onnx")
