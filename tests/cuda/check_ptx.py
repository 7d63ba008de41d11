"""Opt-in check: compile every CUDA kernel of fastnn to PTX for sm_90 (H100/H200), without a GPU.

The CUDA simulator (tests/cuda) runs the kernels as Python and never type-checks them; this script
runs Numba's real CUDA type inference and NVVM code generation, which catches what the simulator
misses (ill-typed stores, unsupported functions, float64 promotions in float32 kernels show in the
PTX).  It is not part of CI because it needs NVIDIA's libnvvm and NVRTC wheels (133 MB download,
~310 MB installed) on every fresh CI machine; run it after changing the kernels::

    pip install --target /tmp/ptx "nvidia-nvvm==13.*" "nvidia-cuda-nvrtc==13.*"
    LD_LIBRARY_PATH=/tmp/ptx/nvidia/cu13/lib PYTHONPATH=/tmp/ptx python tests/cuda/check_ptx.py

(Installed into the environment itself instead, ``pip install nvidia-nvvm nvidia-cuda-nvrtc``,
the libraries are found without the two variables.)  About 30 s on two cores.

Where NVIDIA's ``ptxas`` is on the PATH (any CUDA toolkit), the PTX is also assembled for sm_90
and each kernel's registers are checked against the largest block the back end launches it
with: a block needing more than the 65536 registers of an SM fails at launch, on the GPU only.

Prints one line per kernel and dtype, exits 1 if any kernel fails to compile or to fit.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

from numba import cuda
from numba import types as T
from numba.cuda import dispatcher

from fastnn.backends import _cuda_kernels as K
from fastnn.backends import numba_cuda as C


def signatures(dt):
    """Every kernel of the back end for dtype ``dt`` with the argument types the host passes."""
    i64, f64, u64 = T.int64, T.float64, T.uint64
    lay, layf = T.Array(i64, 2, "C"), T.Array(f64, 2, "C")
    vec, mat = T.Array(dt, 1, "C"), T.Array(dt, 2, "C")
    order, hyper = T.Array(i64, 1, "C"), T.Array(f64, 1, "C")
    name = str(dt)
    fused = K.fused_kernels(name, C.FUSED_ROWS, C.FUSED_MAX_WIDTH, C.FUSED_THREADS * C.FUSED_ROWS)
    epoch = K.fused_kernels(name, C.EPOCH_ROWS, C.FUSED_MAX_WIDTH, C.FUSED_THREADS * C.EPOCH_ROWS)
    return {  # name: (kernel, argument types, most threads a block it is launched with)
        "fused": (fused.fused, (lay, layf, vec, vec, mat, mat, order, hyper, i64, i64, i64, u64,
                                i64, i64), C.FUSED_THREADS * C.FUSED_ROWS),
        "epoch": (epoch.epoch, (lay, layf, vec, vec, mat, vec, mat, mat, order, hyper, i64, i64,
                                i64, u64, i64), C.FUSED_THREADS * C.EPOCH_ROWS),
        "dense": (K.tiled_kernel(name, C.TILE), (lay, layf, vec, vec, vec, mat, order, i64, i64,
                                                 i64, u64, i64, i64, i64), C.TILE * C.TILE),
        "update": (K.update_kernel(C.UPDATE_THREADS), (lay, layf, vec, vec, mat, vec, hyper, i64,
                                                       i64, i64), C.UPDATE_THREADS),
        "loss_rows": (K.loss_rows, (lay, layf, vec, vec, mat, order, hyper, i64, i64, i64),
                      C.LOSS_THREADS),
        "gather": (K.gather, (lay, layf, vec, mat, order, i64, i64, i64, u64, i64),
                   C.ELEMENT_THREADS),
        "epilogue": (K.epilogue, (lay, layf, vec, vec, order, i64, i64, i64, u64, i64, i64, i64),
                     C.ELEMENT_THREADS),
    }


def registers(ptx):
    """``(registers per thread, spilled bytes)`` of the kernel in ``ptx`` by ``ptxas -v`` for
    sm_90, or ``None`` without ptxas.  A ptxas older than the NVVM that wrote the PTX refuses its
    ``.version``; the PTX is then relabelled with the version that ptxas names and assembled again."""
    ptxas = shutil.which("ptxas")
    if ptxas is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "kernel.ptx")
        for _ in range(2):
            path.write_text(ptx)
            report = subprocess.run([ptxas, "-arch=sm_90", "-v", str(path), "-o", os.devnull],
                                    capture_output=True, text=True).stderr
            older = re.search(r"Unsupported \.version \S+; current version is '([\d.]+)'", report)
            if older is None:
                break
            ptx = re.sub(r"^\.version \S+", f".version {older.group(1)}", ptx, flags=re.M)
    used = [int(n) for n in re.findall(r"Used (\d+) registers", report)]
    if not used:
        raise RuntimeError(f"ptxas failed: {report.strip()[-500:]}")
    return max(used), sum(int(n) for n in re.findall(r"(\d+) bytes spill stores", report))


def main():
    # Kernels that call device functions compile those for the *current* device's compute
    # capability, which needs a driver; without one, pretend the current device is an sm_90.
    dispatcher.get_current_device = lambda: SimpleNamespace(compute_capability=(9, 0))
    failed = 0
    for dt in (T.float32, T.float64):
        for name, (kernel, sig, threads) in signatures(dt).items():
            try:
                ptx, _ = cuda.compile_ptx(kernel.py_func, sig, cc=(9, 0),
                                          launch_bounds=kernel.targetoptions.get("launch_bounds"))
                line = f"{name:<10} {dt}: {len(ptx.splitlines())} PTX lines, {ptx.count('.f64')} f64 ops"
                fit = registers(ptx)
                ok = fit is None or fit[0] * threads <= 65536
                if fit is not None:
                    line += (f", {fit[0]} registers x {threads} threads = {fit[0] * threads} "
                             f"of 65536, {fit[1]} bytes spilled")
                failed += not ok
                print(f"{'ok' if ok else 'FAIL':<5} {line}")
            except Exception as exc:  # report every kernel, not just the first failure
                failed += 1
                print(f"FAIL  {name:<10} {dt}: {type(exc).__name__}: {exc}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
