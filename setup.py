"""Packaging beyond pyproject.toml: the GUI package lives in gui/ and installs as ``fastnn_gui``
(a name that cannot collide with other projects' ``gui`` packages)."""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["fastnn", "fastnn.*"])
    + ["fastnn_gui"] + [f"fastnn_gui.{name}" for name in find_packages(where="gui")],
    package_dir={"fastnn_gui": "gui"},
)
