"""Load MNIST from the official IDX gzip files: find them, check them, decode them.

fastnn never downloads.  :func:`load_mnist` looks for the files in ``path``, else in
``$FASTNN_DATA`` and ``$FASTNN_DATA/mnist``, else in ``~/.cache/fastnn/mnist``, else in the
``../shared/data/mnist`` folder beside a fastnn checkout (:func:`mnist_search_dirs`), and checks
each one (gzip stream, IDX header, sizes, label range, MD5) before use.  The app, the command
line and the benchmarks all find MNIST through this one lookup.
"""

import hashlib
import os
import sys
from pathlib import Path

import numpy as np

from ._common import check_dtype
from ._errors import ChecksumError, CorruptDataError, DataFileNotFoundError
from ._idx import IMAGES_MAGIC, LABELS_MAGIC, parse_idx

#: ``(images, labels)`` file names of each part of MNIST.
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "t10k": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
#: MD5 of the four official files (as published with them and used by torchvision).
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MNIST_KINDS = ("t10k", "train", "all")
MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"
_IMAGE_SHAPE = (28, 28)


def mnist_search_dirs(path=None):
    """Return the folders :func:`load_mnist` searches, in order.

    Parameters
    ----------
    path : str, os.PathLike or None
        An explicit folder; when given it is the only one searched.

    Returns
    -------
    list of pathlib.Path
        ``[path]``, or ``$FASTNN_DATA`` and ``$FASTNN_DATA/mnist`` (when ``FASTNN_DATA`` is set
        and not empty), then the user cache ``~/.cache/fastnn/mnist``, then
        ``<checkout>/../shared/data/mnist`` for each fastnn checkout in reach
        (:func:`checkout_data_dirs`).
    """
    if path is not None:
        folder = Path(path).expanduser()
        if folder.is_file():
            raise ValueError(
                f"path must be the folder holding the MNIST files, got the file {folder}; "
                f"pass path={str(folder.parent)!r}"
            )
        return [folder]
    dirs = []
    env = os.environ.get("FASTNN_DATA")
    if env:
        dirs += [Path(env).expanduser(), Path(env).expanduser() / "mnist"]
    dirs.append(Path.home() / ".cache" / "fastnn" / "mnist")
    dirs += [d for d in checkout_data_dirs() if d not in dirs]
    return dirs


def checkout_data_dirs():
    """``<checkout>/../shared/data/mnist`` for each fastnn source checkout in reach.

    A checkout is a folder holding ``pyproject.toml`` and ``fastnn/__init__.py``.  Three are
    looked for: the one this package was imported from (an editable install, a run from the
    source tree), the one holding the active virtual environment (``.venv`` inside a checkout,
    the package installed into it) and the one the current folder is in.  An installed package
    far from any checkout has none, so nothing under ``site-packages`` is ever searched.
    """
    candidates = [Path(__file__).resolve().parents[2], Path(sys.prefix).resolve().parent]
    try:
        here = Path.cwd().resolve()
        candidates += [here, *here.parents]
    except OSError:            # the current folder was deleted
        pass
    roots = []
    for folder in candidates:
        if folder not in roots and _is_checkout(folder):
            roots.append(folder)
    return [root.parent / "shared" / "data" / "mnist" for root in roots]


def _is_checkout(folder):
    return (folder / "pyproject.toml").is_file() and (folder / "fastnn" / "__init__.py").is_file()


def _locate(names, dirs):
    """Map each file name to the first ``dirs`` entry holding it; list every missing one."""
    found, missing = {}, []
    for name in names:
        hits = [d / name for d in dirs if (d / name).is_file()]
        if hits:
            found[name] = hits[0]
        else:
            missing.append(name)
    if missing:
        looked = ", ".join(str(d) for d in dirs)
        raise DataFileNotFoundError(
            f"MNIST file(s) not found: {', '.join(missing)}; looked in: {looked}. "
            f"Copy the official files (from {MIRROR}) into one of these folders, "
            f"pass path=<folder>, or set FASTNN_DATA=<folder>"
        )
    return found


def _expected_md5(file):
    """Return ``(md5, its origin)``: from ``MD5SUMS`` beside the file, else the official one."""
    sums = file.parent / "MD5SUMS"
    if sums.is_file():
        for line in sums.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].lstrip("*") == file.name:
                return parts[0].lower(), str(sums)
    return MNIST_MD5[file.name], "the official MNIST checksum"


def _read(file, magic, check_md5):
    """Read, decode and (optionally) checksum one IDX gzip file."""
    compressed = file.read_bytes()
    array = parse_idx(compressed, file, magic)
    if check_md5:
        expected, origin = _expected_md5(file)
        actual = hashlib.md5(compressed).hexdigest()
        if actual != expected:
            raise ChecksumError(
                f"{file} has MD5 {actual} but {origin} says {expected}; the file is "
                f"corrupt or not the official one: delete it and copy it again "
                f"(or pass check_md5=False for a re-packed copy you trust)"
            )
    return array


def _load_part(files, check_md5):
    """Load one ``(images, labels)`` pair and check that they belong together."""
    image_file, label_file = files
    images = _read(image_file, IMAGES_MAGIC, check_md5)
    labels = _read(label_file, LABELS_MAGIC, check_md5)
    if images.shape[1:] != _IMAGE_SHAPE:
        raise CorruptDataError(
            f"{image_file} holds images of shape {images.shape[1:]}, MNIST's are {_IMAGE_SHAPE}"
        )
    if len(images) != len(labels):
        raise CorruptDataError(
            f"{image_file} holds {len(images)} images but {label_file} holds "
            f"{len(labels)} labels; the two files do not belong together"
        )
    if labels.size and labels.max() > 9:
        raise CorruptDataError(f"{label_file} holds label {labels.max()}; MNIST labels are 0-9")
    return images, labels


def load_mnist(path=None, kind="t10k", flatten=True, normalize=True, dtype=np.float32,
               check_md5=True):
    """Load MNIST handwritten digits from the official IDX gzip files.

    Parameters
    ----------
    path : str, os.PathLike or None, default=None
        Folder holding the files.  ``None`` searches ``$FASTNN_DATA``,
        ``$FASTNN_DATA/mnist``, ``~/.cache/fastnn/mnist`` and a checkout's
        ``../shared/data/mnist`` (:func:`mnist_search_dirs`).
    kind : {"t10k", "train", "all"}, default="t10k"
        The 10,000 test digits, the 60,000 training digits, or both (train first).
    flatten : bool, default=True
        Return images as rows of 784 pixels; ``False`` keeps them ``28 × 28``.
    normalize : bool, default=True
        Divide pixels by 255 so they lie in ``[0, 1]``; ``False`` keeps ``0 … 255``.
    dtype : numpy floating dtype, default=numpy.float32
        Floating type of ``X``.
    check_md5 : bool, default=True
        Compare each file's MD5 with the one listed for it in an ``MD5SUMS`` file beside
        it (lines ``<md5>  <name>``), else with the official checksum (:data:`MNIST_MD5`).

    Returns
    -------
    X : numpy.ndarray, shape (n, 784) or (n, 28, 28)
        Pixel intensities, 0 = background.
    y : numpy.ndarray of int64, shape (n,)
        Digit labels 0-9.

    Raises
    ------
    DataFileNotFoundError
        A file is in none of the searched folders; the message names the missing
        files and every folder searched.
    CorruptDataError
        A file is not readable gzip, has the wrong IDX magic number or a size that
        disagrees with its header, images and labels differ in count, or a label is
        above 9.
    ChecksumError
        A file's MD5 differs from the expected one (a :class:`CorruptDataError`).
    ValueError
        ``kind`` or ``dtype`` is not one of the accepted values.
    """
    if kind not in MNIST_KINDS:
        raise ValueError(f"kind must be one of {list(MNIST_KINDS)}, got {kind!r}")
    dtype = check_dtype(dtype)
    parts = ("train", "t10k") if kind == "all" else (kind,)
    names = [name for part in parts for name in MNIST_FILES[part]]
    found = _locate(names, mnist_search_dirs(path))
    loaded = [_load_part([found[name] for name in MNIST_FILES[part]], check_md5)
              for part in parts]
    X = np.concatenate([images for images, _ in loaded]).astype(dtype)
    y = np.concatenate([labels for _, labels in loaded]).astype(np.int64)
    if normalize:
        X /= dtype.type(255)
    if flatten:
        X = X.reshape(len(X), -1)
    return X, y
