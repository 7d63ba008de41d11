"""Packaging beyond pyproject.toml: the GUI package lives in gui/ and installs as ``fastnn_gui``
(a name that cannot collide with other projects' ``gui`` packages), and the optional Cython
extension of the ``cython`` back end.

The extension is optional: without Cython, SciPy's BLAS declarations or a C compiler the install
still succeeds (fastnn then trains on Numba or NumPy).  Two environment switches:
``FASTNN_NO_EXT=1`` skips the extension; ``FASTNN_REQUIRE_EXT=1`` makes a failed build an error
(CI uses it so the compiled path is always tested).
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
