"""Hand-made model files for the loader's tests: valid ones, and ones broken in one chosen way.

The valid model has input width 3, ``Dense(4, tanh)`` and ``Dense(2)``: 3*4 + 4 + 4*2 + 2 = 26
parameters, and Adam's (2, 26) state.
"""
import io
import json
import struct
import zipfile

import numpy as np

N_PARAMS = 26


def spec(**changes):
    """A valid spec dict, with ``changes`` applied (a value of ``...`` deletes that key)."""
    base = {"format": "fastnn-model", "version": 1, "input_dim": 3,
            "layers": [{"type": "Dense", "units": 4, "activation": "tanh"},
                       {"type": "Dense", "units": 2}],
            "loss": "softmax_cross_entropy", "optimizer": {"type": "Adam", "lr": 0.01},
            "backend": "numpy", "dtype": "float32", "epoch": 1, "step": 2}
    base.update(changes)
    return {key: value for key, value in base.items() if value is not ...}


def npy(array, allow_pickle=False):
    """``array`` in the ``.npy`` format, as bytes."""
    out = io.BytesIO()
    np.lib.format.write_array(out, np.asanyarray(array), allow_pickle=allow_pickle)
    return out.getvalue()


def npy_header(descr, shape, version=(1, 0), fortran_order=False):
    """Only the ``.npy`` header claiming ``descr`` and ``shape`` (no data follows)."""
    out = io.BytesIO()
    writer = {(1, 0): np.lib.format.write_array_header_1_0,
              (2, 0): np.lib.format.write_array_header_2_0}[version]
    writer(out, {"descr": descr, "fortran_order": fortran_order, "shape": shape})
    return out.getvalue()


def spec_npy(value):
    """A spec member: any JSON-able ``value``, or raw ``bytes`` taken as the JSON text."""
    text = value if isinstance(value, bytes) else json.dumps(value).encode()
    return npy(np.frombuffer(text, np.uint8))


def params(value=0.1, dtype=np.float32, n=N_PARAMS):
    return np.full(n, value, dtype)


def members(spec_value=None, params_value=None, opt_state=None):
    """``{member name: bytes}`` of a valid file, with the given parts replaced."""
    out = {"spec.npy": spec_npy(spec() if spec_value is None else spec_value),
           "params.npy": npy(params() if params_value is None else params_value)}
    if opt_state is not None:
        out["opt_state.npy"] = npy(opt_state)
    return out


def write(path, parts=None, compression=zipfile.ZIP_STORED):
    """A zip at ``path`` holding ``parts`` (``{name: bytes}``, default :func:`members`)."""
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in (members() if parts is None else parts).items():
            archive.writestr(name, data)
    return path


def patch_zip_headers(path, field, value):
    """Overwrite a 2-byte field in every local and central header: ``flags`` or ``method``."""
    data = bytearray(path.read_bytes())
    offsets = {b"PK\x03\x04": {"flags": 6, "method": 8}, b"PK\x01\x02": {"flags": 8, "method": 10}}
    for signature, fields in offsets.items():
        start = data.find(signature)
        while start >= 0:
            struct.pack_into("<H", data, start + fields[field], value)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    return path
