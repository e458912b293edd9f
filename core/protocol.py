"""What Lorenz knows about one protocol (built-in table and DefiLlama's list)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ProtocolRecord:
    """One protocol as Lorenz knows it.

    Attributes:
        name: display name ("Uniswap").
        slug: DefiLlama slug for ``/summary/fees/{slug}`` ("uniswap", "curve-dex").
        parent: DefiLlama parent id of a child record ("parent#uniswap"), else None.
        symbol: governance token symbol ("UNI"), "" when none is known.
        category: DefiLlama category ("Dexes"), "" when unknown.
        chain: chain of the governance token ("ethereum", "optimism", "arbitrum"…), "" if none.
        token_address: lower-case token contract address, or None.
        decimals: token decimals, or None (``/protocols`` does not say; holder APIs do).
        gecko_id: CoinGecko id, or None.
        snapshot_spaces: Snapshot space ids, most likely first.
        onchain_governance: "" or a description / CAIP-10 governor ("eip155:1:0x…").
        defillama_id: DefiLlama record id ("parent#uniswap", "3"), "" for built-in only.
        source: "built-in", "defillama" or "built-in+defillama".
    """

    name: str
    slug: str
    parent: str | None = None
    symbol: str = ""
    category: str = ""
    chain: str = ""
    token_address: str | None = None
    decimals: int | None = None
    gecko_id: str | None = None
    snapshot_spaces: tuple[str, ...] = ()
    onchain_governance: str = ""
    defillama_id: str = ""
    source: str = "defillama"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (``snapshot_spaces`` as a list)."""
        d = asdict(self)
        d["snapshot_spaces"] = list(self.snapshot_spaces)
        return d

    @property
    def is_builtin(self) -> bool:
        """True when the built-in table contributed to this record."""
        return self.source.startswith("built-in")
