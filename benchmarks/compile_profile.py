"""Where the first ``fit``'s compile time goes, from Numba's event API.

Runs the tiny workload's first one-epoch ``fit`` (2-8-8-2 tanh, softmax cross-entropy, SGD,
batch 10) in a fresh interpreter with an empty ``NUMBA_CACHE_DIR`` and prints every function Numba
compiled with its wall time (nested compiles are inside their caller's time), then the compiler
passes of the main kernel.  The process CPU time is printed too: on a shared machine it moves
less with the load than the wall time does.  From the repository root::

    python benchmarks/compile_profile.py            # cold: an empty cache
    python benchmarks/compile_profile.py --warm     # the same, run twice in one cache dir
"""
import argparse
import os
import subprocess
import sys
import tempfile

PROBE = r"""
import time
t0 = time.perf_counter()
import numpy as np
import fastnn
from numba.core import registry
from numba.core.event import Listener, install_listener
t_import = time.perf_counter() - t0
starts, compiled = {}, []

class Compiles(Listener):
    def on_start(self, event):
        starts[id(event.data["dispatcher"])] = time.perf_counter()

    def on_end(self, event):
        d = event.data["dispatcher"]
        compiled.append((time.perf_counter() - starts[id(d)], f"{d.py_func.__module__}."
                         f"{d.py_func.__qualname__}", d))

X, y = fastnn.datasets.circles(500, seed=0)
with install_listener("numba:compile", Compiles()):
    net = fastnn.Sequential([fastnn.Dense(8, activation="tanh"),
                             fastnn.Dense(8, activation="tanh"), fastnn.Dense(2)], input_dim=2)
    net.compile(loss="softmax_cross_entropy", optimizer=fastnn.optim.SGD(lr=0.1))
    wall, cpu = time.perf_counter(), time.process_time()
    net.fit(X, y, epochs=1, batch_size=10, verbose=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(f"import fastnn {t_import:.2f} s; first fit {wall:.2f} s wall, {cpu:.2f} s CPU; "
      f"{len(compiled)} functions compiled")
for seconds, name, _ in compiled:
    print(f"  {seconds:6.2f} s  {name}")
kernels = [d for _, name, d in compiled if name.endswith("kernel.<locals>.run")]
for sig in kernels[0].signatures if kernels else ():
    meta = kernels[0].get_metadata(sig)
    print("main kernel: compiler lock %.2f s, LLVM %.2f s; passes:" % (
        meta["timers"]["compiler_lock"], meta["timers"]["llvm_lock"]))
    passes = meta["pipeline_times"]["nopython"].items()
    for name, t in sorted(passes, key=lambda kv: -(kv[1].init + kv[1].run + kv[1].finalize))[:8]:
        print(f"  {t.init + t.run + t.finalize:6.2f} s  {name}")
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", action="store_true", help="run twice in one cache dir")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fastnn-compile-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for run in ("cold", "warm") if args.warm else ("cold",):
            print(f"--- {run} (NUMBA_CACHE_DIR={cache})", flush=True)
            subprocess.run([sys.executable, "-c", PROBE], env=env, check=True)


if __name__ == "__main__":
    main()
