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

Prints one line per kernel and dtype, exits 1 if any kernel fails to compile.
"""
import sys
from types import SimpleNamespace

from numba import cuda
from numba import types as T
from numba.cuda import dispatcher

from fastnn.backends import _cuda_kernels as K
from fastnn.backends import numba_cuda as C


def signatures(dt):
    i64, f64, u64 = T.int64, T.float64, T.uint64
    lay, layf = T.Array(i64, 2, "C"), T.Array(f64, 2, "C")
    vec, mat = T.Array(dt, 1, "C"), T.Array(dt, 2, "C")
    order, hyper = T.Array(i64, 1, "C"), T.Array(f64, 1, "C")
    return {
        "fused": (lay, layf, vec, vec, mat, mat, order, hyper, i64, i64, i64, u64, i64, i64),
        "dense": (lay, layf, vec, vec, vec, mat, order, i64, i64, i64, u64, i64, i64, i64),
        "update": (lay, layf, vec, vec, mat, vec, hyper, i64, i64, i64),
        "loss_rows": (lay, layf, vec, vec, mat, order, hyper, i64, i64, i64),
    }


def main():
    # Kernels that call device functions compile those for the *current* device's compute
    # capability, which needs a driver; without one, pretend the current device is an sm_90.
    dispatcher.get_current_device = lambda: SimpleNamespace(compute_capability=(9, 0))
    failed = 0
    for dt in (T.float32, T.float64):
        kernels = K.build(str(dt), C.TILE, C.FUSED_ROWS, C.FUSED_MAX_WIDTH, C.UPDATE_THREADS)
        for name, sig in signatures(dt).items():
            try:
                ptx, _ = cuda.compile_ptx(getattr(kernels, name).py_func, sig, cc=(9, 0))
                fp64 = ptx.count(".f64")
                print(f"ok    {name:<10} {dt}: {len(ptx.splitlines())} PTX lines, {fp64} f64 ops")
            except Exception as exc:  # report every kernel, not just the first failure
                failed += 1
                print(f"FAIL  {name:<10} {dt}: {type(exc).__name__}: {exc}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
