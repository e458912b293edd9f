"""Alert thresholds: the defaults, in one place (a watch may override any of them).

Units: ``top10_points`` in percentage points of the owners view's top-10 share;
``nakamoto_change`` in holders; ``new_member_share`` a fraction of supply (a holder or
delegate entering the top 10 with at least this share); ``quorum_delegates_change`` in
delegates (how many of the largest delegates reach quorum).
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_THRESHOLDS: dict[str, float] = {
    "top10_points": 2.0,
    "nakamoto_change": 1.0,
    "new_member_share": 0.01,
    "quorum_delegates_change": 1.0,
}


def effective(overrides: Mapping[str, float] | None) -> dict[str, float]:
    """The defaults with ``overrides`` applied (unknown keys are ignored)."""
    out = dict(DEFAULT_THRESHOLDS)
    for key, value in (overrides or {}).items():
        if key in out:
            out[key] = float(value)
    return out
