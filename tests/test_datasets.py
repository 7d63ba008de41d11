"""Tests for fastnn.datasets: generators, the MNIST loader, the bundled sets, the registry."""

import gzip
import hashlib

import numpy as np
import pytest

from fastnn import datasets

CLASSIFIERS = {  # name -> number of classes
    "linear": 2, "three_class": 3, "xor": 2, "circles": 2,
    "gaussians": 2, "moons": 2, "spiral": 2, "spiral_k": 3,
}
REGRESSORS = {"sine": 1, "complex_curve": 1, "plane": 2, "gaussian_bumps": 2,
              "house_prices": 3}  # name -> number of input features
N_FEATURES = {**{name: 2 for name in CLASSIFIERS}, **REGRESSORS}
GENERATORS = list(N_FEATURES)


def make(name, **kwargs):
    return getattr(datasets, name)(**kwargs)


# --- every generator -------------------------------------------------------------------

@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shapes_and_dtypes(name, dtype):
    X, y = make(name, n_samples=101, noise=0.1, seed=0, dtype=dtype)
    assert X.shape == (101, N_FEATURES[name])
    assert X.dtype == dtype and X.flags.c_contiguous
    assert y.shape == (101,)
    assert y.dtype == (np.int64 if name in CLASSIFIERS else dtype)
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(name):
    X1, y1 = make(name, n_samples=50, noise=0.2, seed=7)
    X2, y2 = make(name, n_samples=50, noise=0.2, seed=7)
    X3, _ = make(name, n_samples=50, noise=0.2, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_object_is_accepted_as_seed(name):
    X1, _ = make(name, n_samples=20, seed=np.random.default_rng(3))
    X2, _ = make(name, n_samples=20, seed=3)
    np.testing.assert_array_equal(X1, X2)


@pytest.mark.parametrize("name", CLASSIFIERS)
@pytest.mark.parametrize("n_samples", [30, 31, 32])
def test_labels_are_balanced_and_shuffled(name, n_samples):
    _, y = make(name, n_samples=n_samples, seed=1)
    k = CLASSIFIERS[name]
    counts = np.bincount(y, minlength=k)
    assert len(counts) == k and counts.sum() == n_samples
    assert counts.max() - counts.min() <= 1
    assert counts.min() == n_samples // k
    assert not np.all(np.diff(y) >= 0), "rows must not come sorted by class"


@pytest.mark.parametrize("name", GENERATORS)
def test_noise_moves_points_or_targets(name):
    X0, y0 = make(name, n_samples=40, noise=0.0, seed=2)
    X1, y1 = make(name, n_samples=40, noise=0.5, seed=2)
    if name in CLASSIFIERS:
        np.testing.assert_array_equal(y0, y1)  # jitter never relabels
        assert not np.allclose(X0, X1)
    else:
        np.testing.assert_array_equal(X0, X1)  # noise goes on the target only
        assert not np.allclose(y0, y1)


# --- noise-free rules -----------------------------------------------------------------

def test_linear_rule_and_margin():
    X, y = datasets.linear(n_samples=1000, seed=0, dtype=np.float64)
    s = X.sum(axis=1)
    np.testing.assert_array_equal(y, (s > 0).astype(np.int64))
    assert np.abs(s).min() / np.sqrt(2) >= 0.3 - 1e-12


def test_three_class_is_linearly_separable_by_the_wedge_directions():
    X, y = datasets.three_class(n_samples=900, seed=0, dtype=np.float64)
    theta = np.pi / 2 + 2 * np.pi * np.arange(3) / 3
    W = np.stack([np.cos(theta), np.sin(theta)])
    np.testing.assert_array_equal(np.argmax(X @ W, axis=1), y)


def test_xor_quadrant_rule_and_padding():
    X, y = datasets.xor(n_samples=1000, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(np.int64))
    assert np.abs(X).min() >= np.float32(0.3)
    assert np.abs(X).max() <= np.float32(5.3)


def test_circles_radii_are_separated():
    X, y = datasets.circles(n_samples=1000, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 1].max() < 2.5 + 1e-5
    assert r[y == 0].min() > 3.5 - 1e-5 and r[y == 0].max() <= 5 + 1e-5


def test_gaussians_centres_and_spread():
    X, y = datasets.gaussians(n_samples=4000, seed=0, dtype=np.float64)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.06)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.06)
    np.testing.assert_allclose(X[y == 1].var(axis=0), [0.5, 0.5], rtol=0.1)
    Xn, yn = datasets.gaussians(n_samples=4000, noise=1.0, seed=0, dtype=np.float64)
    np.testing.assert_allclose(Xn[yn == 1].var(axis=0), [1.5, 1.5], rtol=0.1)


def test_moons_lie_on_their_circles():
    X, y = datasets.moons(n_samples=500, seed=0, dtype=np.float64)
    centre = np.where(y[:, None] == 0, [-1.5, -0.75], [1.5, 0.75])
    np.testing.assert_allclose(np.hypot(*(X - centre).T), 3.0, atol=1e-12)
    assert np.all(X[y == 0, 1] >= -0.75 - 1e-12) and np.all(X[y == 1, 1] <= 0.75 + 1e-12)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_spiral_arms_follow_the_formula(n_classes):
    X, y = datasets.spiral_k(n_classes, n_samples=300, seed=0, dtype=np.float64)
    r = np.hypot(X[:, 0], X[:, 1])
    t = 2 * np.pi * 1.75 * r / 5 + 2 * np.pi * y / n_classes
    np.testing.assert_allclose(X, np.column_stack([r * np.sin(t), r * np.cos(t)]),
                               atol=1e-9)
    assert r.max() <= 5


def test_spiral_is_spiral_k_with_two_arms():
    X1, y1 = datasets.spiral(n_samples=64, noise=0.1, seed=4)
    X2, y2 = datasets.spiral_k(2, n_samples=64, noise=0.1, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


def test_sine_matches_formula_on_unit_interval():
    X, y = datasets.sine(n_samples=500, seed=0)
    assert 0 <= X.min() and X.max() <= 1
    np.testing.assert_array_equal(y, np.sin(2 * np.pi * X[:, 0].astype(np.float64))
                                  .astype(np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_complex_curve_matches_the_formula_exactly(dtype):
    X, y = datasets.complex_curve(n_samples=1000, seed=0, dtype=dtype)
    x = X[:, 0].astype(np.float64)
    expected = 0.4 * x**2 + 0.3 * x * np.sin(15 * x) + 0.01 * np.cos(50 * x) - 0.3
    np.testing.assert_array_equal(y, expected.astype(dtype))
    np.testing.assert_array_equal(datasets.complex_curve_formula(x), expected)


def test_plane_recovers_coefficients():
    X, y = datasets.plane(n_samples=300, seed=0, coef=(0.5, -2.0), intercept=3.0,
                          dtype=np.float64)
    assert np.abs(X).max() <= 6
    A = np.column_stack([X, np.ones(len(X))])
    np.testing.assert_allclose(np.linalg.lstsq(A, y, rcond=None)[0], [0.5, -2.0, 3.0])
    _, y_default = datasets.plane(n_samples=300, seed=0, dtype=np.float64)
    np.testing.assert_allclose(y_default, X.sum(axis=1) / 10)


def test_gaussian_bumps_peaks_and_formula():
    peaks = datasets.gaussian_bumps_formula([[-4, 2.5], [0, 2.5], [0, -2.5], [0, 0]])
    np.testing.assert_allclose(peaks[:3], [1, -1, 1], atol=1e-3)
    assert abs(peaks[3]) < 0.1
    X, y = datasets.gaussian_bumps(n_samples=200, seed=0)
    np.testing.assert_array_equal(y, datasets.gaussian_bumps_formula(X).astype(np.float32))


def test_house_prices_formula_and_feature_ranges():
    X, y = datasets.house_prices(n_samples=2000, seed=0)
    bedrooms, bathrooms, area = X.T
    assert datasets.HOUSE_FEATURES == ("bedrooms", "bathrooms", "area_sqft")
    assert set(np.unique(bedrooms)) == {1, 2, 3, 4, 5, 6}
    assert np.all((1 <= bathrooms) & (bathrooms <= bedrooms))
    np.testing.assert_array_equal(area, np.round(area))
    deviation = area - (300 + 450 * bedrooms + 200 * bathrooms)
    assert np.abs(deviation).max() <= 300
    expected = 50 + 25 * bedrooms.astype(np.float64) + 10 * bathrooms + 0.2 * area
    np.testing.assert_allclose(y, expected, rtol=1e-6)
    _, noisy = datasets.house_prices(n_samples=2000, noise=30.0, seed=0)
    assert 27 < np.std(noisy - y) < 33


# --- argument validation ----------------------------------------------------------------

@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("kwargs, match", [
    ({"n_samples": 0}, r"n_samples must be a positive integer, got 0"),
    ({"n_samples": 10.5}, r"n_samples must be a positive integer, got 10\.5"),
    ({"n_samples": True}, r"n_samples must be a positive integer, got True"),
    ({"noise": -0.1}, r"noise must be a finite number >= 0, got -0\.1"),
    ({"noise": float("nan")}, r"noise must be a finite number >= 0, got nan"),
    ({"seed": -1}, r"seed must be None, a non-negative integer .* got -1"),
    ({"seed": "abc"}, r"seed must be None, .* got 'abc'"),
    ({"dtype": np.int32}, r"dtype must be a floating type .* got <class 'numpy\.int32'>"),
])
def test_bad_common_arguments(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(name, **kwargs)


def test_too_few_samples_for_the_classes():
    with pytest.raises(ValueError, match=r"n_samples=2 is smaller than n_classes=3"):
        datasets.three_class(n_samples=2)
    with pytest.raises(ValueError, match=r"n_classes must be an integer >= 2, got 1"):
        datasets.spiral_k(n_classes=1)


def test_bad_plane_arguments():
    with pytest.raises(ValueError, match=r"coef must be two finite numbers .* got \(1, 2, 3\)"):
        datasets.plane(coef=(1, 2, 3))
    with pytest.raises(ValueError, match=r"intercept must be a finite number, got inf"):
        datasets.plane(intercept=float("inf"))


# --- registry -------------------------------------------------------------------------

def test_names_by_kind():
    assert datasets.names("classification") == [*CLASSIFIERS, "mnist", "digits", "iris"]
    assert datasets.names("regression") == list(REGRESSORS)
    assert datasets.names() == datasets.names("classification") + list(REGRESSORS)
    with pytest.raises(ValueError, match=r"kind must be one of \['classification', "
                                         r"'regression'\] or None, got 'clustering'"):
        datasets.names("clustering")


@pytest.mark.parametrize("name", GENERATORS)
def test_get_builds_and_info_matches(name):
    entry = datasets.info(name)
    X, y = datasets.get(name, n_samples=30, seed=0)
    np.testing.assert_array_equal(X, make(name, n_samples=30, seed=0)[0])
    assert X.shape[1] == entry.n_features == len(entry.feature_names)
    assert entry.kind == ("classification" if name in CLASSIFIERS else "regression")
    if entry.kind == "classification":
        assert entry.n_classes == len(np.unique(y))
    else:
        assert entry.n_classes is None
    assert entry.description.endswith(".") and len(entry.description) < 120
    assert entry.typical_noise > 0


def test_unknown_name_and_unknown_keyword():
    with pytest.raises(ValueError, match=r"unknown dataset 'xorr'; expected one of "
                                         r"\['linear', .*\]; did you mean 'xor'\?"):
        datasets.get("xorr")
    with pytest.raises(ValueError, match=r"dataset 'sine' does not take 'n_classes'; "
                                         r"it takes n_samples, noise, seed, dtype"):
        datasets.get("sine", n_classes=3)
    with pytest.raises(TypeError):
        datasets.DATASETS["new"] = None


# --- bundled scikit-learn sets --------------------------------------------------------

def test_load_digits_and_iris():
    pytest.importorskip("sklearn")
    X, y = datasets.get("digits")
    assert X.shape == (1797, 64) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 1 and set(np.unique(y)) == set(range(10))
    assert datasets.load_digits(normalize=False)[0].max() == 16
    X, y = datasets.load_iris(dtype=np.float64)
    assert X.shape == (150, 4) and X.dtype == np.float64 and np.all(np.bincount(y) == 50)


def test_bundled_sets_say_how_to_install_sklearn(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "sklearn", None)
    with pytest.raises(ImportError, match=r"pip install scikit-learn"):
        datasets.load_iris()


# --- MNIST: the genuine test set --------------------------------------------------------

@pytest.fixture(scope="module")
def mnist_t10k(mnist_path):
    """The genuine t10k set from ../shared/data/mnist (``mnist_path`` is in conftest.py)."""
    return datasets.load_mnist(mnist_path)


def test_mnist_t10k(mnist_t10k):
    X, y = mnist_t10k
    assert X.shape == (10000, 784) and X.dtype == np.float32
    assert y.shape == (10000,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 1
    np.testing.assert_array_equal(np.bincount(y), [980, 1135, 1032, 1010, 982, 892, 958,
                                                   1028, 974, 1009])
    assert y[:5].tolist() == [7, 2, 1, 0, 4]


def test_mnist_unflattened_raw_pixels(mnist_path, mnist_t10k):
    X, _ = datasets.load_mnist(mnist_path, flatten=False, normalize=False, dtype=np.float64)
    assert X.shape == (10000, 28, 28) and X.max() == 255
    np.testing.assert_allclose(X.reshape(10000, -1) / 255, mnist_t10k[0], rtol=1e-6)


def test_mnist_found_through_fastnn_data(monkeypatch, tmp_path, mnist_path, mnist_t10k):
    monkeypatch.setenv("FASTNN_DATA", str(mnist_path.parent))  # finds $FASTNN_DATA/mnist
    monkeypatch.setenv("HOME", str(tmp_path))
    _, y = datasets.get("mnist")
    np.testing.assert_array_equal(y, mnist_t10k[1])


# --- MNIST: corrupt and missing files ---------------------------------------------------

def idx_bytes(magic, dims, data):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    return gzip.compress(header + np.asarray(data, dtype=np.uint8).tobytes())


def write_fake_mnist(folder, n=3, images=None, labels=None, md5sums=True, part="t10k"):
    """Write a small valid pair of ``part`` files (unless overridden), listed in MD5SUMS."""
    folder.mkdir(parents=True, exist_ok=True)
    pixels = np.arange(n * 784) % 256
    files = {
        f"{part}-images-idx3-ubyte.gz": images or idx_bytes(2051, (n, 28, 28), pixels),
        f"{part}-labels-idx1-ubyte.gz": labels or idx_bytes(2049, (n,), np.arange(n) % 10),
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    if md5sums:
        with open(folder / "MD5SUMS", "a") as sums:
            for name, content in files.items():
                sums.write(f"{hashlib.md5(content).hexdigest()}  {name}\n")
    return folder


def test_fake_mnist_loads(tmp_path):
    X, y = datasets.load_mnist(write_fake_mnist(tmp_path, n=3))
    assert X.shape == (3, 784) and y.tolist() == [0, 1, 2]
    np.testing.assert_allclose(X[0, :3] * 255, [0, 1, 2], rtol=1e-6)


def test_all_is_train_then_t10k(tmp_path):
    write_fake_mnist(tmp_path, n=2, part="train")
    write_fake_mnist(tmp_path, n=3, part="t10k")
    X, y = datasets.load_mnist(tmp_path, kind="all", flatten=False)
    assert X.shape == (5, 28, 28) and y.tolist() == [0, 1, 0, 1, 2]
    assert datasets.load_mnist(tmp_path, kind="train")[0].shape == (2, 784)


def test_default_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("FASTNN_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    cache = tmp_path / ".cache" / "fastnn" / "mnist"
    assert datasets.mnist_search_dirs()[0] == cache
    write_fake_mnist(cache, n=4)
    assert datasets.load_mnist()[0].shape == (4, 784)     # the cache comes before the checkout


def test_the_checkouts_shared_data_is_found_from_anywhere(tmp_path, monkeypatch, mnist_path):
    """Argument, $FASTNN_DATA, the user cache, then ../shared/data/mnist beside the checkout:
    found from any current folder (the app, the CLI and the bench all use this lookup)."""
    monkeypatch.delenv("FASTNN_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    dirs = datasets.mnist_search_dirs()
    assert dirs[0] == tmp_path / "home" / ".cache" / "fastnn" / "mnist"
    assert mnist_path.resolve() in [d.resolve() for d in dirs]
    assert all("site-packages" not in str(d) for d in dirs)
    assert datasets.load_mnist()[0].shape == (10000, 784)
    assert datasets.mnist_search_dirs(tmp_path) == [tmp_path]


def test_an_installed_package_far_from_a_checkout_searches_no_shared_folder(tmp_path, monkeypatch):
    from fastnn.datasets import _mnist
    monkeypatch.setattr(_mnist, "__file__", str(tmp_path / "site-packages" / "fastnn" / "datasets"
                                                / "_mnist.py"))
    monkeypatch.setattr(_mnist.sys, "prefix", str(tmp_path / "venv"))
    monkeypatch.chdir(tmp_path)
    assert datasets.checkout_data_dirs() == []
    checkout = tmp_path / "work" / "fastnn"
    (checkout / "fastnn").mkdir(parents=True)
    (checkout / "fastnn" / "__init__.py").write_text("")
    (checkout / "pyproject.toml").write_text("")
    monkeypatch.chdir(checkout / "fastnn")               # anywhere inside a checkout
    assert datasets.checkout_data_dirs() == [tmp_path / "work" / "shared" / "data" / "mnist"]


def test_missing_files_name_every_file_and_folder(tmp_path, monkeypatch):
    from fastnn.datasets import _mnist
    monkeypatch.setattr(_mnist, "checkout_data_dirs", lambda: [tmp_path / "shared" / "mnist"])
    monkeypatch.setenv("FASTNN_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(datasets.DataFileNotFoundError) as info:
        datasets.load_mnist(kind="all")
    message = str(info.value)
    for name in datasets.MNIST_MD5:
        assert name in message
    for folder in datasets.mnist_search_dirs():
        assert str(folder) in message
    assert str(tmp_path / "home" / ".cache" / "fastnn" / "mnist") in message
    assert str(tmp_path / "shared" / "mnist") in message
    assert isinstance(info.value, FileNotFoundError)


def test_one_missing_label_file(tmp_path):
    folder = write_fake_mnist(tmp_path)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"not found: t10k-labels-idx1-ubyte\.gz; "
                                                r"looked in: .*" + folder.name):
        datasets.load_mnist(folder)


def test_path_must_be_a_folder(tmp_path):
    file = write_fake_mnist(tmp_path) / "t10k-images-idx3-ubyte.gz"
    with pytest.raises(ValueError, match=r"path must be the folder holding the MNIST files"):
        datasets.load_mnist(file)


def test_truncated_gzip(tmp_path):
    good = idx_bytes(2051, (3, 28, 28), np.zeros(3 * 784, dtype=np.uint8))
    folder = write_fake_mnist(tmp_path, images=good[: len(good) // 2])
    with pytest.raises(datasets.CorruptDataError, match=r"t10k-images-idx3-ubyte\.gz is not a "
                                                        r"readable gzip file .*truncated"):
        datasets.load_mnist(folder)


def test_not_gzip_at_all(tmp_path):
    folder = write_fake_mnist(tmp_path, labels=b"plain text, not gzip")
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz is not a readable gzip"):
        datasets.load_mnist(folder)


def test_wrong_magic(tmp_path):
    swapped = idx_bytes(2049, (3,), [0, 1, 2])  # a label file where images belong
    folder = write_fake_mnist(tmp_path, images=swapped)
    with pytest.raises(datasets.CorruptDataError, match=r"t10k-images-idx3-ubyte\.gz has magic "
                                                        r"number 2049 .* magic number 2051"):
        datasets.load_mnist(folder)


def test_size_disagrees_with_header(tmp_path):
    short = idx_bytes(2051, (3, 28, 28), np.zeros(2 * 784, dtype=np.uint8))
    folder = write_fake_mnist(tmp_path, images=short)
    with pytest.raises(datasets.CorruptDataError, match=r"announces dimensions \(3, 28, 28\), "
                                                        r"i\.e\. 2352 bytes .* holds 1568"):
        datasets.load_mnist(folder)


def test_header_cut_short(tmp_path):
    folder = write_fake_mnist(tmp_path, labels=gzip.compress(b"\x00\x00\x08\x01\x00"))
    with pytest.raises(datasets.CorruptDataError, match=r"holds 5 bytes, fewer than the "
                                                        r"8-byte IDX header"):
        datasets.load_mnist(folder)


def test_file_too_short_for_a_magic_number(tmp_path):
    folder = write_fake_mnist(tmp_path, labels=gzip.compress(b"\x00\x00"))
    with pytest.raises(datasets.CorruptDataError, match=r"labels-idx1-ubyte\.gz has only 2 "
                                                        r"bytes but .* magic number 2049"):
        datasets.load_mnist(folder)


def test_image_and_label_counts_differ(tmp_path):
    folder = write_fake_mnist(tmp_path, labels=idx_bytes(2049, (4,), [0, 1, 2, 3]))
    with pytest.raises(datasets.CorruptDataError, match=r"holds 3 images but .* holds 4 "
                                                        r"labels"):
        datasets.load_mnist(folder)


def test_label_out_of_range(tmp_path):
    folder = write_fake_mnist(tmp_path, labels=idx_bytes(2049, (3,), [0, 1, 12]))
    with pytest.raises(datasets.CorruptDataError, match=r"holds label 12; MNIST labels are"):
        datasets.load_mnist(folder)


def test_md5_mismatch_against_md5sums(tmp_path):
    folder = write_fake_mnist(tmp_path)
    (folder / "MD5SUMS").write_text("0" * 32 + "  t10k-images-idx3-ubyte.gz\n")
    with pytest.raises(datasets.ChecksumError, match=r"t10k-images-idx3-ubyte\.gz has MD5 "
                                                     r"[0-9a-f]{32} but .*MD5SUMS says 0{32}"):
        datasets.load_mnist(folder)


def test_md5_mismatch_against_official_sum(tmp_path):
    folder = write_fake_mnist(tmp_path, md5sums=False)
    with pytest.raises(datasets.ChecksumError, match=r"but the official MNIST checksum says "
                                                     r"9fb629c4189551a2d022fa330f9573f3"):
        datasets.load_mnist(folder)
    X, _ = datasets.load_mnist(folder, check_md5=False)
    assert X.shape == (3, 784)


def test_bad_kind():
    with pytest.raises(ValueError, match=r"kind must be one of \['t10k', 'train', 'all'\], "
                                         r"got 'test'"):
        datasets.load_mnist(kind="test")
