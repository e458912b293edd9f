"""The protocol directory: which protocol a user means, its DefiLlama slug and its token.

Two layers, merged:

* a small **built-in table** (:data:`BUILTIN`) for the protocols users ask about most, typed
  in from ``shared/data/registry/protocol_registry.csv`` (never read at runtime). It settles
  the ambiguous cases: parent vs child DefiLlama records (Uniswap is ``parent#uniswap``, Curve
  is the child ``curve-dex``), and governance tokens that live on another chain (OP on
  Optimism, ARB on Arbitrum);
* DefiLlama's ``GET /protocols`` list (thousands of entries, cached for a day), with the parent
  records it does not list synthesised from the children's ``parentProtocol``.

The built-in table wins on every field it sets, except fields marked *soft* (the registry's
"ASSUMED" facts), where a live value wins. Lookups never touch the network:
:meth:`Directory.search` (autocomplete), :meth:`Directory.lookup` and
:meth:`Directory.find_in_text`; only :meth:`Directory.resolve` may load the list first.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any, NamedTuple

from rapidfuzz import fuzz, process

from sources.config import SourcesConfig
from sources.errors import BadResponse, ProtocolNotFound, SourceError, SourceUnavailable
from sources.holders import normalize_chain
from sources.http import TTL_DIRECTORY, HttpClient

log = logging.getLogger(__name__)

#: The real ``/protocols`` body is large (every protocol, with TVL per chain); refuse above
#: this many bytes.
MAX_DIRECTORY_BYTES = 64 * 1024 * 1024
#: After a failed load, wait this long (seconds) before :meth:`Directory.resolve` tries again.
RETRY_LOAD_AFTER = 300.0
#: Longest query :meth:`Directory.resolve` accepts (characters).
MAX_QUERY_CHARS = 100
#: rapidfuzz ``WRatio`` score (0–100) a fuzzy match needs to resolve, and to be suggested.
FUZZY_CUTOFF = 85.0
SUGGEST_CUTOFF = 60.0

_EVM_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_WORD = re.compile(r"[a-z0-9]+")
#: Trailing words that name a version or a generic suffix: "aave v3" → "aave".
_SUFFIX = re.compile(r"^(v\d+|\d+|protocol|finance|fi|dao|network|exchange|labs|governance|"
                     r"token|dex|app|lending|amm|pools?|markets?)$")
#: Discord markup and links removed before looking for names in a message.
_MARKUP = re.compile(r"<(?:@[!&]?|#)\d+>|<a?:\w+:\d+>|https?://\S+|(?<!\w)@\w+")
_TOKEN = re.compile(r"\$?[A-Za-z0-9]+")

#: Words that are never a protocol mention on their own in free text (lower case). Built-in
#: protocol *names* ("Curve", "Compound") still match; aliases and symbols in this list need
#: ``$`` or upper case ("OP", "$comp").
_COMMON_WORDS_TEXT = """
a about across after again all also am an and any apr apy are arb as at bad bal base be been
being best big blast borrow bridge btc but by can ceo cex chain chains chart coin coins comp
compare concentrated concentration could dao daos decentralised decentralized defi dex did do
does done down drift each eth exactly exchange farm fee fees few fluid for from fyi gamma get
give good got governance graph had harvest has have he hello her here hey hi high him his
holder holders hop how i if im imo in is it its just lend lending level liquid lol low lp many
market markets may me might mine mode more most much must my native network new no not now nft
of ok okay old omg on one only op or origin other our out over please pool pools price protocol
protocols report revenue scroll she should show silo sky small so some spark stable stake
staking supply swap swaps swell than thank thanks that the their them then there these they
this those three tldr to today token tokens too top tvl two under up us usd usdc usdt versus
very vault vaults vertex vote votes voting vs was we were what when where which who whom whose
why will with would wtf yes yield you your zero analysis analyze centralised centralized
distribution summer whale whales
"""
COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())


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
       onchain_governance="GovernorBravo (Tally)"),
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


# --------------------------------------------------------------------------- parsing /protocols


def norm(text: str) -> str:
    """Lower-case words of ``text`` joined by one space ("Curve-DEX!" → "curve dex")."""
    return " ".join(_WORD.findall(text.casefold()))


def parse_token_address(value: object) -> tuple[str, str | None]:
    """DefiLlama ``address`` → (chain, lower-case address or None).

    ``"0x…"`` means Ethereum; ``"arbitrum:0x…"`` names the chain; ``null``, ``"-"`` and
    non-EVM addresses (``"solana:…"``) give no address.
    """
    if not isinstance(value, str) or value.strip() in ("", "-"):
        return "", None
    chain, sep, address = value.strip().partition(":")
    if not sep:
        chain, address = "ethereum", chain
    chain = normalize_chain(chain)
    return (chain, address.lower()) if _EVM_ADDRESS.match(address) else (chain, None)


def parse_governance(value: object) -> tuple[tuple[str, ...], str]:
    """DefiLlama ``governanceID`` → (Snapshot spaces, first on-chain governor or "").

    ``["snapshot:aave.eth", "eip155:1:0xEC56…"]`` → ``(("aave.eth",), "eip155:1:0xec56…")``.
    Anything that is not a list of strings is ignored.
    """
    spaces: list[str] = []
    onchain = ""
    for item in value if isinstance(value, list) else ():
        if not isinstance(item, str):
            continue
        kind, _, rest = item.strip().partition(":")
        if kind.lower() == "snapshot" and rest and rest not in spaces:
            spaces.append(rest)
        elif kind.lower() == "eip155" and not onchain:
            chain_id, _, address = rest.partition(":")
            if chain_id.isdigit() and _EVM_ADDRESS.match(address):
                onchain = f"eip155:{chain_id}:{address.lower()}"
    return tuple(spaces), onchain


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) and value.strip() != "-" else ""


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value) if math.isfinite(value) else 0.0


class Entry(NamedTuple):
    """A parsed live record with what ranking needs."""

    record: ProtocolRecord
    tvl: float


def parse_protocol(raw: object) -> Entry | None:
    """One ``/protocols`` item → :class:`Entry`, or None when it is unusable."""
    if not isinstance(raw, dict):
        return None
    name = _text(raw.get("name"))
    ident = raw.get("id")
    if not name or len(name) > 200 or isinstance(ident, bool) or not isinstance(ident, str | int):
        return None
    slug = _text(raw.get("slug")) or "-".join(norm(name).split())
    parent = raw.get("parentProtocol")
    parent = parent.strip() if isinstance(parent, str) and parent.startswith("parent#") else None
    chain, address = parse_token_address(raw.get("address"))
    spaces, onchain = parse_governance(raw.get("governanceID"))
    record = ProtocolRecord(
        name=name, slug=slug, parent=parent, symbol=_text(raw.get("symbol")),
        category=_text(raw.get("category")), chain=chain if address else "",
        token_address=address, gecko_id=_text(raw.get("gecko_id")) or None,
        snapshot_spaces=spaces, onchain_governance=onchain, defillama_id=str(ident).strip(),
        source="defillama",
    )
    return Entry(record, _number(raw.get("tvl")))


def _consistent(values: Iterable[Any]) -> Any:
    """The one distinct truthy value, or None when there are none or several."""
    distinct = {v for v in values if v}
    return distinct.pop() if len(distinct) == 1 else None


def _parent_name(slug: str, child_names: list[str]) -> str:
    """A parent's display name: the children's common leading words when they spell the
    slug ("Aave V2", "Aave V3" → "Aave"), else the slug title-cased ("curve-finance")."""
    words = [n.split() for n in child_names]
    common: list[str] = []
    for column in zip(*words, strict=False):
        if len({w.casefold() for w in column}) != 1:
            break
        common.append(column[0])
    if common and "".join(common).casefold() == slug.replace("-", "").casefold():
        return " ".join(common)
    return " ".join(w[:1].upper() + w[1:] for w in slug.split("-") if w)


def synthesise_parents(entries: list[Entry]) -> list[Entry]:
    """Parent records for every ``parentProtocol`` id that has no entry of its own.

    A parent inherits symbol, token, gecko id, category and on-chain governor when all its
    children that set one agree; Snapshot spaces are the union; TVL is the children's sum.
    """
    known = {e.record.defillama_id for e in entries}
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        if e.record.parent and e.record.parent not in known:
            groups.setdefault(e.record.parent, []).append(e)
    parents = []
    for pid, kids in groups.items():
        recs = [k.record for k in kids]
        slug = pid.removeprefix("parent#")
        token = _consistent((r.chain, r.token_address) for r in recs if r.token_address)
        spaces = tuple(dict.fromkeys(s for r in recs for s in r.snapshot_spaces))
        parents.append(Entry(ProtocolRecord(
            name=_parent_name(slug, [r.name for r in recs]), slug=slug,
            symbol=_consistent(r.symbol for r in recs) or "",
            category=_consistent(r.category for r in recs) or "",
            chain=token[0] if token else "", token_address=token[1] if token else None,
            gecko_id=_consistent(r.gecko_id for r in recs), snapshot_spaces=spaces,
            onchain_governance=_consistent(r.onchain_governance for r in recs) or "",
            defillama_id=pid, source="defillama",
        ), sum(k.tvl for k in kids)))
    return parents


def parse_protocols(body: object) -> list[Entry]:
    """The whole ``/protocols`` body → entries, parents synthesised, malformed items skipped.

    Raises:
        BadResponse: the body is not a list, or no item in it is usable.
    """
    if not isinstance(body, list):
        raise BadResponse("DefiLlama /protocols did not return a list.", "api.llama.fi")
    entries = [e for e in map(parse_protocol, body) if e is not None]
    if len(entries) < len(body):
        log.info("skipped %d malformed /protocols entries", len(body) - len(entries))
    if body and not entries:
        raise BadResponse("DefiLlama /protocols had no usable entry.", "api.llama.fi")
    return entries + synthesise_parents(entries)


# --------------------------------------------------------------------------- merging


def _is_set(value: object) -> bool:
    return value not in (None, "", ())


def merge_builtin(b: Builtin, live: ProtocolRecord) -> ProtocolRecord:
    """Built-in fields win where set (soft fields only when the live record has none)."""
    values = {}
    for f in fields(ProtocolRecord):
        mine, theirs = getattr(b.record, f.name), getattr(live, f.name)
        soft = f.name in b.soft and _is_set(theirs)
        values[f.name] = mine if _is_set(mine) and not soft else theirs
    if "token_address" in b.soft and _is_set(live.token_address):
        values["chain"] = live.chain
    values["source"] = "built-in+defillama"
    return ProtocolRecord(**values)


def _kind_order(r: ProtocolRecord) -> int:
    """Parents first, then standalone records, then children."""
    return 0 if r.defillama_id.startswith("parent#") else 2 if r.parent else 1


def _match_builtin(b: Builtin, entries: list[Entry], index: dict[tuple[str, Any], list[int]],
                   taken: set[int]) -> int | None:
    """Index of the live entry a built-in stands for: by id, slug, parent id, name, token."""
    r = b.record
    probes: list[list[tuple[str, Any]]] = [
        [("id", r.defillama_id)] if r.defillama_id else [],
        [("slug", r.slug)],
        [("id", f"parent#{r.slug}")],
        [("name", n) for n in (norm(r.name), *map(norm, b.aliases))],
        [("token", (r.chain, r.token_address))]
        if r.token_address and "token_address" not in b.soft else [],
    ]
    for keys in probes:
        hits = [i for key in keys for i in index.get(key, ()) if i not in taken]
        if hits:
            return min(hits, key=lambda i: (_kind_order(entries[i].record), -entries[i].tvl))
    return None


def merge_entries(entries: list[Entry]) -> tuple[list[Entry], dict[int, list[str]]]:
    """The built-ins merged into the live entries they stand for, then the other entries.

    Returns:
        (entries, extra names by position: the live name and slug of each merged built-in,
        so "Curve DEX" and "sky-lending" still find the built-in record).
    """
    index: dict[tuple[str, Any], list[int]] = {}
    for i, e in enumerate(entries):
        r = e.record
        for key in (("id", r.defillama_id), ("slug", r.slug), ("name", norm(r.name)),
                    ("token", (r.chain, r.token_address))):
            index.setdefault(key, []).append(i)
    taken: set[int] = set()
    merged: list[Entry] = []
    extra: dict[int, list[str]] = {}
    for b in BUILTIN:
        i = _match_builtin(b, entries, index, taken)
        if i is None:
            merged.append(Entry(b.record, 0.0))
            continue
        taken.add(i)
        live = entries[i]
        extra[len(merged)] = [live.record.name, live.record.slug]
        merged.append(Entry(merge_builtin(b, live.record), live.tvl))
    return merged + [e for i, e in enumerate(entries) if i not in taken], extra


def _distinctive(key: str) -> str:
    """A normalised key without its common words ("the graph protocol" → "")."""
    return " ".join(w for w in key.split() if w not in COMMON_WORDS)


# --------------------------------------------------------------------------- the index


class _Index:
    """Ranked records and every lookup structure over them, built once, never mutated.

    The directory swaps a whole index in at once, so a lookup never sees half of a load.
    """

    def __init__(self, entries: list[Entry], extra: dict[int, list[str]]) -> None:
        order = sorted(range(len(entries)), key=lambda i: (
            not entries[i].record.is_builtin, _kind_order(entries[i].record),
            -entries[i].tvl, entries[i].record.name.casefold()))
        self.records = [entries[i].record for i in order]
        position = {old: new for new, old in enumerate(order)}
        builtin_aliases = {b.record.name: b.aliases for b in BUILTIN}
        keys: dict[str, list[tuple[int, str]]] = {}

        def add(key: str, i: int, kind: str) -> None:
            if key and (i, kind) not in keys.setdefault(key, []):
                keys[key].append((i, kind))

        words: list[tuple[str, int]] = []
        for i, r in enumerate(self.records):
            name = norm(r.name)
            add(name, i, "name")
            add(norm(r.slug), i, "slug")
            add(norm(r.symbol), i, "symbol")
            words.extend((w, i) for w in name.split()[1:])
            for alias in builtin_aliases.get(r.name, ()) if r.is_builtin else ():
                add(norm(alias), i, "alias")
        for old, names in extra.items():
            for name in names:
                add(norm(name), position[old], "alias")
        for hits in keys.values():
            hits.sort()
        self.keys = keys
        self.sorted_keys = sorted(keys)
        self.words = sorted(words)
        self.compact = {k.replace(" ", ""): v for k, v in keys.items()}
        self.max_words = min(5, max((k.count(" ") + 1 for k in keys), default=1))
        owners: dict[str, int] = {}  # fuzzy form of a name → best-ranked record with it
        for key, hits in keys.items():
            form = _distinctive(key)
            for i, kind in hits:
                if form and kind != "symbol" and i < owners.get(form, len(self.records)):
                    owners[form] = i
        self.choices = list(owners)
        self.choice_owner = list(owners.values())
        self.canon = self._canonical_map()

    def _canonical_map(self) -> list[int]:
        """Each record → the record to analyse: built-in as is; a version/child → its parent;
        anything sharing a built-in's governance token → that built-in."""
        by_id = {r.defillama_id: i for i, r in enumerate(self.records) if r.defillama_id}
        by_token = {(r.chain, r.token_address): i for i, r in enumerate(self.records)
                    if r.is_builtin and r.token_address}

        def canon(i: int, depth: int = 0) -> int:
            r = self.records[i]
            if r.is_builtin or depth > 3:
                return i
            if r.parent in by_id and by_id[r.parent] != i:
                return canon(by_id[r.parent], depth + 1)
            return by_token.get((r.chain, r.token_address), i) if r.token_address else i

        return [canon(i) for i in range(len(self.records))]

    def fuzzy(self, q: str, cutoff: float, limit: int) -> list[int]:
        """Record indexes of fuzzy matches (rapidfuzz WRatio ≥ ``cutoff``), best first.

        Common words are left out on both sides, so "protocol" or "the" alone never makes
        a match ("graph protocol" vs "protocol that does not exist").
        """
        q = _distinctive(q)
        if not q or not self.choices:
            return []
        hits = process.extract(q, self.choices, scorer=fuzz.WRatio, processor=None,
                               limit=limit, score_cutoff=cutoff)
        return [i for _, i in sorted((-s, self.choice_owner[k]) for _, s, k in hits)]


# --------------------------------------------------------------------------- the directory


class Directory:
    """Protocol names → :class:`ProtocolRecord`, from the built-in table and DefiLlama.

    Works before :meth:`load` (built-in table only) and after a failed load (the error is
    kept in :attr:`load_error`). Lookups are in memory; only :meth:`load` and
    :meth:`resolve` use the network.
    """

    def __init__(self, http: HttpClient | None, cfg: SourcesConfig) -> None:
        """``http`` may be None for an offline directory (built-ins and :meth:`load_body`)."""
        self._http = http
        self._cfg = cfg
        self.load_error: SourceError | None = None
        self._loaded_at: float | None = None
        self._failed_at: float | None = None
        self._lock = asyncio.Lock()
        self._ix = _Index([Entry(b.record, 0.0) for b in BUILTIN], {})

    def __len__(self) -> int:
        return len(self._ix.records)

    @property
    def records(self) -> tuple[ProtocolRecord, ...]:
        """Every record, best-ranked first (built-in, then parents, then by TVL)."""
        return tuple(self._ix.records)

    @property
    def loaded(self) -> bool:
        """True once a ``/protocols`` list has been merged in."""
        return self._loaded_at is not None

    # ----------------------------------------------------------------- loading

    async def load(self) -> bool:
        """Fetch ``/protocols`` (cached a day) and merge it with the built-in table.

        Parsing, merging and indexing take about 0.1 s each for ~7,500 entries; the event
        loop runs between the steps.

        Returns:
            True on success. On failure the directory keeps what it had (at least the
            built-in table), stores the error in :attr:`load_error` and returns False.
        """
        url = f"{self._cfg.defillama_url.rstrip('/')}/protocols"
        try:
            if self._http is None:
                raise SourceUnavailable("The protocol directory is offline.", "api.llama.fi")
            entries = await self._http.get_json(url, ttl=TTL_DIRECTORY,
                                                max_bytes=MAX_DIRECTORY_BYTES,
                                                parse=parse_protocols)
            await asyncio.sleep(0)  # three steps of ~0.1 s each for the real list; let the
            merged = merge_entries(entries)  # event loop breathe between them (a worker
            await asyncio.sleep(0)  # thread gains little under the GIL)
            index = _Index(*merged)
        except SourceError as exc:
            self.load_error = exc
            self._failed_at = time.monotonic()
            log.warning("protocol directory: using the built-in table only (%s)", exc)
            return False
        self._install(index)
        return True

    def load_body(self, body: object) -> None:
        """Merge an already fetched ``/protocols`` body (a list) with the built-in table.

        Raises:
            BadResponse: the body is not a list or has no usable entry (nothing changes).
        """
        self._install(_index_from_body(body))

    def _install(self, index: _Index) -> None:
        self._ix = index
        self.load_error = None
        self._loaded_at = time.monotonic()
        log.info("protocol directory: %d records", len(index.records))

    async def ensure_loaded(self) -> None:
        """Load once (and again after a day); after a failure, retry at most every 5 min."""
        if not self._due():
            return
        async with self._lock:
            if self._due():
                await self.load()

    def _due(self) -> bool:
        now = time.monotonic()
        if self._loaded_at is not None and now - self._loaded_at < TTL_DIRECTORY:
            return False
        return self._failed_at is None or now - self._failed_at >= RETRY_LOAD_AFTER

    # ----------------------------------------------------------------- lookups

    def search(self, prefix: str, limit: int = 25) -> list[ProtocolRecord]:
        """Autocomplete: up to ``limit`` (≤ 25) records for what the user typed so far.

        Order: exact name/slug/symbol, then keys starting with ``prefix``, then names with a
        later word starting with it, then fuzzy matches (4+ characters). Versions fold into
        their parent. No network; works before :meth:`load`. An empty prefix lists the
        built-ins.
        """
        ix = self._ix
        limit = max(0, min(limit, 25))
        q = norm(prefix[:MAX_QUERY_CHARS]) if isinstance(prefix, str) else ""
        found: dict[int, None] = {}

        def take(indexes: Iterable[int]) -> bool:
            for i in indexes:
                if len(found) >= limit:
                    return True
                found.setdefault(ix.canon[i])
            return len(found) >= limit

        if not q:
            take(range(len(ix.records)))
        elif not (take(i for i, _ in ix.keys.get(q, ()))
                  or take(sorted({i for k in _starting_with(ix.sorted_keys, q, str)
                                  for i, _ in ix.keys[k]}))
                  or take(sorted({i for _, i in _starting_with(ix.words, q, _first)}))
                  ) and len(q) >= 4:
            take(ix.fuzzy(q, SUGGEST_CUTOFF + 10, limit * 2))
        return [ix.records[i] for i in found]

    def lookup(self, text: str) -> ProtocolRecord:
        """Free text → record, in memory (see :meth:`resolve`)."""
        ix = self._ix
        shown = " ".join(text.split()) if isinstance(text, str) else ""
        if len(shown) > MAX_QUERY_CHARS:
            raise ProtocolNotFound(shown[:40] + "…")
        q = norm(shown)
        if not q:
            raise ProtocolNotFound(shown)
        words = q.split()
        while words:
            key = " ".join(words)
            hits = ix.keys.get(key) or ix.compact.get(key.replace(" ", ""))
            if hits:
                return ix.records[ix.canon[hits[0][0]]]
            if len(words) == 1 or not _SUFFIX.match(words[-1]):
                break
            words.pop()  # "aave v3" → "aave"; "uniswap protocol" → "uniswap"
        if len(q) >= 4:
            best = ix.fuzzy(q, FUZZY_CUTOFF, 5)
            if best:
                return ix.records[ix.canon[best[0]]]
        raise ProtocolNotFound(shown, self.suggest(q))

    def suggest(self, text: str, n: int = 3) -> tuple[str, ...]:
        """Up to ``n`` distinct names close to ``text`` (for "did you mean …?")."""
        ix = self._ix
        q = norm(text[:MAX_QUERY_CHARS])
        names: dict[str, None] = {}
        if len(q) >= 2:
            for i in ix.fuzzy(q, SUGGEST_CUTOFF, 20):
                names.setdefault(ix.records[ix.canon[i]].name)
        return tuple(names)[:n]

    async def resolve(self, text: str) -> ProtocolRecord:
        """Free text → the record to analyse.

        "uniswap", "Uniswap", "UNI", "$uni" → Uniswap; "aave v3" → Aave (versions map to the
        parent); "uniswp" → Uniswap (fuzzy, rapidfuzz WRatio ≥ :data:`FUZZY_CUTOFF`). Loads
        the DefiLlama list first when needed (a failed load falls back to the built-ins).

        Raises:
            ProtocolNotFound: nothing close enough (``suggestions`` has up to 3 names), or the
                text is empty, only punctuation, or longer than 100 characters (no
                suggestions).
        """
        if not isinstance(text, str) or not norm(text) or len(text.strip()) > MAX_QUERY_CHARS:
            return self.lookup(text)  # raises the right ProtocolNotFound, without the network
        await self.ensure_loaded()
        return self.lookup(text)

    def find_in_text(self, text: str) -> list[ProtocolRecord]:
        """Protocols mentioned in a chat message, distinct, in order of appearance.

        Whole words only ("uni" in "universe" does not count), longest name first ("Curve
        DEX" before "Curve"); Discord mentions, emoji and links are ignored. Common English
        words never match on their own; short or common symbols need ``$`` or upper case
        ("OP", "$op"); names only DefiLlama knows need a capital letter ("Pendle").
        """
        ix = self._ix
        cleaned = _MARKUP.sub(" ", text[:4000] if isinstance(text, str) else "")
        tokens = [(t.lstrip("$").casefold(), t) for t in _TOKEN.findall(cleaned)]
        found: dict[int, None] = {}
        pos = 0
        while pos < len(tokens):
            for n in range(min(ix.max_words, len(tokens) - pos), 0, -1):
                window = tokens[pos:pos + n]
                key = " ".join(w for w, _ in window)
                originals = [t for _, t in window]
                i = next((i for i, kind in ix.keys.get(key, ())
                          if _acceptable(ix.records[i], kind, key, originals)), None)
                if i is not None:
                    found.setdefault(ix.canon[i])
                    pos += n
                    break
            else:
                pos += 1
        return [ix.records[i] for i in found]


def _starting_with(items: list[Any], q: str, text: Callable[[Any], str]) -> list[Any]:
    """The run of a sorted list whose ``text(item)`` starts with ``q`` (found by bisection)."""
    start = bisect.bisect_left(items, q, key=text)
    return list(itertools.takewhile(lambda item: text(item).startswith(q),
                                    itertools.islice(items, start, None)))


def _index_from_body(body: object) -> _Index:
    """Parse a ``/protocols`` body, merge the built-ins, build the index (thread-safe)."""
    return _Index(*merge_entries(parse_protocols(body)))


def _first(pair: tuple[str, int]) -> str:
    return pair[0]


def _acceptable(r: ProtocolRecord, kind: str, key: str, originals: list[str]) -> bool:
    """Whether ``originals`` (the words as typed) may stand for ``r`` in free text."""
    word = originals[0] if len(originals) == 1 else ""
    common = bool(word) and key in COMMON_WORDS
    dollar = word.startswith("$")
    marked = dollar or (word.isupper() and len(word) >= 2)
    if kind == "symbol":
        if r.is_builtin:
            return marked or not common
        return marked and len(key) >= 3 and (dollar or not common)
    if kind == "name" and r.is_builtin and norm(r.name) == key:
        return True
    if common or not _distinctive(key):
        return False
    return r.is_builtin or not word or word.lstrip("$")[:1].isupper()
