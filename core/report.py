"""The report: everything one answer says, as plain frozen data (no discord, picklable).

Assembled by :mod:`pipeline.assemble`; read by the renderings (:mod:`pipeline.text_report`,
:mod:`pipeline.json_report`), the Discord embeds and :mod:`charts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.fees import FeeReport
from core.governance import GovernanceReport
from core.protocol import ProtocolRecord
from core.verdict import Provenance, Verdict
from core.views import Holder, ViewSet
from core.votes import VoteReport


def token_title(name: str, symbol: str) -> str:
    """``"Uniswap (UNI)"``; just the name when the symbol is empty or the same; the symbol
    when there is no name; ``"unknown token"`` when there is neither."""
    if not name:
        return symbol or "unknown token"
    if not symbol or symbol == name:
        return name
    return f"{name} ({symbol})"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """One data source behind a report: what it gave, who gave it, and when (ISO 8601 UTC).

    ``as_of`` is when the data was fetched (or the date the source states), "" if unknown.
    """

    what: str
    source: str
    as_of: str = ""

    def to_dict(self) -> dict[str, str]:
        """JSON-ready dict (``what``, ``source``, ``as_of``)."""
        return {"what": self.what, "source": self.source, "as_of": self.as_of}


@dataclass(frozen=True, slots=True)
class Report:
    """One answer to "how centralized is X?".

    ``holders`` are sorted by balance, largest first, with labels and categories: a
    :class:`~core.holder_table.HolderTable` when the pipeline made the report (columns;
    ``holders[i]`` and ``holders[:n]`` make :class:`Holder` objects for those rows only),
    or any sequence of holders.
    ``holders``/``views``/``verdict``/``provenance`` are ``None`` when holder data is missing
    (then ``missing`` says why and no verdict is given). ``protocol`` is ``None`` for a
    holder file analysed without a protocol.
    ``parts`` are the parts the question asked for ("holders", "fees", "votes"): a part
    asked for and ``None`` is missing (``missing`` says why); one not asked for is simply
    not part of this answer (``/fees`` asks only for fees).
    """

    name: str
    symbol: str
    holders: Sequence[Holder] | None
    views: ViewSet | None
    verdict: Verdict | None
    provenance: Provenance | None
    protocol: ProtocolRecord | None = None
    fees: FeeReport | None = None
    votes: VoteReport | None = None
    sources: tuple[SourceRef, ...] = ()
    missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    parts: tuple[str, ...] = ("holders", "fees", "votes", "governance")
    governance: GovernanceReport | None = None  # on-chain delegates and quorum

    @property
    def title(self) -> str:
        """"Name (SYM)" by :func:`token_title`."""
        return token_title(self.name, self.symbol)
