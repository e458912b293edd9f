"""Holders and the views of a holder list (computed by :mod:`scoring.views`): raw,
circulating, owners, and — when a wrapper was looked through — beneficial owners."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.categories import BENEFICIAL, VIEWS, Category
from core.scores import GiniBounds, Scores


@dataclass(frozen=True, slots=True)
class Holder:
    """One listed holder: address, balance (token units), label, category and the entity
    its label names ("" when none)."""

    address: str
    balance: float
    label: str = ""
    category: Category = Category.UNLABELED
    label_source: str = ""
    entity: str = ""


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

    Entities (wallets merged only where their labels name one organisation,
    :attr:`core.labels.Label.entity`): ``entity_nakamoto`` is the Nakamoto coefficient
    counting each entity once (``None`` when the listed holders never reach a majority,
    or the view is empty); ``entity_wallets`` listed wallets of the view were merged into
    ``entities`` entities (both 0 when no label in the view names an entity — then
    ``entity_nakamoto`` equals the wallet Nakamoto).
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
    entity_nakamoto: int | None = None
    entities: int = 0
    entity_wallets: int = 0


@dataclass(frozen=True, slots=True)
class LookedThrough:
    """A wrapper whose own holders got its wrapped balance in the beneficial view.

    Attributes:
        address, label: the wrapper (lower-case) and its name.
        wrapped: its balance of the analysed token (token units).
        share: ``wrapped`` over the raw view's denominator (0–1).
        holders_listed: its listed holders that got a share (itself left out).
        supply_covered: the share (0–1) of its supply those holders hold, ``None`` when its
            supply is unknown (then its listed holders were taken as all of it).
        attributed, remainder: token units given to them / left unattributed (held by its
            unlisted holders: in the view's denominator, never scored as one owner).
        source, as_of: where its holder list came from, and when.
    """

    address: str
    label: str
    wrapped: float
    share: float
    holders_listed: int
    supply_covered: float | None
    attributed: float
    remainder: float
    source: str
    as_of: str


@dataclass(frozen=True, slots=True)
class NotLookedThrough:
    """A wrapper or custodian contract among the holders that was *not* looked through:
    its balance's ``share`` of the raw denominator (0–1) and why (``reason``)."""

    address: str
    label: str
    share: float
    reason: str


@dataclass(frozen=True, slots=True)
class ViewSet:
    """The views of one holder list: raw, circulating, owners — and ``beneficial`` when a
    wrapper was looked through (``None`` otherwise).

    ``bounds_problem`` says why the supply and holder count cannot both be right ("" when
    they can, or when either is unknown): e.g. the unlisted holders would each need more
    than the smallest listed balance, so the Gini bounds would be degenerate.
    ``looked_through`` / ``not_looked_through`` say which wrappers the beneficial view
    looked through and which it could not (the latter is filled even when no view was made).
    ``holder_count`` is the token's total number of holders when the holder API reports it
    (``None`` otherwise); the list is truncated when it is larger than the listed count.
    """

    raw: ViewResult
    circulating: ViewResult
    owners: ViewResult
    supply_known: bool
    bounds_problem: str = ""
    beneficial: ViewResult | None = None
    looked_through: tuple[LookedThrough, ...] = ()
    not_looked_through: tuple[NotLookedThrough, ...] = ()
    holder_count: int | None = None

    def __iter__(self):
        views = (self.raw, self.circulating, self.owners)
        return iter(views if self.beneficial is None else (*views, self.beneficial))

    def get(self, name: str) -> ViewResult:
        """The view called ``name`` (``raw``, ``circulating``, ``owners``, or ``beneficial``
        when there is one).

        Raises:
            KeyError: an unknown view, or ``beneficial`` when nothing was looked through.
        """
        if name == BENEFICIAL and self.beneficial is not None:
            return self.beneficial
        if name not in VIEWS:
            raise KeyError(name)
        return getattr(self, name)
