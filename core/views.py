"""Holders and the three views of a holder list (computed by :mod:`scoring.views`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.categories import VIEWS, Category
from core.scores import GiniBounds, Scores


@dataclass(frozen=True, slots=True)
class Holder:
    """One listed holder: address, balance (token units), label and category."""

    address: str
    balance: float
    label: str = ""
    category: Category = Category.UNLABELED
    label_source: str = ""


@dataclass(frozen=True, slots=True)
class Exclusion:
    """What a view left out: how many listed holders and what share of the raw denominator."""

    count: int
    share: float
    by_category: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ViewResult:
    """The scores of one view, or ``None`` when nothing is left in it.

    ``gini_all`` bounds the Gini of all holders of the view (``None`` unless the list is
    truncated and both the holder count and the supply are known).

    Identification (categories outside :data:`core.categories.UNIDENTIFIED`):
    ``identified_share`` is the share (0–1) of the view's *listed* balance held by
    identified addresses; ``top10_identified_share`` the same over the view's 10 largest
    listed holders, of whom ``top10_unidentified`` (of ``top10_count``) are unidentified.
    The shares are ``None`` when the view lists no positive balance.
    """

    name: str
    scores: Scores | None
    excluded: Exclusion
    denominator: float
    gini_all: GiniBounds | None = None
    identified_share: float | None = None
    top10_identified_share: float | None = None
    top10_unidentified: int = 0
    top10_count: int = 0


@dataclass(frozen=True, slots=True)
class ViewSet:
    """The three views of one holder list.

    ``bounds_problem`` says why the supply and holder count cannot both be right ("" when
    they can, or when either is unknown): e.g. the unlisted holders would each need more
    than the smallest listed balance, so the Gini bounds would be degenerate.
    """

    raw: ViewResult
    circulating: ViewResult
    owners: ViewResult
    supply_known: bool
    bounds_problem: str = ""

    def __iter__(self):
        return iter((self.raw, self.circulating, self.owners))

    def get(self, name: str) -> ViewResult:
        """The view called ``name`` (``raw``, ``circulating`` or ``owners``)."""
        if name not in VIEWS:
            raise KeyError(name)
        return getattr(self, name)
