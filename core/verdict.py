"""The verdict and its provenance (decided by :mod:`scoring.verdict`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Level(StrEnum):
    """How concentrated a token is, most concentrated first (thresholds: ``scoring.verdict``).

    Charts and embeds key their colours on these members, never on bare strings.
    """

    HIGHLY_CONCENTRATED = "highly concentrated"
    CONCENTRATED = "concentrated"
    MODERATELY_DISTRIBUTED = "moderately distributed"
    BROADLY_DISTRIBUTED = "broadly distributed"



@dataclass(frozen=True, slots=True)
class Provenance:
    """Where the figures come from and what they are relative to."""

    sources: tuple[str, ...]
    as_of: str
    denominator: str
    threshold: str
    exclusions: dict[str, str]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        d = asdict(self)
        d["sources"] = list(self.sources)
        d["notes"] = list(self.notes)
        return d

    def line(self) -> str:
        """The provenance as one line (for a footer)."""
        parts = [
            "Sources: " + ", ".join(self.sources),
            f"holders as of {self.as_of}",
            f"denominator: {self.denominator}",
            self.threshold,
            "owners view leaves out " + self.exclusions.get("owners", "nothing"),
        ]
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Level, one-sentence summary and the reasons behind it.

    ``confidence`` is "high", "medium" or "low" (rules: ``scoring.verdict.CONFIDENCE``).
    ``binding`` names the constraint the headline leads with: "holdings", "delegated
    power" (on-chain delegates reaching quorum) or "votes cast" (Snapshot voters holding a
    majority) — ``scoring.verdict.apply_power``.
    ``level`` is ``None`` when the verdict is withheld; ``withheld`` then says why (and is
    ``None`` otherwise).
    """

    level: Level | None
    summary: str
    basis_view: str
    reasons: tuple[str, ...] = field(default=())
    confidence: str = "low"
    withheld: str | None = None
    binding: str = "holdings"

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"level": self.level, "summary": self.summary, "basis_view": self.basis_view,
                "reasons": list(self.reasons), "confidence": self.confidence,
                "withheld": self.withheld, "binding": self.binding}
