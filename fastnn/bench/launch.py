"""Start one benchmark worker in a fresh Python process and collect its result rows.

Each implementation runs in its own process so that thread pools (OpenMP, OpenBLAS, MKL, XLA) of
one library never spin next to another's, and so that thread limits can be set in the environment
before any library starts its pool.  The task goes in as a JSON file; the worker appends one JSON
line per finished row to a result file, so rows finished before a timeout are kept.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

WORKER = Path(__file__).with_name("worker.py")
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the directory that contains fastnn/

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMBA_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def worker_env(threads, extra=None):
    """The environment for a worker limited to ``threads`` threads (plus ``extra`` variables);
    ``threads`` None leaves every library its own default (and the caller's environment)."""
    env = dict(os.environ)
    for var in _THREAD_VARS if threads else ():
        env[var] = str(threads)
    if threads == 1:  # XLA ignores OMP_*; the worker's CPU affinity is the cap that always holds
        flags = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {flags}".strip()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH")) if p)
    env.update(extra or {})
    return env


def run_worker(task, threads, extra_env=None, timeout_s=600):
    """Run ``task`` (a JSON-ready dict) in a fresh worker process.

    Returns ``(rows, error)``: the rows the worker wrote (dicts), and ``None`` or a message when
    the process timed out or exited with an error.  The worker's stderr (progress lines,
    tracebacks) goes straight to this process's stderr.
    """
    with tempfile.TemporaryDirectory(prefix="fastnn-bench-") as tmp:
        task_file, result_file = Path(tmp, "task.json"), Path(tmp, "rows.jsonl")
        task_file.write_text(json.dumps(task))
        result_file.touch()
        proc = subprocess.Popen([sys.executable, str(WORKER), str(task_file), str(result_file)],
                                env=worker_env(threads, extra_env), stdout=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=timeout_s)
            error = None if code == 0 else f"worker exited with code {code}"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the worker's own session: it and its children only
            proc.wait()
            error = f"timed out after {timeout_s} s"
        except BaseException:               # Ctrl-C or a signal: the worker must not outlive us
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        rows = [json.loads(line) for line in result_file.read_text().splitlines() if line.strip()]
    return rows, error
