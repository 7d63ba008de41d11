"""Packaging beyond pyproject.toml: the GUI package lives in gui/ and installs as ``fastnn_gui``
(a name that cannot collide with other projects' ``gui`` packages), and the optional Cython
extension of the ``cython`` back end.

The extension is optional: without Cython, SciPy's BLAS declarations or a C compiler the install
still succeeds (fastnn then trains on Numba or NumPy).  It is compiled for the CPU it is built on
(``-march=native``: AVX2/AVX-512 where there is one, as Numba's JIT does; MNIST trained 1.7x
faster than with the x86-64 baseline's SSE2 on a Zen 4 machine), falling back to the portable
flags where the compiler refuses that.  Three environment switches: ``FASTNN_NO_EXT=1`` skips the
extension; ``FASTNN_REQUIRE_EXT=1`` makes a failed build an error (CI uses it so the compiled
path is always tested); ``FASTNN_PORTABLE=1`` builds for any CPU of the architecture (for a wheel
that other machines will install).
"""
import os

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """``build_ext`` that reports a failed extension build and carries on, unless it is required.

    Setuptools hands ``.pyx`` sources to Cython's ``build_ext`` when Cython is installed, so a
    Cython error, a missing ``scipy/linalg/cython_blas.pxd`` and a compiler error all end here.
    """

    def run(self):
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any failure means "no compiled back end"
            self._fallback(exc)

    def build_extension(self, ext):
        portable = list(ext.extra_compile_args)
        unix = getattr(self.compiler, "compiler_type", None) == "unix"     # gcc or clang
        if os.environ.get("FASTNN_PORTABLE") != "1" and unix:
            ext.extra_compile_args = portable + ["-march=native"]
            try:
                super().build_extension(ext)
                return
            except Exception as exc:  # noqa: BLE001 - e.g. a compiler without -march=native
                print(f"fastnn: building the Cython kernels for this CPU failed "
                      f"({type(exc).__name__}: {exc}); building them for any CPU")
                ext.extra_compile_args = portable
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            self._fallback(exc)

    @staticmethod
    def _fallback(exc):
        if os.environ.get("FASTNN_REQUIRE_EXT") == "1":
            raise RuntimeError(f"FASTNN_REQUIRE_EXT=1 but the Cython extension failed to build: "
                               f"{exc}") from exc
        print(f"fastnn: cython back end unavailable, using fallback ({type(exc).__name__}: {exc})")


def extensions():
    """The Cython kernels, unless ``FASTNN_NO_EXT=1``."""
    if os.environ.get("FASTNN_NO_EXT") == "1":
        return []
    return [Extension(
        "fastnn.backends._cython_kernels", ["fastnn/backends/_cython_kernels.pyx"],
        # -fno-math-errno lets gcc vectorise the optimizer's sqrt loops.
        extra_compile_args=["-O3", "-fno-math-errno"],
        optional=os.environ.get("FASTNN_REQUIRE_EXT") != "1",
    )]


setup(
    packages=find_packages(include=["fastnn", "fastnn.*"])
    + ["fastnn_gui"] + [f"fastnn_gui.{name}" for name in find_packages(where="gui")],
    package_dir={"fastnn_gui": "gui"},
    ext_modules=extensions(),
    cmdclass={"build_ext": OptionalBuildExt},
)
