"""What the data sources need to know: base URLs, keys, limits. Loaded by :mod:`bot.config`.

Keys are wrapped in :class:`Secret` so they never show in a repr, a log line or an error.
Every base URL can point at a mirror or a self-hosted instance (e.g. your own Blockscout).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.secret import Secret

DEFAULT_BLOCKSCOUT: dict[str, str] = {
    "ethereum": "https://eth.blockscout.com",
    "optimism": "https://optimism.blockscout.com",
    "arbitrum": "https://arbitrum.blockscout.com",
    "base": "https://base.blockscout.com",
    "polygon": "https://polygon.blockscout.com",
    "gnosis": "https://gnosis.blockscout.com",
}

#: Keyless public JSON-RPC endpoints, one per chain (overridable in ``[sources.rpc]``).
#: Listed as public endpoints of their operators on Alchemy's Chain Connect pages:
#: Ethereum — PublicNode (alchemy.com/node-providers/public-node), OP Mainnet — Optimism
#: (alchemy.com/node-providers/optimism), Arbitrum One — Arbitrum
#: (alchemy.com/node-providers/arbitrum), Polygon — PublicNode (same page as Ethereum).
DEFAULT_RPC: dict[str, str] = {
    "ethereum": "https://ethereum.publicnode.com",
    "optimism": "https://mainnet.optimism.io",
    "arbitrum": "https://arb1.arbitrum.io/rpc",
    "polygon": "https://polygon-bor.publicnode.com",
}


@dataclass(frozen=True)
class SourcesConfig:
    """Base URLs (no trailing slash), optional keys, and fetch limits.

    Attributes:
        blockscout: per-chain URLs of the keyless per-instance Blockscout API (deprecated
            by Blockscout; used only without ``blockscout_pro_api_key``).
        blockscout_pro_url: the Blockscout PRO API (``{url}/{chain_id}/api/v2/…``), used for
            every chain when ``blockscout_pro_api_key`` is set.
        holders_limit: how many top holders to fetch (Blockscout pages of 50; default 1000).
        keyless_holders_limit: without a PRO key, at most this many are fetched unless a
            caller asks for a number (10 keyless pages of 50: that API is slow, allows
            about 3 requests/s and refuses often).
        proposals: how many recent closed Snapshot proposals to score.
        timeout_seconds: per-request timeout (connect is capped at 5 s).
        cache_dir: where the SQLite HTTP cache lives (``None``: the user cache directory).
        max_body_bytes: a response larger than this is refused as a bad response (bytes).
        rpc: per-chain JSON-RPC URLs for on-chain governance reads (``[sources.rpc]``).
        delegate_holders: how many of the top holders' delegates are read (the lower-bound
            delegate set; at most 1,000).
        delegate_scan_wait: seconds an analysis waits for the background
            ``DelegateVotesChanged`` log scan before answering with what it has (keep it
            well under Discord's 3-second window; 0 = never wait).
    """

    defillama_url: str = "https://api.llama.fi"
    ethplorer_url: str = "https://api.ethplorer.io"
    snapshot_url: str = "https://hub.snapshot.org/graphql"
    blockscout: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_BLOCKSCOUT))
    blockscout_pro_url: str = "https://api.blockscout.com"
    ethplorer_api_key: Secret = field(default_factory=lambda: Secret(""))
    blockscout_pro_api_key: Secret = field(default_factory=lambda: Secret(""))
    snapshot_api_key: Secret = field(default_factory=lambda: Secret(""))
    holders_limit: int = 1000
    keyless_holders_limit: int = 500
    proposals: int = 5
    timeout_seconds: float = 10.0
    cache_dir: Path | None = None
    max_body_bytes: int = 8 * 1024 * 1024
    rpc: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_RPC))
    delegate_holders: int = 200
    delegate_scan_wait: float = 1.5
