"""Saving is atomic: readers see a whole old or a whole new file, and a failed save leaves nothing.

Concurrency and kills are exercised with real threads and processes; nothing here is timed.
"""
import errno
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import fastnn


def _model(value, width=32):
    """A small compiled model whose every parameter equals ``value`` (so a load tells which)."""
    net = fastnn.Sequential([fastnn.Dense(width, activation="tanh"), fastnn.Dense(2)], input_dim=width)
    net.compile("softmax_cross_entropy", "adam", backend="numpy", seed=0)
    net.params = np.full_like(net.params, value)
    return net


def _which(path):
    """The constant every parameter of the model at ``path`` holds (fails on a mixed file)."""
    params = fastnn.load(path, backend="numpy").params
    assert (params == params[0]).all(), "a load saw parts of two different saves"
    return float(params[0])


def _leftovers(folder, keep):
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_threads_saving_to_one_path_while_another_loads(tmp_path):
    path = tmp_path / "model.fnn"
    _model(1.0).save(path)
    errors, seen = [], set()

    def save(value):
        net = _model(value)
        try:
            for _ in range(20):
                net.save(path)
        except Exception as exc:        # noqa: BLE001 - collected and reported below
            errors.append(exc)

    writers = [threading.Thread(target=save, args=(v,)) for v in (1.0, 2.0)]
    for thread in writers:
        thread.start()
    while any(thread.is_alive() for thread in writers):
        seen.add(_which(path))
    for thread in writers:
        thread.join()
    assert errors == []
    assert seen <= {1.0, 2.0}
    assert _leftovers(tmp_path, {"model.fnn"}) == []


WRITER = """
import sys
import numpy as np, fastnn
net = fastnn.Sequential([fastnn.Dense(32, activation="tanh"), fastnn.Dense(2)], input_dim=32)
net.compile("softmax_cross_entropy", "adam", backend="numpy", seed=0)
net.params = np.full_like(net.params, float(sys.argv[2]))
print("ready", flush=True)
for _ in range(int(sys.argv[3])):
    net.save(sys.argv[1])
"""


def test_processes_saving_to_one_path_while_another_loads(tmp_path):
    path = tmp_path / "model.fnn"
    _model(1.0).save(path)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), value, "150"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for value in ("1", "2")]
    for writer in writers:
        assert writer.stdout.readline() == "ready\n", writer.stderr.read()
    loads, seen = 0, set()
    while any(writer.poll() is None for writer in writers):
        seen.add(_which(path))
        loads += 1
    for writer in writers:
        assert writer.wait() == 0, writer.stderr.read()
    assert loads > 0 and seen <= {1.0, 2.0}
    assert _leftovers(tmp_path, {"model.fnn"}) == []


BLOCKED_IN_FSYNC = WRITER.replace('print("ready", flush=True)\n', """
import os, time
def stall(fd):
    print("ready", flush=True)    # the new file is fully written but not yet in place
    time.sleep(60)
os.fsync = stall
""")


@pytest.mark.parametrize("script", [WRITER, BLOCKED_IN_FSYNC], ids=["anywhere", "before-replace"])
def test_a_save_killed_midway_leaves_the_old_file_whole(tmp_path, script):
    path = tmp_path / "model.fnn"
    _model(1.0).save(path)
    writer = subprocess.Popen([sys.executable, "-c", script, str(path), "2", "1000000"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "ready\n", writer.stderr.read()
    if script is WRITER:
        time.sleep(0.2)           # let it save a few times; the kill lands wherever it lands
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert _which(path) in ({1.0} if script is BLOCKED_IN_FSYNC else {1.0, 2.0})
    _model(3.0).save(path)        # a stray temporary file from the killed writer is no obstacle
    assert _which(path) == 3.0


def test_the_new_file_is_fsynced_before_it_replaces_the_old(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    _model(1.0).save(tmp_path / "model.fnn")
    assert events[:2] == ["fsync", "replace"]


def test_a_full_disk_leaves_no_temporary_file_and_the_old_model(tmp_path, monkeypatch):
    path = tmp_path / "model.fnn"
    _model(1.0).save(path)

    def full_disk(handle, **arrays):
        handle.write(b"PK\x03\x04 partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        _model(2.0).save(path)
    monkeypatch.undo()
    assert _leftovers(tmp_path, {"model.fnn"}) == []
    assert _which(path) == 1.0


def test_an_interrupted_save_leaves_no_temporary_file(tmp_path, monkeypatch):
    def interrupted(handle, **arrays):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _model(1.0).save(tmp_path / "model.fnn")
    assert _leftovers(tmp_path, set()) == []


def test_saving_onto_a_directory_is_refused_and_leaves_nothing(tmp_path):
    (tmp_path / "model.fnn").mkdir()
    with pytest.raises(IsADirectoryError, match="cannot write .*model.fnn: it is a directory"):
        _model(1.0).save(tmp_path / "model.fnn")
    assert _leftovers(tmp_path, {"model.fnn"}) == []
    assert list((tmp_path / "model.fnn").iterdir()) == []


def test_saving_into_a_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="the folder .*nope does not exist"):
        _model(1.0).save(tmp_path / "nope" / "model.fnn")


def test_a_saved_file_gets_the_usual_permissions(tmp_path):
    """The temporary file is created like open() would (0o666 less the umask), not 0o600."""
    umask = os.umask(0o022)
    os.umask(umask)
    _model(1.0).save(tmp_path / "model.fnn")
    assert (tmp_path / "model.fnn").stat().st_mode & 0o777 == 0o666 & ~umask
