"""``fastnn info``: what this installation can use — version, back ends, threads, CPU, GPU."""
from __future__ import annotations

import os
import platform
import shutil
import subprocess

from .. import __version__, backends, get_num_threads


def cpu_name():
    """The CPU model from /proc/cpuinfo (Linux), else what :mod:`platform` knows."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def gpu_names():
    """NVIDIA GPU names from ``nvidia-smi``; an empty list when there is none or no driver."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.strip()] if out.returncode == 0 else []


def run(args):
    print(f"fastnn {__version__} (Python {platform.python_version()}, {platform.system()} "
          f"{platform.machine()})")
    print("back ends:")
    for name, (ok, reason) in backends.status().items():
        print(f"  {name:<7} {'available' if ok else 'unavailable: ' + reason}")
    print(f"default back end: {backends.resolve(None)}")
    print(f"threads: {get_num_threads()} (fastnn.set_num_threads); {os.cpu_count()} logical CPUs")
    print(f"CPU: {cpu_name()}")
    gpus = gpu_names()
    print(f"GPU: {', '.join(gpus) if gpus else 'none found (no nvidia-smi or no NVIDIA GPU)'}")
    return 0
