"""Holder categories and which view leaves each of them out (DESIGN.md §2).

A category says *what kind of holder* an address is. It comes only from labels — built-in
facts (:mod:`pipeline.known_addresses`), live labels from the holder API, or user label
files — never from the size of a balance. An address nobody labelled stays ``UNLABELED``
(or ``UNLABELED_CONTRACT`` when the holder API says it is a contract).
"""

from __future__ import annotations

import re
from enum import StrEnum


class Category(StrEnum):
    """What kind of holder an address is."""

    BURN = "burn"  # burn/null addresses: tokens nobody can move
    TREASURY = "treasury"  # DAO treasury, timelock, governance executor, foundation reserve
    VESTING = "vesting"  # vesting / token-lock contracts
    UNDISTRIBUTED = "undistributed"  # distributors, reward reservoirs, airdrop contracts
    EXCHANGE = "exchange"  # centralised exchanges' hot and cold wallets
    BRIDGE = "bridge"  # bridges and L2 gateways / escrows holding for users elsewhere
    STAKING = "staking"  # staking and vote-escrow wrappers (stkAAVE, veCRV, DSChief)
    LENDING = "lending"  # lending-pool tokens holding deposits (aTokens, cTokens)
    AMM_POOL = "amm_pool"  # AMM pools and vaults (Uniswap pairs, Balancer vault)
    FUND = "fund"  # named owners: funds, companies, market makers, team multisigs
    MULTISIG = "multisig"  # a Safe multisig whose signers nobody named: an owner
    OTHER = "other"  # labelled, but the label does not say which kind (counted as an owner)
    UNLABELED_CONTRACT = "unlabeled_contract"  # a contract nobody labelled
    WALLET = "wallet"  # an externally owned account (not a contract), no label
    UNLABELED = "unlabeled"  # nothing known about the address


#: Left out of the *circulating* view: supply that is not in anybody's hands.
NOT_CIRCULATING: frozenset[Category] = frozenset(
    {Category.BURN, Category.TREASURY, Category.VESTING, Category.UNDISTRIBUTED}
)

#: Also left out of the *owners* view: custodians that hold for many people.
CUSTODIANS: frozenset[Category] = frozenset(
    {Category.EXCHANGE, Category.BRIDGE, Category.STAKING, Category.LENDING, Category.AMM_POOL}
)

#: The optional view of beneficial owners: wrappers looked through (DESIGN.md §2).
BENEFICIAL = "beneficial"

#: What each view leaves out. The beneficial view leaves out what the owners view does,
#: among the wrappers' holders too.
VIEW_EXCLUSIONS: dict[str, frozenset[Category]] = {
    "raw": frozenset(),
    "circulating": NOT_CIRCULATING,
    "owners": NOT_CIRCULATING | CUSTODIANS,
    BENEFICIAL: NOT_CIRCULATING | CUSTODIANS,
}

#: The views every holder list has (the beneficial view exists only when a wrapper was
#: looked through).
VIEWS: tuple[str, ...] = ("raw", "circulating", "owners")


#: Categories that say nothing about who holds: counted as *unidentified* in a view's
#: ``identified_share`` (a wallet or contract nobody labelled).
UNIDENTIFIED: frozenset[Category] = frozenset(
    {Category.WALLET, Category.UNLABELED, Category.UNLABELED_CONTRACT}
)


def is_identified(category: Category) -> bool:
    """Whether a label says who or what holds (any category but :data:`UNIDENTIFIED`)."""
    return category not in UNIDENTIFIED


def in_view(category: Category, view: str) -> bool:
    """Whether ``view`` keeps holders of ``category`` (the one place that decides it).

    Raises:
        KeyError: for an unknown view (not one of :data:`VIEWS`).
    """
    return category not in VIEW_EXCLUSIONS[view]

_SYNONYMS: dict[str, Category] = {
    "burn": Category.BURN,
    "null": Category.BURN,
    "dead": Category.BURN,
    "treasury": Category.TREASURY,
    "timelock": Category.TREASURY,
    "dao": Category.TREASURY,
    "dao-funds": Category.TREASURY,
    "governance": Category.TREASURY,
    "foundation": Category.TREASURY,
    "vesting": Category.VESTING,
    "token-lock": Category.VESTING,
    "distributor": Category.UNDISTRIBUTED,
    "undistributed": Category.UNDISTRIBUTED,
    "airdrop": Category.UNDISTRIBUTED,
    "airdrop-distributor": Category.UNDISTRIBUTED,
    "reservoir": Category.UNDISTRIBUTED,
    "exchange": Category.EXCHANGE,
    "cex": Category.EXCHANGE,
    "hot-wallet": Category.EXCHANGE,
    "cold-wallet": Category.EXCHANGE,
    "bridge": Category.BRIDGE,
    "layer-2": Category.BRIDGE,
    "staking": Category.STAKING,
    "escrow": Category.STAKING,
    "lending": Category.LENDING,
    "amm": Category.AMM_POOL,
    "amm-pool": Category.AMM_POOL,
    "pool": Category.AMM_POOL,
    "dex": Category.AMM_POOL,
    "fund": Category.FUND,
    "multisig": Category.MULTISIG,
    "safe": Category.MULTISIG,
    "company-funds": Category.FUND,
    "market-maker": Category.FUND,
    "unlabeled-contract": Category.UNLABELED_CONTRACT,
    "contract": Category.UNLABELED_CONTRACT,
    "wallet": Category.WALLET,
    "eoa": Category.WALLET,
    "other": Category.OTHER,
    "protocol-contract": Category.OTHER,  # curated files: a protocol's contract, kind not said
    "unlabeled": Category.UNLABELED,
    "unknown": Category.UNLABELED,
}

#: Centralised exchanges whose Etherscan label keys or names mark an exchange wallet.
EXCHANGE_NAMES: frozenset[str] = frozenset(
    {
        "binance", "coinbase", "kraken", "okx", "okex", "kucoin", "gemini", "bitfinex",
        "gate-io", "gate.io", "crypto-com", "crypto.com", "bitstamp", "bithumb", "upbit",
        "bitget", "poloniex", "bittrex", "ftx", "nexo", "blockfi", "celsius-network",
        "deribit", "hitbtc", "korbit", "coinone", "huobi", "htx", "bybit", "mexc", "robinhood",
    }
)

# Keyword rules on a label's *name* (never on a balance), tried in order; first match wins.
_NAME_RULES: tuple[tuple[re.Pattern[str], Category], ...] = (
    # A DEX's pair/pool named by its tokens ("SushiSwap: UNI-BURN", "Balancer: ETH/cDAI
    # 50/50") is a pool, whatever the token names say (BURN, cDAI, aETH…).
    (re.compile(r"^(sushiswap|uniswap v[234]|balancer|curve\.fi|bancor)\s*:\s*\S+[-/]\S",
                re.I), Category.AMM_POOL),
    (re.compile(r"\b(null|burn|dead)\b", re.I), Category.BURN),
    (re.compile(r"vesting|token ?lock|timelock escrow", re.I), Category.VESTING),
    (re.compile(r"treasury|timelock|collector|pause proxy|ecosystem reserve|dao wallet", re.I),
     Category.TREASURY),
    (re.compile(r"distributor|airdrop|reservoir|merkle|rewards? (pool|vault)", re.I),
     Category.UNDISTRIBUTED),
    # "cBridge", "RenBridge", "Token Bridge" — but not "Bridgewater", "BridgeTower", "Abridged".
    # Bridges and L1/L2 gateways — not every "gateway" (Aave's WETH Gateway, Nifty Gateway).
    (re.compile(r"bridge(?![a-z])|l[12] escrow|gateway router|"
                r"\b(l1|l2|erc-?20|custom|token|standard)\b[^:]*\bgateway\b", re.I),
     Category.BRIDGE),
    (re.compile(r"staked|staking|voting escrow|governance contract|\bchief\b", re.I),
     Category.STAKING),
    (re.compile(r"\bve[A-Z]{2,}\b"), Category.STAKING),  # veCRV, veBAL (case-sensitive)
    (re.compile(r"lending pool|\batoken|\bctoken", re.I), Category.LENDING),
    # aAAVE, aEthAAVE, cUNI (case-sensitive)
    (re.compile(r"\ba(Eth|Arb|Opt|Pol)?[A-Z]{2,}\b|\bc[A-Z]{3,}\b"), Category.LENDING),
    (re.compile(r"\b(pool|pair|vault|uniswap v[234]|sushiswap|lp)\b", re.I), Category.AMM_POOL),
)


#: What a *verified contract's compiled name* (or its proxy implementation's) says it is —
#: the rules for contracts the holder API names but no label covers (DESIGN.md §2,
#: LABEL_SOURCES.md item 6). Matched on the whole name, first rule wins. A contract whose
#: name matches none stays ``UNLABELED_CONTRACT`` ("unidentified contract"). Names are
#: Solidity/Vyper contract names as Blockscout reports them.
CONTRACT_RULES: tuple[tuple[re.Pattern[str], Category], ...] = (
    # Safe (Gnosis Safe) proxies and singletons: a multisig wallet — an owner
    (re.compile(r"(Gnosis)?Safe(L2)?(Proxy)?(_v\d[\d_]*)?"), Category.MULTISIG),
    # timelocks and governance executors hold a DAO's funds
    (re.compile(r"\w*Timelock(Controller)?\w*|Executor(V\d)?|Collector(V\d)?"),
     Category.TREASURY),
    (re.compile(r"\w*(Vesting|TokenLock)\w*"), Category.VESTING),
    (re.compile(r"\w*(MerkleDistributor|Airdrop|Reward(s)?(Distributor|Controller|Pool)?)\w*"),
     Category.UNDISTRIBUTED),
    (re.compile(r"\w*(Bridge|Gateway|BridgeEscrow|Portal)\w*"), Category.BRIDGE),
    (re.compile(r"Staked\w*|\w*VotingEscrow\w*|\w*Staking\w*"), Category.STAKING),
    (re.compile(r"AToken\w*|CErc20\w*|CEther|Comet\w*|Morpho\w*|\w*LendingPool\w*"),
     Category.LENDING),
    (re.compile(r"UniswapV[234]P(ool|air)|\w*Pair|\w*Pool|Vault|\w*StableSwap\w*|"
                r"Curve\w*(Swap|Crypto)\w*"), Category.AMM_POOL),
)


def category_from_contract(*names: str | None) -> Category | None:
    """Category of a contract from its compiled name and/or its implementation's name
    (:data:`CONTRACT_RULES`, whole-name matches, the first name that matches wins), or
    ``None`` when no rule matches."""
    for name in names:
        if not name:
            continue
        for pattern, category in CONTRACT_RULES:
            if pattern.fullmatch(name.strip()):
                return category
    return None


def parse_category(text: str) -> Category:
    """Map a category word from a label file (``"cex"``, ``"timelock"``, ``"staking"``…).

    Raises:
        ValueError: for a word that is not a known category or synonym.
    """
    key = re.sub(r"[\s_]+", "-", text.strip().lower())
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    try:
        return Category(key.replace("-", "_"))
    except ValueError:
        raise ValueError(f"unknown category {text!r}") from None


def category_from_label(name: str, tags: tuple[str, ...] = ()) -> Category | None:
    """Category implied by a label's name and tags, or ``None`` when nothing is implied.

    Tags are Etherscan-style keys (``"binance"``, ``"bridge"``, ``"burn"``…); the name is a
    human label (``"Binance 8"``, ``"Aave: Staked Aave"``). Exchange keys win, then the
    explicit category tags, then the keyword rules on the name.
    """
    lowered = tuple(re.sub(r"[\s_]+", "-", t.strip().lower()) for t in tags)
    if any(t in EXCHANGE_NAMES for t in lowered):
        return Category.EXCHANGE
    for t in lowered:
        if t in _SYNONYMS and _SYNONYMS[t] not in (Category.UNLABELED, Category.WALLET):
            return _SYNONYMS[t]
    first_word = re.split(r"[\s:]+", name.strip().lower(), maxsplit=1)[0] if name else ""
    if first_word in EXCHANGE_NAMES:
        return Category.EXCHANGE
    for pattern, category in _NAME_RULES:
        if pattern.search(name):
            return category
    return None


#: How each category is named to users (embeds, chart keys). Unlabelled addresses say so:
#: an externally owned account nobody labelled is an "unlabeled wallet", not a "wallet".
CATEGORY_WORDS: dict[Category, str] = {
    Category.TREASURY: "treasury",
    Category.BURN: "burn",
    Category.VESTING: "vesting",
    Category.UNDISTRIBUTED: "undistributed",
    Category.EXCHANGE: "exchange",
    Category.BRIDGE: "bridge",
    Category.STAKING: "staking/escrow",
    Category.LENDING: "lending pool",
    Category.AMM_POOL: "AMM pool",
    Category.FUND: "fund",
    Category.MULTISIG: "Safe multisig",
    Category.OTHER: "other (labelled)",
    Category.UNLABELED_CONTRACT: "unlabeled contract",
    Category.WALLET: "unlabeled wallet",
    Category.UNLABELED: "unlabeled",
}
