"""Property-based fuzzing of the two readers of untrusted input: model files and the CLI's CSVs.

The properties: ``fastnn.load`` returns a model with finite weights or raises ModelFileError
naming the file, whatever the bytes; the CSV reader returns a rectangular table with unique
column names or raises CLIError; ``fastnn train --csv`` exits 0 or 2, never with a traceback.

CI runs a fixed, derandomized set of examples (well under a minute in all).  For a longer,
random hunt: ``FASTNN_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py``.
"""
import csv
import io
import os
import zipfile

import forge
import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

import fastnn
from fastnn._modelfile import MAX_COUNT
from fastnn.cli import _table, main
from fastnn.cli._errors import CLIError

_LONG = int(os.environ.get("FASTNN_FUZZ_EXAMPLES", 0))


def fuzz(examples):
    """``examples`` fixed cases in CI; FASTNN_FUZZ_EXAMPLES random ones when set."""
    return settings(max_examples=_LONG or examples, derandomize=not _LONG, deadline=None,
                    database=None if not _LONG else settings.default.database,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def loads_or_refuses(path):
    """The property every model file must satisfy; returns the model or None."""
    try:
        model = fastnn.load(path)
    except fastnn.ModelFileError as exc:
        assert str(exc).startswith(f"{path}: ")
        return None
    assert model.params.shape == (model.n_params,) and np.isfinite(model.params).all()
    if model.opt_state is not None:
        assert model.opt_state.shape == (2, model.n_params)
        assert np.isfinite(model.opt_state).all()
    assert 0 <= model.epoch <= MAX_COUNT and 0 <= model.step <= MAX_COUNT
    return model


# --- model files: bytes ---------------------------------------------------------------------------

def _valid_file(compression):
    buffer = io.BytesIO()
    forge.write(buffer, forge.members(opt_state=np.full((2, forge.N_PARAMS), 0.5, np.float32)),
                compression)
    return buffer.getvalue()


VALID = {"stored": _valid_file(zipfile.ZIP_STORED), "deflated": _valid_file(zipfile.ZIP_DEFLATED)}

position = st.integers(0, 1 << 16)
mutation = st.one_of(
    st.tuples(st.just("flip"), position, st.integers(0, 7)),
    st.tuples(st.just("set"), position, st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("insert"), position, st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("cut"), position, st.integers(1, 64)),
    st.tuples(st.just("truncate"), position, st.none()),
)


def mutate(data, mutations):
    data = bytearray(data)
    for kind, where, what in mutations:
        where %= max(len(data), 1)
        if kind == "flip" and data:
            data[where] ^= 1 << what
        elif kind == "set":
            data[where:where + len(what)] = what
        elif kind == "insert":
            data[where:where] = what
        elif kind == "cut":
            del data[where:where + what]
        elif kind == "truncate":
            del data[where:]
    return bytes(data)


@fuzz(300)
@given(base=st.sampled_from(sorted(VALID)), mutations=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_bytes_load_or_raise_model_file_error(tmp_path, base, mutations):
    path = tmp_path / "fuzzed.fnn"
    path.write_bytes(mutate(VALID[base], mutations))
    loads_or_refuses(path)


@fuzz(50)
@given(data=st.binary(max_size=512))
def test_arbitrary_bytes_are_refused(tmp_path, data):
    path = tmp_path / "fuzzed.fnn"
    path.write_bytes(data)
    assert loads_or_refuses(path) is None


# --- model files: the spec ------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.sampled_from(["Dense", "Dropout", "Adam", "SGD", "relu", "prelu", "mse", "float64"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
top_keys = st.sampled_from(sorted(forge.spec()) + ["extra"])
layer_keys = st.sampled_from(["type", "units", "activation", "l1", "l2", "kernel_initializer",
                              "alpha", "input_dim", "rate", "bogus"])
optimizer_keys = st.sampled_from(["type", "lr", "beta1", "beta2", "eps", "momentum", "nesterov",
                                  "weight_decay", "schedule", "alpha", "lr_decay", "bogus"])
spec_edit = st.one_of(
    st.tuples(st.just("top"), top_keys, json_values),
    st.tuples(st.just("layer"), st.tuples(st.integers(0, 1), layer_keys), json_values),
    st.tuples(st.just("optimizer"), optimizer_keys, json_values),
    st.tuples(st.just("delete"), top_keys, st.none()),
)


def edit_spec(edits):
    spec = forge.spec()
    for kind, key, value in edits:
        if kind == "top":
            spec[key] = value
        elif kind == "delete":
            spec.pop(key, None)
        elif kind == "layer" and isinstance(spec.get("layers"), list) and len(spec["layers"]) > key[0]:
            if isinstance(spec["layers"][key[0]], dict):
                spec["layers"][key[0]][key[1]] = value
        elif kind == "optimizer" and isinstance(spec.get("optimizer"), dict):
            spec["optimizer"][key] = value
    return spec


@fuzz(300)
@given(edits=st.lists(spec_edit, min_size=1, max_size=3))
def test_edited_specs_load_or_raise_model_file_error(tmp_path, edits):
    path = forge.write(tmp_path / "fuzzed.fnn", forge.members(edit_spec(edits)))
    loads_or_refuses(path)


# --- model files: the arrays ----------------------------------------------------------------------

any_dtype = st.one_of(npst.scalar_dtypes(), npst.byte_string_dtypes(), npst.unicode_string_dtypes(),
                      npst.array_dtypes(), npst.floating_dtypes(endianness="?"))
shapes = st.one_of(st.just((forge.N_PARAMS,)), st.just((2, forge.N_PARAMS)),
                   npst.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=30))
arrays = st.builds(lambda dtype, shape: (dtype, shape), any_dtype, shapes).flatmap(
    lambda ds: npst.arrays(ds[0], ds[1]))


@fuzz(200)
@given(params=st.one_of(arrays, npst.arrays(np.float64, forge.N_PARAMS)),
       opt_state=st.one_of(st.none(), arrays, npst.arrays(np.float32, (2, forge.N_PARAMS))))
def test_arrays_of_any_dtype_and_shape_load_or_raise_model_file_error(tmp_path, params, opt_state):
    path = forge.write(tmp_path / "fuzzed.fnn", forge.members(params_value=params,
                                                              opt_state=opt_state))
    model = loads_or_refuses(path)
    if model is not None:
        np.testing.assert_array_equal(model.params, params.astype(np.float32))


@fuzz(200)
@given(descr=st.one_of(st.sampled_from(["<f4", ">f8", "<f2", "|u1", "|O", "<U3", "V8"]),
                       st.text(max_size=10), json_values),
       shape=st.one_of(st.tuples(st.integers()), st.lists(st.integers(-3, 1 << 40), max_size=3)
                       .map(tuple), json_values),
       fortran=st.one_of(st.booleans(), json_values),
       version=st.sampled_from([(1, 0), (2, 0)]),
       member=st.sampled_from(["spec.npy", "params.npy", "opt_state.npy"]),
       tail=st.binary(max_size=256))
def test_npy_headers_load_or_raise_model_file_error(tmp_path, descr, shape, fortran, version,
                                                    member, tail):
    """Headers written as text, so they may claim anything (a numpy writer would refuse some)."""
    magic = b"\x93NUMPY" + bytes(version)
    text = repr({"descr": descr, "fortran_order": fortran, "shape": shape}).encode("utf-8", "replace")
    length = len(text).to_bytes(2 if version == (1, 0) else 4, "little")
    parts = forge.members(opt_state=np.zeros((2, forge.N_PARAMS), np.float32))
    parts[member] = magic + length + text + tail
    loads_or_refuses(forge.write(tmp_path / "fuzzed.fnn", parts))


# --- the CLI's CSV reader -------------------------------------------------------------------------

cells = st.one_of(
    st.floats().map(repr), st.integers().map(str), st.text(max_size=6),
    st.sampled_from(["", " ", "nan", "NA", "null", "inf", "-0", "1e309", " 1 ", "0x1", "1_0"]))
names = st.one_of(st.text(max_size=5), st.sampled_from(["a", "b", "label", "y"]))
tables = st.integers(1, 5).flatmap(lambda width: st.tuples(
    st.lists(names, min_size=width, max_size=width),
    st.lists(st.one_of(st.lists(cells, min_size=width, max_size=width),
                       st.lists(cells, max_size=width + 2)), max_size=8)))


def render(header, rows, style, ending, bom):
    if style == "csv":
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator=ending).writerows([header, *rows])
        text = out.getvalue()
    else:                                 # no quoting: commas and quotes inside cells break it
        text = "".join(",".join(row) + ending for row in [header, *rows])
    return ("\ufeff" if bom else "") + text


@fuzz(300)
@given(table=tables, style=st.sampled_from(["csv", "raw"]), ending=st.sampled_from(["\n", "\r\n", "\r"]),
       bom=st.booleans(), garbage=st.one_of(st.none(), st.binary(min_size=1, max_size=4)))
def test_the_csv_reader_returns_a_clean_table_or_a_cli_error(tmp_path, table, style, ending, bom,
                                                             garbage):
    path = tmp_path / "fuzzed.csv"
    data = render(*table, style, ending, bom).encode()
    path.write_bytes(data + garbage if garbage else data)
    try:
        header, rows = _table.read_csv(path)
    except CLIError:
        return
    assert len(set(header)) == len(header) <= _table.MAX_COLUMNS
    assert rows and all(len(row) == len(header) for row in rows)
    for index, name in enumerate(header):
        column = [row[index] for row in rows]
        try:
            X = _table.features(header, rows, [name], path)
        except CLIError:
            assert not all(_usable_number(cell) for cell in column)
        else:
            assert X.tolist() == [[float(cell)] for cell in column]
        try:
            y, task = _table.target(rows, index, name, path, "auto")
        except CLIError:
            continue
        assert task in ("classification", "regression") and len(y) == len(rows)


def _usable_number(cell):
    try:
        return abs(float(cell)) <= _table.MAX_MAGNITUDE         # False for NaN too
    except ValueError:
        return False


numbers = st.one_of(st.floats(-1e6, 1e6).map(repr), st.integers(-3, 3).map(str))
trainable = st.integers(2, 4).flatmap(lambda width: st.tuples(
    st.lists(st.from_regex(r"[a-z]{1,3}", fullmatch=True), min_size=width, max_size=width,
             unique=True),
    st.lists(st.lists(numbers, min_size=width, max_size=width), min_size=4, max_size=16),
    st.one_of(st.none(), st.tuples(st.integers(0, 15), st.integers(0, width - 1), cells)),
)).map(lambda t: (t[0], [[t[2][2] if t[2] and (i, j) == t[2][:2] else cell
                          for j, cell in enumerate(row)] for i, row in enumerate(t[1])]))


@fuzz(40)
@given(table=st.one_of(trainable, tables), target=st.integers(0, 4),
       test_size=st.sampled_from(["0", "0.25"]))
def test_train_on_any_csv_exits_0_or_2(tmp_path, table, target, test_size):
    header, rows = table
    path = tmp_path / "fuzzed.csv"
    path.write_text(render(header, rows, "csv", "\n", False), encoding="utf-8")
    status = main(["train", "--csv", str(path), "--target", header[target % len(header)],
                   "--hidden", "none", "--epochs", "1", "--backend", "numpy",
                   "--test-size", test_size, "--out", str(tmp_path / "m.fnn")])
    event(f"exit status {status}")
    assert status in (0, 2)


def test_the_fuzzers_start_from_files_that_load(tmp_path):
    for name, data in VALID.items():
        (tmp_path / name).write_bytes(data)
        assert loads_or_refuses(tmp_path / name).opt_state[1, 0] == 0.5
