"""Reading a model file safely: every size is checked before anything is allocated.

A model file (format ``fastnn-model``, version 1) is a zip archive of three ``.npy`` members:
``spec.npy`` (the UTF-8 JSON spec as uint8), ``params.npy`` (floats, shape ``(n_params,)``) and,
after training, ``opt_state.npy`` (shape ``(2, n_params)``).  :func:`read` checks it in an order that
keeps the memory spent on a rejected file within a small multiple of the file's size:

1. the zip directory (itself part of the file): only those members, each once, stored or deflated,
   not encrypted, inside the file, and expanding at most ``MAX_EXPANSION`` times (plus 1 MiB), so a
   deflate bomb is refused before a byte is decompressed;
2. the spec (at most ``MAX_SPEC_BYTES``): its structure, the layers and the parameter count they
   imply, computed with Python integers before any array exists;
3. each array's ``.npy`` header (at most ``MAX_HEADER_BYTES``): dtype, shape and the member's size
   must agree with that count before the data is read;
4. the contents: weights finite in the model's dtype, optimizer state finite (and non-negative where
   it accumulates squared gradients), ``epoch`` and ``step`` integers in ``[0, MAX_COUNT]``.

Every problem is a :class:`ModelFileError` naming the file.  Nothing is unpickled, ever.
"""
from __future__ import annotations

import json
import math
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _spec as S
from . import optim
from .layers import Dense, from_config

FORMAT, VERSION = "fastnn-model", 1
MEMBERS = ("spec.npy", "params.npy", "opt_state.npy")
MAX_SPEC_BYTES = 1 << 20        # a spec is ~150 bytes per layer
MAX_HEADER_BYTES = 10_000       # numpy's own limit for a header it parses
MAX_EXPANSION = 32              # stored floats barely deflate; zeros deflate 1000-fold
MAX_COUNT = 2 ** 53             # epoch and step stay exact integers in float64 arithmetic
DTYPES = ("float32", "float64")
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
               struct.error, ValueError, NotImplementedError, RuntimeError)
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}


class ModelFileError(ValueError):
    """A model file that cannot be loaded: truncated, corrupt, foreign, newer or inconsistent.

    The message names the file and what is wrong; ``path`` and ``problem`` hold the two parts.
    """

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = str(path), problem

    def __reduce__(self):           # picklable, e.g. raised in a worker process
        return type(self), (self.path, self.problem)


@dataclass
class ModelFile:
    """What a valid model file holds, checked and converted (``params`` in ``dtype``)."""

    input_dim: int
    layers: list
    loss: str | None
    optimizer: optim.Optimizer
    backend: str | None
    dtype: str
    params: np.ndarray
    opt_state: np.ndarray | None
    epoch: int
    step: int


def read(path) -> ModelFile:
    """Check and read the model file at ``path``.

    Raises ``FileNotFoundError`` when there is no such file, ``OSError`` when it cannot be opened
    (permissions) and :class:`ModelFileError` for anything wrong with its contents.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no fastnn model file at {path}")
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size     # this file's, even if path is replaced now
        if handle.read(6) == b"\x93NUMPY":
            raise ModelFileError(path, "a plain .npy array file, not a fastnn model file (a zip "
                                       "written by fastnn.save)")
        try:
            with zipfile.ZipFile(handle) as archive:
                return _read_archive(archive, size, path)
        except ModelFileError:
            raise
        except _ZIP_ERRORS as exc:
            raise ModelFileError(path, f"not a readable fastnn model file (truncated or "
                                       f"corrupt?): {type(exc).__name__}: {exc}") from None


def _read_archive(archive, size, path):
    infos = _check_directory(archive, size, path)
    spec = _read_spec(archive, infos["spec.npy"], path)
    model = _check_spec(spec, path)
    n_params = _count_params(model["input_dim"], model["layers"])
    model["params"] = _read_floats(archive, infos["params.npy"], (n_params,),
                                   f"the spec's layers have {n_params} parameters",
                                   model["dtype"], path)
    state = infos.get("opt_state.npy")
    if state is not None:
        state = _read_floats(archive, state, (2, n_params), "two rows per parameter",
                             model["dtype"], path)
        _check_state(state, model["optimizer"], path)
    model["opt_state"] = state
    return ModelFile(**model)


def _check_directory(archive, size, path):
    """``{name: ZipInfo}`` once every member passed the checks of step 1."""
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if "spec.npy" not in names or "params.npy" not in names:
        raise ModelFileError(path, f"not a fastnn model file: it holds {sorted(names)[:5]}, not "
                                   f"spec.npy and params.npy (is it another program's .npz?)")
    unknown = sorted(set(names) - set(MEMBERS))
    if unknown or len(set(names)) != len(names):
        raise ModelFileError(path, f"holds members {names[:5]}; a model file holds each of "
                                   f"{list(MEMBERS)} at most once and nothing else")
    for info in infos:
        where = f"member {info.filename}"
        if info.flag_bits & 0x1:
            raise ModelFileError(path, f"{where} is encrypted; fastnn never writes encrypted files")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelFileError(path, f"{where} uses zip compression method {info.compress_type}; "
                                       f"expected stored (0) or deflated (8)")
        if info.header_offset + info.compress_size > size:
            raise ModelFileError(path, f"{where} runs past the end of the {size}-byte file; it is "
                                       f"truncated")
        most = (info.compress_size if info.compress_type == zipfile.ZIP_STORED
                else info.compress_size * MAX_EXPANSION + (1 << 20))
        if info.file_size > most:
            raise ModelFileError(path, f"{where} claims {info.file_size} bytes from "
                                       f"{info.compress_size} in the file (more than {MAX_EXPANSION} "
                                       f"times); refused as a possible zip bomb")
    return dict(zip(names, infos))


def _read_spec(archive, info, path):
    if info.file_size > MAX_SPEC_BYTES:
        raise ModelFileError(path, f"spec.npy holds {info.file_size} bytes; a model spec has at "
                                   f"most {MAX_SPEC_BYTES}")
    raw = _read_array(archive, info, path, lambda dtype, shape: (
        dtype == np.uint8 and len(shape) == 1, "a 1-D uint8 array (UTF-8 JSON)"))
    try:
        return json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(path, f"spec.npy is not UTF-8 JSON: {type(exc).__name__}: "
                                   f"{str(exc)[:200]}") from None


def _check_spec(spec, path):
    """The spec's fields, checked and rebuilt into layer and optimizer objects (step 2)."""
    if not isinstance(spec, dict) or spec.get("format") != FORMAT:
        found = spec.get("format") if isinstance(spec, dict) else f"JSON {type(spec).__name__}"
        raise ModelFileError(path, f"not a fastnn model file (format {str(found)[:80]!r}, "
                                   f"expected {FORMAT!r})")
    version = spec.get("version")
    if type(version) is not int or version != VERSION:
        raise ModelFileError(path, f"format version {str(version)[:40]}; this fastnn reads "
                                   f"version {VERSION}. Upgrade fastnn to read it")
    loss, dtype, backend = spec.get("loss"), spec.get("dtype"), spec.get("backend")
    if loss is not None and (not isinstance(loss, str) or loss.lower() not in S.LOSSES):
        raise ModelFileError(path, f"spec loss is {str(loss)[:40]!r}; expected null or one of "
                                   f"{sorted(S.LOSSES)}")
    if dtype not in DTYPES or (loss is None and dtype != "float32"):
        raise ModelFileError(path, f"spec dtype is {str(dtype)[:40]!r}; expected one of {DTYPES} "
                                   f"(float32 for a model never compiled)")
    if backend is not None and not isinstance(backend, str):
        raise ModelFileError(path, f"spec backend is {str(backend)[:40]!r}; expected a name or null")
    return {"input_dim": _integer(spec, "input_dim", 1, None, path),
            "layers": _layers(spec.get("layers"), path),
            "loss": loss, "optimizer": _optimizer(spec.get("optimizer"), path),
            "backend": backend, "dtype": dtype,
            "epoch": _integer(spec, "epoch", 0, 0, path),
            "step": _integer(spec, "step", 0, 0, path)}


def _integer(spec, key, low, default, path):
    value = spec.get(key, default)
    if type(value) is not int or not low <= value <= MAX_COUNT:
        raise ModelFileError(path, f"spec {key} is {str(value)[:40]}; expected an integer from "
                                   f"{low} to {MAX_COUNT}")
    return value


def _layers(configs, path):
    if not isinstance(configs, list) or not configs:
        raise ModelFileError(path, f"spec layers is {str(configs)[:40]}; expected a list of layers")
    layers = []
    for index, config in enumerate(configs):
        try:
            layers.append(from_config(config))
        except (ValueError, TypeError) as exc:
            raise ModelFileError(path, f"spec layer {index} ({str(config)[:80]}) is invalid: "
                                       f"{exc}") from None
    if not isinstance(layers[-1], Dense):
        raise ModelFileError(path, f"spec layers end with {layers[-1]!r}; a network ends with Dense")
    return layers


def _optimizer(config, path):
    if config is None:
        return optim.SGD()
    try:
        if not isinstance(config, dict):
            raise TypeError(f"expected a JSON object, got {type(config).__name__}")
        return optim.from_config(config)
    except (ValueError, TypeError) as exc:
        raise ModelFileError(path, f"spec optimizer ({str(config)[:80]}) is invalid: {exc}") from None


def _count_params(input_dim, layers):
    """The flat buffer's length for these layers (Python integers: no overflow, no allocation)."""
    count, fan_in = 0, input_dim
    for layer in layers:
        if isinstance(layer, Dense):
            count += (fan_in + 1 + (layer.activation_code == S.PRELU)) * layer.units
            fan_in = layer.units
    return count


def _read_floats(archive, info, shape, what, dtype, path):
    """Member ``info`` as a writable C-contiguous ``dtype`` array of ``shape``, all finite."""
    itemsize = np.dtype(np.longdouble).itemsize
    if info.file_size > math.prod(shape) * itemsize + 16 + MAX_HEADER_BYTES:
        raise ModelFileError(path, f"{info.filename} holds {info.file_size} bytes, more than "
                                   f"{math.prod(shape)} numbers can take")
    raw = _read_array(archive, info, path, lambda found, found_shape: (
        found.kind == "f" and found_shape == shape, f"floats of shape {shape} ({what})"))
    with np.errstate(over="ignore", invalid="ignore"):
        values = raw.astype(dtype, order="C", copy=False)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        first = np.unravel_index(bad[0], shape)
        was = raw[first]
        why = (f"{was:g}, too large for {dtype}" if np.isfinite(was) else f"{was}")
        raise ModelFileError(path, f"{info.filename} holds NaN or infinite values in {dtype} "
                                   f"({bad.size} of them; the first at index "
                                   f"{tuple(int(i) for i in first)} is {why})")
    return values


def _check_state(state, optimizer, path):
    for row in optimizer.squared_rows:
        if (state[row] < 0).any():
            index = int(np.flatnonzero(state[row] < 0)[0])
            raise ModelFileError(path, f"opt_state.npy row {row} holds {state[row, index]:g} at "
                                       f"index {index}; {type(optimizer).__name__} keeps squared "
                                       f"gradients there, which are never negative")


def _read_array(archive, info, path, expect):
    """The ``.npy`` member ``info`` as an array, read only after ``expect(dtype, shape)`` returned
    ``(ok, what was expected)`` for its header and the member's size matched that header."""
    name = info.filename
    with archive.open(info) as member:
        try:
            reader = _HEADER_READERS.get(np.lib.format.read_magic(member))
            if reader is None:
                raise ValueError("unsupported .npy format version")
            shape, fortran_order, dtype = reader(member, max_header_size=MAX_HEADER_BYTES)
        except (ValueError, TypeError, SyntaxError, RecursionError) as exc:
            raise ModelFileError(path, f"{name} has no valid .npy header: {str(exc)[:200]}") from None
        ok, wanted = expect(dtype, shape)
        if not ok or dtype.hasobject:
            raise ModelFileError(path, f"{name} holds {dtype.str} of shape {str(shape)[:80]}; "
                                       f"expected {wanted}")
        nbytes = math.prod(shape) * dtype.itemsize
        if member.tell() + nbytes != info.file_size:
            raise ModelFileError(path, f"{name} declares {nbytes} bytes of data but holds "
                                       f"{info.file_size - member.tell()}; it is corrupt")
        data = _read_exactly(member, nbytes, name, path)
    return data.view(dtype).reshape(shape, order="F" if fortran_order else "C")


def _read_exactly(member, nbytes, name, path):
    """``nbytes`` bytes of ``member`` into one preallocated buffer (the zip's CRC is checked as the
    last byte is read), so reading never holds more than the data plus one chunk."""
    data = np.empty(nbytes, np.uint8)
    view, filled = memoryview(data), 0
    while filled < nbytes:
        chunk = member.read(min(1 << 24, nbytes - filled))
        if not chunk:
            raise ModelFileError(path, f"{name} is truncated")
        view[filled:filled + len(chunk)] = chunk
        filled += len(chunk)
    if member.read(1):
        raise ModelFileError(path, f"{name} holds more data than its header declares")
    return data
