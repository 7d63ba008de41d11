"""A bad model file raises ModelFileError naming the file, and costs memory bounded by its size.

Each case below raised something else before (TypeError, OverflowError, RecursionError, ...),
loaded broken contents, or allocated gigabytes for a kilobyte file.
"""
import pickle
import re
import subprocess
import sys
import zipfile

import forge
import numpy as np
import pytest

import fastnn
from fastnn._modelfile import MAX_EXPANSION

N = forge.N_PARAMS
ADAM_STATE = np.full((2, N), 0.5, np.float32)


def _spec_file(**changes):
    return forge.members(forge.spec(**changes))


# name -> (what the file holds, what the error says)
BAD_FILES = {
    # item 6: types other than ValueError
    "epoch null": (_spec_file(epoch=None), "spec epoch is None; expected an integer from 0"),
    "epoch a list": (_spec_file(epoch=[1]), r"spec epoch is \[1\]; expected an integer"),
    "epoch Infinity": (_spec_file(epoch=float("inf")), "spec epoch is inf; expected an integer"),
    "step true": (_spec_file(step=True), "spec step is True; expected an integer"),
    "units 2**63": (_spec_file(layers=[{"type": "Dense", "units": 2 ** 63}]),
                    r"params.npy holds <f4 of shape \(26,\); expected floats of shape "
                    r"\(36893488147419103232,\)"),
    "spec JSON []": (forge.members([]), r"not a fastnn model file \(format 'JSON list'"),
    "spec JSON 1": (forge.members(1), r"not a fastnn model file \(format 'JSON int'"),
    "spec JSON 'x'": (forge.members("x"), r"not a fastnn model file \(format 'JSON str'"),
    "spec 100,000 deep": (forge.members(b"[" * 100_000 + b"]" * 100_000),
                          "spec.npy is not UTF-8 JSON: RecursionError"),
    "spec not UTF-8": (forge.members(b"\xff\xfe{}"), "spec.npy is not UTF-8 JSON: UnicodeDecodeError"),
    "params of strings": (forge.members(params_value=np.array(["0.1"] * N)),
                          r"params.npy holds <U3 of shape \(26,\); expected floats"),
    "params of bytes": (forge.members(params_value=np.array([b"ab"] * N)),
                        r"params.npy holds \|S2 of shape \(26,\); expected floats"),
    "params structured": (forge.members(params_value=np.zeros(N, [("w", "f4")])),
                          "params.npy holds |V4 of shape"),
    "params pickled objects": ({**forge.members(), "params.npy": forge.npy(
        np.array([0.1] * N, dtype=object), allow_pickle=True)}, r"params.npy holds \|O of shape"),
    "no layers": (_spec_file(layers=[]), r"spec layers is \[\]; expected a list of layers"),
    "ends with Dropout": (_spec_file(layers=[{"type": "Dense", "units": 2},
                                             {"type": "Dropout", "rate": 0.5}]),
                          r"spec layers end with Dropout\(0.5\)"),
    "unknown layer argument": (_spec_file(layers=[{"type": "Dense", "units": 2, "size": 3}]),
                               r"spec layer 0 .* is invalid: .*unexpected keyword argument 'size'"),
    "optimizer a list": (_spec_file(optimizer=[1]), r"spec optimizer \(\[1\]\) is invalid"),
    "optimizer bad value": (_spec_file(optimizer={"type": "Adam", "beta1": 1.0}),
                            r"spec optimizer .* is invalid: beta1 must be in \[0, 1\)"),
    "loss unknown": (_spec_file(loss="l7"), "spec loss is 'l7'; expected null or one of"),
    "loss after tanh": (_spec_file(layers=[{"type": "Dense", "units": 4},
                                           {"type": "Dense", "units": 2, "activation": "tanh"}]),
                        "its spec is inconsistent: loss 'softmax_cross_entropy' applies its own"),
    "dtype float16": (_spec_file(dtype="float16"), "spec dtype is 'float16'; expected one of"),
    "version 2": (_spec_file(version=2), "format version 2; this fastnn reads version 1"),
    "no params": ({"spec.npy": forge.spec_npy(forge.spec())},
                  r"not a fastnn model file: it holds \['spec.npy'\]"),
    "an extra member": ({**forge.members(), "evil.pkl": b"cos\nsystem\n"},
                        r"holds members \[.*\]; a model file holds each of .* at most once"),
    # item 7: contents that loaded but were broken
    "params overflow float32": (forge.members(params_value=np.r_[0.0, 1e300, np.zeros(N - 2)]),
                                r"params.npy holds NaN or infinite values in float32 \(1 of them; "
                                r"the first at index \(1,\) is 1e\+300, too large for float32\)"),
    "params NaN": (forge.members(params_value=forge.params(np.nan)),
                   "params.npy holds NaN or infinite values in float32 .26 of them"),
    "opt_state NaN": (forge.members(opt_state=np.where(np.eye(2, N), np.nan, ADAM_STATE)),
                      r"opt_state.npy holds NaN or infinite values in float32 \(2 of them; the "
                      r"first at index \(0, 0\) is nan\)"),
    "opt_state negative v": (forge.members(opt_state=np.r_[ADAM_STATE[:1], -ADAM_STATE[1:]]),
                             "opt_state.npy row 1 holds -0.5 at index 0; Adam keeps squared "
                             "gradients there"),
    "opt_state wrong shape": (forge.members(opt_state=np.zeros(N, np.float32)),
                              r"opt_state.npy holds <f4 of shape \(26,\); expected floats of "
                              r"shape \(2, 26\)"),
    "step 2**64": (_spec_file(step=2 ** 64), "spec step is 18446744073709551616; expected an "
                                            "integer from 0 to 9007199254740992"),
    "step -3": (_spec_file(step=-3), "spec step is -3; expected an integer from 0"),
    "epoch 1.5": (_spec_file(epoch=1.5), "spec epoch is 1.5; expected an integer"),
}


@pytest.mark.parametrize("parts, match", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_raises_model_file_error_naming_it(tmp_path, parts, match):
    path = forge.write(tmp_path / "bad.fnn", parts)
    with pytest.raises(fastnn.ModelFileError, match=re.escape(f"{path}: ") + match):
        fastnn.load(path)


@pytest.mark.parametrize("field, value, match", [
    ("flags", 0x1, "member spec.npy is encrypted"),
    ("method", 99, r"member spec.npy uses zip compression method 99; expected stored \(0\)"),
])
def test_zip_features_fastnn_never_writes_are_refused(tmp_path, field, value, match):
    """These raised RuntimeError and NotImplementedError from zipfile."""
    path = forge.patch_zip_headers(forge.write(tmp_path / "bad.fnn"), field, value)
    with pytest.raises(fastnn.ModelFileError, match=match):
        fastnn.load(path)


def test_a_plain_npy_file_is_named_as_such(tmp_path):
    path = tmp_path / "weights.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(fastnn.ModelFileError, match=re.escape(f"{path}: ") + "a plain .npy array"):
        fastnn.load(path)


def test_model_file_error_is_a_value_error_with_the_path_and_problem(tmp_path):
    path = forge.write(tmp_path / "bad.fnn", _spec_file(step=-3))
    with pytest.raises(ValueError) as info:
        fastnn.load(path)
    assert isinstance(info.value, fastnn.ModelFileError) and "ModelFileError" in fastnn.__all__
    assert (info.value.path, info.value.problem) == (str(path), str(info.value)[len(f"{path}: "):])
    copy = pickle.loads(pickle.dumps(info.value))          # e.g. from a worker process
    assert (str(copy), copy.path) == (str(info.value), str(path))


def test_a_bad_backend_argument_is_the_callers_error(tmp_path):
    with pytest.raises(ValueError, match="unknown backend 'nope'") as info:
        fastnn.load(forge.write(tmp_path / "ok.fnn"), backend="nope")
    assert not isinstance(info.value, fastnn.ModelFileError)


@pytest.mark.parametrize("parts, compression, value", [
    (forge.members(params_value=forge.params(0.25, np.float64)), zipfile.ZIP_STORED, 0.25),
    (forge.members(params_value=forge.params(0.25).astype(">f4")), zipfile.ZIP_STORED, 0.25),
    (forge.members(opt_state=np.asfortranarray(np.r_[-ADAM_STATE[:1], ADAM_STATE[1:]])),
     zipfile.ZIP_DEFLATED, 0.1),
])
def test_files_others_may_write_still_load(tmp_path, parts, compression, value):
    """float64 or big-endian weights, a Fortran-order state (Adam's m may be negative), deflate."""
    model = fastnn.load(forge.write(tmp_path / "ok.fnn", parts, compression))
    assert model.params.dtype == np.float32 and model.params.flags.writeable
    np.testing.assert_array_equal(model.params, forge.params(value))
    assert (model.epoch, model.step, model.loss) == (1, 2, "softmax_cross_entropy")
    if "opt_state.npy" in parts:
        assert model.opt_state.flags.c_contiguous and model.opt_state[0, 0] == -0.5


def _bomb(path, compression_level=1):
    """A file whose layers (8192 -> 8192) and params header agree, and whose params member is
    256 MiB of deflated zeros in a file of about 260 kB."""
    n = 8192 * 8192 + 8192
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compression_level) as archive:
        archive.writestr("spec.npy", forge.spec_npy(forge.spec(
            input_dim=8192, layers=[{"type": "Dense", "units": 8192}], loss="mse", optimizer=None)))
        with archive.open("params.npy", "w", force_zip64=True) as member:
            member.write(forge.npy_header("<f4", (n,)))
            zeros = bytes(1 << 22)
            for _ in range(n * 4 // len(zeros)):
                member.write(zeros)
            member.write(bytes(n * 4 % len(zeros)))
    return path


MEMORY_PROBE = """
import sys, tracemalloc
import fastnn
fastnn.load(sys.argv[1])                      # warm up: lazy imports are not the file's cost
tracemalloc.start()
for path in sys.argv[2:]:
    tracemalloc.reset_peak()
    try:
        fastnn.load(path)
        outcome = "loaded"
    except Exception as exc:
        outcome = type(exc).__name__
    print(path, outcome, tracemalloc.get_traced_memory()[1])
"""


def test_memory_for_a_rejected_file_is_bounded_by_its_size(tmp_path):
    """Measured with tracemalloc in a child process (numpy reports its buffers to it)."""
    files = {
        "claims 10000 x 10000": forge.write(tmp_path / "a.fnn", _spec_file(
            input_dim=10_000, layers=[{"type": "Dense", "units": 10_000}])),
        "claims 30,000,000 units": forge.write(tmp_path / "b.fnn", _spec_file(
            layers=[{"type": "Dense", "units": 30_000_000}])),
        "claims 10**12 units": forge.write(tmp_path / "c.fnn", _spec_file(
            layers=[{"type": "Dense", "units": 10 ** 12}])),
        "npy header claims 10**12 values": forge.write(tmp_path / "d.fnn", {
            **forge.members(), "params.npy": forge.npy_header("<f4", (10 ** 12,)) + bytes(64)}),
        "deflate bomb": _bomb(tmp_path / "e.fnn"),
        "huge deflated npy header": forge.write(tmp_path / "f.fnn", {
            **forge.members(), "params.npy": b"\x93NUMPY\x02\x00" + (1 << 26).to_bytes(4, "little")
            + b" " * (1 << 26)}, compression=zipfile.ZIP_DEFLATED),
    }
    result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(forge.write(tmp_path / "ok.fnn")),
                             *map(str, files.values())], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = {path: (outcome, int(peak)) for path, outcome, peak in
              (line.rsplit(" ", 2) for line in result.stdout.splitlines())}
    for name, path in files.items():
        outcome, peak = report[str(path)]
        size = path.stat().st_size
        assert outcome == "ModelFileError", (name, outcome)
        assert peak <= 4 * size + (2 << 20), f"{name}: {peak:,} bytes for a {size:,}-byte file"
    assert files["deflate bomb"].stat().st_size * MAX_EXPANSION < 8192 * 8192 * 4

