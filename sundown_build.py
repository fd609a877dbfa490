"""The build backend: setuptools', leaving the source tree as it found it.

setuptools builds in the tree it is given: ``pip install .`` left ``build/`` and
``sundown.egg-info`` behind in the checkout. This wraps ``setuptools.build_meta`` and removes
what a wheel or sdist build created there (an editable install keeps its egg-info: pip needs
it). Named in pyproject.toml with ``backend-path = ["."]``; not part of the installed package.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 - every hook the wrapper does not change

LEFTOVERS = ("build", "sundown.egg-info")


@contextmanager
def _tidy() -> Iterator[None]:
    here = Path.cwd()  # the frontend runs the backend in the source tree
    before = {name for name in LEFTOVERS if (here / name).exists()}
    try:
        yield
    finally:
        for name in LEFTOVERS:
            if name not in before:
                shutil.rmtree(here / name, ignore_errors=True)


# pip calls these before building (`pip install .` with build isolation): setuptools answers
# them by running egg_info in the tree, which left sundown.egg-info behind.
def get_requires_for_build_wheel(config_settings=None):
    with _tidy():
        return _setuptools.get_requires_for_build_wheel(config_settings)


def get_requires_for_build_sdist(config_settings=None):
    with _tidy():
        return _setuptools.get_requires_for_build_sdist(config_settings)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    with _tidy():
        return _setuptools.prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with _tidy():
        return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    with _tidy():
        return _setuptools.build_sdist(sdist_directory, config_settings)
