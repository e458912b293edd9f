"""Concentration scores of one list of balances (computed by :mod:`scoring.metrics`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: Nakamoto threshold: the smallest group holding *strictly more* than this share.
NAKAMOTO_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Scores:
    """Concentration of one list of balances against one denominator.

    Attributes:
        holders: number of listed holders with a positive balance (n).
        denominator: what shares are taken of, in token units.
        coverage: listed sum / denominator, in [0, 1].
        top1_share, top10_share, top100_share: share of the denominator held by the 1, 10
            and 100 largest listed holders (fewer when fewer are listed), in [0, 1].
        nakamoto: smallest k whose top-k balances hold strictly more than half the
            denominator; ``None`` when the listed holders never get there.
        nakamoto_lower_bound: ``nakamoto`` when it was found, else n + 1 (at least that
            many holders are needed, the listed ones are not enough).
        hhi: Herfindahl–Hirschman index Σ sᵢ² on the 0–1 scale (×10,000 for the antitrust
            scale), with sᵢ = bᵢ / denominator.
        effective_holders: 1 / hhi — "as if this many equal owners".
        gini: Gini coefficient of the listed balances, in [0, 1 − 1/n].
        theil: Theil-T index of the listed balances (natural log), in [0, ln n].
        entropy_bits: Shannon entropy of the listed shares (log base 2), in [0, log₂ n].
    """

    holders: int
    denominator: float
    coverage: float
    top1_share: float
    top10_share: float
    top100_share: float
    nakamoto: int | None
    nakamoto_lower_bound: int
    hhi: float
    effective_holders: float
    gini: float
    theil: float
    entropy_bits: float

    def to_dict(self) -> dict[str, float | int | None]:
        """The fields as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class GiniBounds:
    """Bounds on the Gini coefficient of *all* holders when only the top n are listed.

    ``low`` spreads the unlisted remainder evenly; ``high`` packs it into as few holders as
    possible (see :func:`gini_bounds`). Both are in [0, 1].
    """

    low: float
    high: float
