"""Two parts of ``benchmarks/gpu_check.py`` that run in a process of their own:

``env``     what the GPU machine is: nvidia-smi, library versions, what numba-cuda, CuPy and
            PyTorch see (device, driver and runtime versions, TF32 settings);
``tuning``  measurements behind the CUDA back end's two size policies: a narrow network's epoch
            in one block against two launches per batch (``numba_cuda.EPOCH_MAX_WORK``), and
            wide networks with every layer tiled, the default per-layer choice, and every layer
            on cuBLAS (``_cuda_gemm.GEMM_MIN_WORK``); plus the cost of one kernel launch and
            cuBLAS's float32 GEMM speed (the ceiling of the wide rows).

``python -m fastnn.bench.gpu_probe env|tuning OUT.json [--tiny] [--deadline-s S]`` writes one
JSON object to OUT.json, rewritten after every measurement (a part stopped at its time limit
keeps what it measured).  Every probe that fails records its error instead of stopping the part.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback

SMI_QUERY = ("name,driver_version,memory.total,memory.used,clocks.sm,clocks.max.sm,clocks.mem,"
             "power.draw,power.limit,temperature.gpu,utilization.gpu,persistence_mode,compute_mode")


def _guarded(probe):
    """``probe()``, or ``{"error": ...}`` when it raises."""
    try:
        return probe()
    except Exception as exc:  # a probe that fails is a finding, not the end of the part
        return {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=3)}


def _command(argv, timeout_s=30):
    """``{"rc", "output"}`` of a command, or ``{"error"}`` when it is missing or hangs."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s)
    except FileNotFoundError:
        return {"error": f"{argv[0]} not found"}
    except subprocess.TimeoutExpired:
        return {"error": f"{' '.join(argv)} timed out after {timeout_s} s"}
    return {"rc": done.returncode, "output": (done.stdout + done.stderr).strip()}


def _numba_cuda():
    from numba import config, cuda

    from fastnn import backends
    out = {"implementation": getattr(cuda, "implementation", None), "module": cuda.__file__,
           "simulator": bool(config.ENABLE_CUDASIM), "backend": backends.status()["cuda"]}
    if config.ENABLE_CUDASIM or not cuda.is_available():
        return out
    device = cuda.get_current_device()
    name = device.name.decode() if isinstance(device.name, bytes) else str(device.name)
    out.update(device=name, compute_capability=list(device.compute_capability),
               multiprocessors=device.MULTIPROCESSOR_COUNT,
               driver=list(cuda.cudadrv.driver.driver.get_version()),
               runtime=list(cuda.runtime.get_version()))
    return out


def _cupy():
    from fastnn.backends import _cuda_gemm
    out = {"cublas_status": list(_cuda_gemm.status()), "CUPY_TF32": os.environ.get("CUPY_TF32")}
    if out["cublas_status"][0]:
        import cupy
        out.update(version=cupy.__version__, runtime=cupy.cuda.runtime.runtimeGetVersion(),
                   driver=cupy.cuda.runtime.driverGetVersion())
    return out


def _torch():
    import torch
    out = {"version": torch.__version__, "cuda": torch.version.cuda,
           "cuda_available": torch.cuda.is_available(),
           "matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
           "float32_matmul_precision": torch.get_float32_matmul_precision()}
    if out["cuda_available"]:
        out["device"] = torch.cuda.get_device_name(0)
    return out


def environment(write, tiny):
    """The ``env`` part (``tiny`` changes nothing: it is quick everywhere)."""
    from fastnn.bench.machine import cpu_name, versions
    info = {"python": sys.version, "executable": sys.executable, "platform": platform.platform(),
            "cpu": cpu_name(), "logical_cpus": os.cpu_count(),
            "env": {k: v for k, v in os.environ.items()
                    if k.startswith(("CUDA", "NUMBA", "CUPY", "NVIDIA", "FASTNN", "PYTHONPATH"))}}
    write(info)
    info["versions"] = _guarded(versions)
    info["nvidia_smi"] = _command(["nvidia-smi"])
    info["nvidia_smi_query"] = _command(["nvidia-smi", f"--query-gpu={SMI_QUERY}", "--format=csv"])
    write(info)
    for name, probe in (("numba_cuda", _numba_cuda), ("cupy", _cupy), ("torch", _torch)):
        info[name] = _guarded(probe)
        write(info)


# --- tuning --------------------------------------------------------------------------------------


def _problem(sizes, n, act, seed=0):
    """A float32 softmax network ``sizes`` with Glorot weights, ``n`` random rows and labels."""
    import numpy as np

    from fastnn import _spec as S
    from fastnn.bench.data import init_weights
    spec = S.make_spec(sizes, [act] * (len(sizes) - 2) + [S.IDENTITY], loss=S.SOFTMAX_CE)
    params = np.zeros(spec.n_params, np.float32)
    for layer, (W, b) in enumerate(init_weights(sizes, seed)):
        params[spec.w_off[layer]:spec.b_off[layer]] = W.ravel()
        params[spec.b_off[layer]:spec.b_off[layer] + b.size] = b
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0])).astype(np.float32)
    Y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], n)]
    return spec, params, X, Y


def _epoch_seconds(spec, params, X, Y, batch, epochs):
    """``(first epoch s, median of ``epochs`` more)`` of a fresh cuda Engine with plain SGD."""
    import numpy as np

    from fastnn import _spec as S
    from fastnn.backends import numba_cuda
    opt = np.zeros(S.OPT_SIZE)
    opt[S.OPT_CODE], opt[S.OPT_LR] = S.SGD, 0.01
    engine = numba_cuda.Engine(spec, params.copy(), np.zeros((2, spec.n_params), np.float32), X, Y,
                               batch)
    order = np.arange(X.shape[0])
    times = []
    for epoch in range(epochs + 1):
        t0 = time.perf_counter()
        engine.epoch(order, opt, epoch * X.shape[0], 1)       # ends with a device-to-host copy
        times.append(time.perf_counter() - t0)
    return times[0], statistics.median(times[1:])


def _launch_us(tiny):
    """Microseconds per launch, from Python and synchronised once at the end, of an empty kernel
    with one array argument and of one with the fused kernel's 8 arrays and 6 scalars; on a GPU
    also the latter's compiled overload launched without numba's per-call dispatch (what a
    launcher that looks the overload up once would save)."""
    import numpy as np
    from numba import cuda

    @cuda.jit
    def one(a):
        pass

    @cuda.jit
    def fourteen(a, b, c, d, e, f, g, h, i, j, k, m, n, o):
        pass

    arrays = [cuda.to_device(np.zeros(2, np.float32)) for _ in range(8)]
    args14 = arrays + [0, 1, 2, np.uint64(3), 4, 5]
    cases = {"1 array": lambda: one[1, 1](arrays[0]),
             "8 arrays + 6 scalars": lambda: fourteen[1, 1](*args14)}
    fourteen[1, 1](*args14)
    compiled = list(getattr(fourteen, "overloads", {}).values())    # none in the simulator
    if compiled:
        cases["the same, compiled overload launched directly"] = \
            lambda: compiled[0].launch(args14, (1, 1, 1), (1, 1, 1), 0, 0)
    out = {}
    for name, launch in cases.items():
        launch()
        cuda.synchronize()
        n = 20 if tiny else 2000
        t0 = time.perf_counter()
        for _ in range(n):
            launch()
        cuda.synchronize()
        out[name] = round(1e6 * (time.perf_counter() - t0) / n, 2)
    return out


def _sgemm_tflops(n):
    """cuBLAS float32 GEMM speed through CuPy on n x n x n (median of 10 after a warm-up)."""
    import cupy
    a, b = (cupy.random.standard_normal((n, n), dtype=cupy.float32) for _ in range(2))
    c = cupy.empty((n, n), cupy.float32)
    cupy.matmul(a, b, out=c)
    times = []
    for _ in range(10):
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        cupy.matmul(a, b, out=c)
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop) / 1e3)
    return round(2 * n ** 3 / statistics.median(times) / 1e12, 2)


def _patched(module, **values):
    """Set module attributes; returns the old values (to pass back to restore them)."""
    old = {k: getattr(module, k) for k in values}
    for k, v in values.items():
        setattr(module, k, v)
    return old


def _epoch_row(spec, params, X, Y, batch, epochs):
    return dict(zip(("first_s", "epoch_s"), _epoch_seconds(spec, params, X, Y, batch, epochs)))


def tuning(write, tiny, deadline):
    """The ``tuning`` part; stops starting measurements once ``deadline`` (monotonic) has passed."""
    from fastnn import _spec as S
    from fastnn.backends import _cuda_gemm, numba_cuda
    out = {"launch_us": _guarded(lambda: _launch_us(tiny)), "one_block": [], "gemm": [],
           "defaults": {"EPOCH_MAX_WORK": numba_cuda.EPOCH_MAX_WORK,
                        "GEMM_MIN_WORK": _cuda_gemm.GEMM_MIN_WORK}}
    cublas = _cuda_gemm.status()
    out["cublas_sgemm_tflops"] = ({n: _guarded(functools.partial(_sgemm_tflops, n)) for n in (1024, 4096)}
                                  if cublas[0] else {"skipped": cublas[1]})
    write(out)
    epochs = 1 if tiny else 3
    narrow = ([("tiny", (2, 8, 8, 2), S.TANH, (4,))] if tiny else
              [("tiny", (2, 8, 8, 2), S.TANH, (10, 100)),
               ("small", (2, 64, 64, 3), S.RELU, (8, 32, 128, 512))])
    for name, sizes, act, batches in narrow:
        spec, params, X, Y = _problem(sizes, 8 if tiny else 4096, act)
        for batch in batches:
            if time.monotonic() > deadline:
                return
            row = {"net": name, "sizes": list(sizes), "batch": batch,
                   "batch_x_params": batch * spec.n_params,
                   "default": "one-block" if numba_cuda.epoch_in_one_block(spec, batch) else "per-batch"}
            for variant, work in (("one-block", float("inf")), ("per-batch", 0)):
                old = _patched(numba_cuda, EPOCH_MAX_WORK=work)
                try:
                    row[variant] = _guarded(functools.partial(_epoch_row, spec, params, X, Y,
                                                              batch, epochs))
                finally:
                    _patched(numba_cuda, **old)
            out["one_block"].append(row)
            write(out)
    wide = ([("3-5-2", (3, 5, 2), 4)] if tiny else
            [("256x3", (256, 256, 256, 10), 128), ("512x3", (512, 512, 512, 10), 256),
             ("mnist", (784, 256, 128, 10), 128), ("1024x3", (1024, 1024, 1024, 10), 256),
             ("wide", (1024, 2048, 2048, 10), 256)])
    variants = {"tiled": (None, None), "default": (_cuda_gemm.provider, None),
                "cublas": (_cuda_gemm.provider, 0)}     # (gemm_provider, GEMM_MIN_WORK if changed)
    for name, sizes, batch in wide:
        spec, params, X, Y = _problem(sizes, 4 if tiny else 8 * batch, S.RELU)
        row = {"net": name, "sizes": list(sizes), "batch": batch,
               "gemm_layers": [_cuda_gemm.use_gemm(batch, a, b, cublas[0])
                               for a, b in zip(sizes[:-1], sizes[1:])]}
        for variant, (provider, min_work) in variants.items():
            if time.monotonic() > deadline:
                return
            if provider is not None and not cublas[0]:
                row[variant] = {"skipped": cublas[1]}
                continue
            old = _patched(numba_cuda, FUSED_MAX_WIDTH=0, gemm_provider=provider)   # layer path
            old_gemm = {} if min_work is None else _patched(_cuda_gemm, GEMM_MIN_WORK=min_work)
            try:
                row[variant] = _guarded(functools.partial(_epoch_row, spec, params, X, Y, batch,
                                                          epochs))
            finally:
                _patched(numba_cuda, **old)
                _patched(_cuda_gemm, **old_gemm)
        out["gemm"].append(row)
        write(out)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m fastnn.bench.gpu_probe", description=__doc__.split("\n\n")[0])
    p.add_argument("part", choices=("env", "tuning"))
    p.add_argument("out", help="JSON file to write")
    p.add_argument("--tiny", action="store_true", help="smallest shapes (a smoke run in the simulator)")
    p.add_argument("--deadline-s", type=float, default=600.0, help="start no measurement after this")
    args = p.parse_args(argv)
    deadline = time.monotonic() + args.deadline_s

    def write(obj):
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=1, default=str)
        os.replace(tmp, args.out)

    if args.part == "env":
        environment(write, args.tiny)
    else:
        tuning(write, args.tiny, deadline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
