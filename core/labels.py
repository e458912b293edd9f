"""What is known about an address: a label with its category and source."""

from __future__ import annotations

from dataclasses import dataclass

from core.categories import Category


@dataclass(frozen=True, slots=True)
class Label:
    """A name and category for an address, and where they come from."""

    name: str
    category: Category
    source: str


@dataclass(frozen=True, slots=True)
class LiveLabel:
    """What a holder API said about an address (Blockscout: name, is_contract, public tags)."""

    name: str | None = None
    is_contract: bool | None = None
    tags: tuple[str, ...] = ()
