"""Lorenz's version: the installed distribution's, else the source tree's."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("lorenz")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"
