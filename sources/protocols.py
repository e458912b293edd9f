"""What Lorenz knows about a protocol (:class:`ProtocolRecord`) and the built-in table.

The built-in table (:data:`BUILTIN`) covers the protocols users ask about most, typed in
from ``shared/data/registry/protocol_registry.csv`` (never read at runtime). It settles the
ambiguous cases: parent vs child DefiLlama records (Uniswap is ``parent#uniswap``, Curve is
the child ``curve-dex``) and governance tokens on another chain (OP on Optimism, ARB on
Arbitrum). Fields marked *soft* are the registry's "ASSUMED" facts: a live value beats them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from core.protocol import ProtocolRecord

_WORD = re.compile(r"[a-z0-9]+")


def norm(text: str) -> str:
    """Lower-case words of ``text`` joined by one space ("Curve-DEX!" → "curve dex")."""
    return " ".join(_WORD.findall(text.casefold()))


class Builtin(NamedTuple):
    """A built-in entry: the record, extra names users type, and fields a live value beats."""

    record: ProtocolRecord
    aliases: tuple[str, ...] = ()
    soft: frozenset[str] = frozenset()


def _b(name: str, slug: str, symbol: str, chain: str, address: str, *,
       aliases: tuple[str, ...] = (), soft: Iterable[str] = (), **kw: Any) -> Builtin:
    rec = ProtocolRecord(name=name, slug=slug, symbol=symbol, chain=chain, token_address=address,
                         decimals=18, source="built-in", **kw)
    return Builtin(rec, aliases, frozenset(soft))


#: Source: shared/data/registry/protocol_registry.csv (its verification_notes column). Slugs
#: not given there are our best guess and *soft*: a matching live DefiLlama record replaces them.
BUILTIN: tuple[Builtin, ...] = (
    # slug/record verified (mapping file + DefiLlama docs); address, gecko_id verified.
    _b("Uniswap", "uniswap", "UNI", "ethereum", "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984",
       defillama_id="parent#uniswap", gecko_id="uniswap",
       snapshot_spaces=("uniswapgovernance.eth",), onchain_governance="GovernorBravo (Tally)"),
    # slug/record verified (parent#aave, gecko aave). DefiLlama's governanceID also names
    # snapshot:aave.eth and eip155:1:0xEC568fffba86c094cf06b22134B23074DFE2252c; one public
    # client says the live space is aavedao.eth — try both.
    _b("Aave", "aave", "AAVE", "ethereum", "0x7fc66500c84a76ad7e9c93437bfc5ac33e2ddae9",
       defillama_id="parent#aave", gecko_id="aave", snapshot_spaces=("aave.eth", "aavedao.eth"),
       onchain_governance="Aave Governance V3 (on-chain)"),
    # Standalone record id 182 verified; gecko lido-dao and address verified.
    _b("Lido", "lido", "LDO", "ethereum", "0x5a98fcbea516cf06857215779fd812ca3bef1b32",
       aliases=("lido dao",), defillama_id="182", gecko_id="lido-dao",
       snapshot_spaces=("lido-snapshot.eth",), onchain_governance="Aragon voting"),
    # Child record id 3 "Curve DEX" verified (slug was "curve" in 2022). The parent record for
    # all Curve products exists but its slug was not verified, so the fees cover the DEX only.
    _b("Curve", "curve-dex", "CRV", "ethereum", "0xd533a949740bb3306d119cc777fa900ba034cd52",
       aliases=("curve finance", "curve dao", "curve fi"), defillama_id="3",
       gecko_id="curve-dao-token", snapshot_spaces=("curve.eth",),
       onchain_governance="Aragon/veCRV"),
    # Address, gecko 'maker', 2022 slug 'makerdao' and id 118 verified (2022 cassette). Maker
    # rebranded to Sky (MKR→SKY migration, so MKR supply is inconsistent): the current slug is
    # NOT verified — soft.
    _b("Maker", "makerdao", "MKR", "ethereum", "0x9f8f72aa9304c8b593d555f12ef6589cc3a579a2",
       aliases=("makerdao", "maker dao", "sky", "sky protocol"), soft=("slug",),
       defillama_id="118", gecko_id="maker",
       onchain_governance="Maker/Sky executive votes (on-chain)"),
    # Record 2088 "Compound V3" (a child) verified; address verified; gecko_id ASSUMED.
    _b("Compound", "compound-v3", "COMP", "ethereum", "0xc00e94cb662c3520282e6f5717214004a7f26888",
       aliases=("compound finance",), soft=("gecko_id",), defillama_id="2088",
       gecko_id="compound-governance-token", snapshot_spaces=("comp-vote.eth",),
       onchain_governance="CompoundGovernor (Tally)"),
    # Address verified (DefiLlama treasury adapter ens.js); gecko id from one public client;
    # DefiLlama slug ASSUMED.
    _b("ENS", "ens", "ENS", "ethereum", "0xc18360217d8f7ab5e7c516566761ea12ce7f9d72",
       aliases=("ethereum name service",), soft=("slug", "gecko_id"),
       gecko_id="ethereum-name-service", snapshot_spaces=("ens.eth",),
       onchain_governance="Governor (Tally)"),
    # Address verified; gecko sushi + snapshot:sushigov.eth from an old DefiLlama entry.
    _b("Sushi", "sushi", "SUSHI", "ethereum", "0x6b3595068778dd592e39a122f4f5a5cf09c90fe2",
       aliases=("sushiswap",), soft=("slug",), gecko_id="sushi",
       snapshot_spaces=("sushigov.eth",)),
    # Address + gecko_id verified (CoinGecko docs example, Etherscan label).
    _b("1inch", "1inch", "1INCH", "ethereum", "0x111111111117dc0aa78b770fa6a738034120c302",
       aliases=("1inch network", "oneinch"), soft=("slug",), gecko_id="1inch"),
    # Address verified (Etherscan label); rest ASSUMED.
    _b("Balancer", "balancer", "BAL", "ethereum", "0xba100000625a3754423978a60c9317c58a424e3d",
       soft=("slug",)),
    # Address ASSUMED (not verified).
    _b("Yearn", "yearn-finance", "YFI", "ethereum", "0x0bc529c00c6401aef6d220be8c6ea1667f6ad93e",
       aliases=("yearn finance",), soft=("slug", "token_address")),
    # Address verified (Etherscan label).
    _b("Synthetix", "synthetix", "SNX", "ethereum", "0xc011a73ee8576fb46f5e1c5751ca3b9fe0af2a6f",
       soft=("slug",)),
    # Address verified (Etherscan label, Dune query source).
    _b("The Graph", "the-graph", "GRT", "ethereum", "0xc944e90c64b2c07662a292be6244bdf05cda44a7",
       aliases=("graph", "thegraph", "graph protocol"), soft=("slug",)),
    # ARB lives on Arbitrum One. Address ASSUMED in the registry; space seen in public clients.
    _b("Arbitrum", "arbitrum", "ARB", "arbitrum", "0x912ce59144191c1204e64559fe8253a0e49e6548",
       aliases=("arbitrum dao", "arbitrum one"), soft=("slug",),
       snapshot_spaces=("arbitrumfoundation.eth",), onchain_governance="Governor (Tally)"),
    # OP lives on Optimism (predeploy address verified, Dune query source); space seen once.
    _b("Optimism", "optimism", "OP", "optimism", "0x4200000000000000000000000000000000000042",
       aliases=("op mainnet", "optimism collective"), soft=("slug",),
       snapshot_spaces=("opcollective.eth",)),
)
