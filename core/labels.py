"""What is known about an address: a label with its category and source."""

from __future__ import annotations

from dataclasses import dataclass

from core.categories import Category


@dataclass(frozen=True, slots=True)
class Label:
    """A name and category for an address, and where they come from.

    ``entity`` names the organisation the label says holds the address ("Binance" for
    "Binance 8" and "Binance 14"), "" when the label names none; wallets are merged into
    an entity only by this field, never by guess. ``chain`` is the chain the label is true
    on ("ethereum", "optimism"…), "" for a label that holds on any chain.
    """

    name: str
    category: Category
    source: str
    entity: str = ""
    chain: str = ""


@dataclass(frozen=True, slots=True)
class LiveLabel:
    """What a holder API said about an address (Blockscout: name, is_contract, public tags).

    ``name`` is the contract name for a verified contract (or an ENS/public name);
    ``implementation`` the name of a proxy's implementation ("GnosisSafe" behind a
    "GnosisSafeProxy"); ``is_verified`` whether the contract's source is verified; each
    ``None`` when the API did not say.
    """

    name: str | None = None
    is_contract: bool | None = None
    tags: tuple[str, ...] = ()
    is_verified: bool | None = None
    implementation: str | None = None
