"""Where the shared real data lives (beside the repository) and how tests skip without it."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = SHARED / "data"


def shared(path: Path) -> Path:
    """``path`` if the shared data is present, else skip the test with a clear reason."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not present (the shared data sits beside the repository)")
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path
