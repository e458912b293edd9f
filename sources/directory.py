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
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from core.errors import ProtocolNotFound, SourceError, SourceUnavailable
from core.protocol import ProtocolRecord
from sources.config import SourcesConfig
from sources.http import TTL_DIRECTORY, HttpClient
from sources.protocol_list import (
    Entry,
    kind_order,
    merge_builtin,
    merge_entries,
    parse_governance,
    parse_protocol,
    parse_protocols,
    parse_token_address,
    synthesise_parents,
)
from sources.protocols import BUILTIN, Builtin, norm

log = logging.getLogger(__name__)

__all__ = [
    "BUILTIN", "CHAIN_WORDS", "COMMON_WORDS", "Builtin", "Directory", "Entry", "ProtocolRecord",
    "merge_builtin", "merge_entries", "norm", "parse_governance", "parse_protocol",
    "parse_protocols", "parse_token_address", "synthesise_parents",
]

#: The real ``/protocols`` body is large (every protocol, with TVL per chain); refuse above
#: this many bytes.
MAX_DIRECTORY_BYTES = 64 * 1024 * 1024
#: After a failed load, wait this long (seconds) before :meth:`Directory.resolve` tries again.
RETRY_LOAD_AFTER = 300.0
#: Longest query :meth:`Directory.resolve` accepts (characters).
MAX_QUERY_CHARS = 100
#: Score (0–100) a fuzzy match needs to *resolve*: rapidfuzz ``ratio``/``token_sort_ratio``
#: of the whole query against a whole name, so only a typo of the full name resolves ("uniswp"
#: 92, "compund" 93) and one word of a longer name does not ("ethereum" vs "ethereum name
#: service" 55). ``WRatio`` (which scores a word of a longer name 90) is only for suggestions.
FUZZY_CUTOFF = 85.0
#: ... and at most this many edits (characters inserted, deleted or changed, in the query's
#: word order or sorted): a long name's score stays ≥ 85 with a whole extra or missing word
#: ("bank collective optimism" vs "optimism collective" 88), which is not a typo.
MAX_TYPO_EDITS = 2
#: rapidfuzz ``WRatio`` score a name needs to be *suggested* ("did you mean …?").
SUGGEST_CUTOFF = 60.0
#: A fuzzy match needs this many characters of distinctive query words ("aav" is too short).
MIN_FUZZY_CHARS = 4
#: Query and name words shorter than this take no part in resolving by typo ("what's up" →
#: "what", "s", "up": "s" scored 90 against "sushi" under WRatio).
MIN_FUZZY_WORD = 3

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

#: Chains (and their usual nicknames). A query made only of these and generic suffixes
#: ("ethereum", "mainnet", "polygon network") resolves only on an exact name, alias or symbol
#: ("optimism", "arbitrum"), never by typo.
_CHAIN_WORDS_TEXT = """
arbitrum avalanche avax base bitcoin blast bnb bsc btc celo cosmos eth ethereum fantom ftm
gnosis hyperevm l1 l2 linea mainnet manta mantle matic metis mode moonbeam near optimism
polkadot polygon scroll sei solana sol starknet sui taiko ton tron unichain xdai zksync zkevm
"""
CHAIN_WORDS = frozenset(_CHAIN_WORDS_TEXT.split())


def _distinctive(key: str) -> str:
    """A normalised key without its common words ("the graph protocol" → "")."""
    return " ".join(w for w in key.split() if w not in COMMON_WORDS)


def _generic(words: list[str]) -> bool:
    """True when every word is a chain name or a generic suffix ("polygon", "finance")."""
    return all(w in CHAIN_WORDS or _SUFFIX.match(w) for w in words)


def _strict_forms(key: str) -> list[str]:
    """The forms of a normalised name that a typo may resolve to (maybe none).

    Common and short words are left out, then trailing suffixes one by one ("convex finance"
    → "convex finance", "convex"; "gmx v2 perps" → "gmx perps"), but only while the first
    word stays ("op mainnet" → "mainnet" or "harvest finance" → "finance" would let a generic
    word stand for the protocol) and something more than chain names and suffixes is left
    ("polygon bridge staking" → "polygon" would make "polygn" a bridge). A whole name is
    always its own form ("optimism": "optimsm" resolves).
    """
    words = key.split()
    if not words or len(words[0]) < MIN_FUZZY_WORD or words[0] in COMMON_WORDS:
        return []
    words = [w for w in words if len(w) >= MIN_FUZZY_WORD and w not in COMMON_WORDS]
    forms: list[str] = []
    while words:
        form = " ".join(words)
        if form == key or not _generic(words):
            forms.append(form)
        if len(words) == 1 or not _SUFFIX.match(words[-1]):
            break
        words.pop()
    return forms


def _query_forms(q: str) -> list[str]:
    """What of a normalised query may resolve by typo: its distinctive words, then the same
    without trailing suffixes ("curv finance" → "curv finance", "curv"); nothing when no word
    is left, it is shorter than :data:`MIN_FUZZY_CHARS`, or it is only chain names and generic
    suffixes ("ethereum", "finance", "what's up", "is it s")."""
    words = [w for w in q.split() if len(w) >= MIN_FUZZY_WORD and w not in COMMON_WORDS]
    forms: list[str] = []
    while words and not _generic(words):
        form = " ".join(words)
        if len(form) >= MIN_FUZZY_CHARS:
            forms.append(form)
        if not _SUFFIX.match(words[-1]):
            break
        words.pop()
    return forms


# --------------------------------------------------------------------------- the index


class _Index:
    """Ranked records and every lookup structure over them, built once, never mutated.

    The directory swaps a whole index in at once, so a lookup never sees half of a load.
    """

    def __init__(self, entries: list[Entry], extra: dict[int, list[str]]) -> None:
        order = sorted(range(len(entries)), key=lambda i: (
            not entries[i].record.is_builtin, kind_order(entries[i].record),
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
        owners: dict[str, int] = {}  # suggestion form of a name → best-ranked record with it
        strict: dict[str, int] = {}  # form a typo may resolve to → best-ranked record with it
        for key, hits in keys.items():
            form, exact = _distinctive(key), _strict_forms(key)
            for i, kind in hits:
                if kind == "symbol":
                    continue
                if form and i < owners.get(form, len(self.records)):
                    owners[form] = i
                for f in exact:
                    if i < strict.get(f, len(self.records)):
                        strict[f] = i
        self.choices = list(owners)
        self.choice_owner = list(owners.values())
        self.strict_choices = list(strict)
        self.strict_owner = list(strict.values())
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

    def typo(self, q: str) -> int | None:
        """The record a normalised query is a typo of, or None.

        Scored with ``ratio`` and ``token_sort_ratio`` (whole strings, so lengths must be
        close) against :func:`_strict_forms` of names, never ``WRatio``/partial matching: one
        word of a longer name ("ethereum" in "ethereum name service", "s" in "sushi") is not
        a typo of it. See :func:`_query_forms` for what of the query counts.
        """
        best: tuple[float, int] | None = None
        for form in _query_forms(q):
            for scorer in (fuzz.ratio, fuzz.token_sort_ratio):
                for choice, score, k in process.extract(form, self.strict_choices,
                                                        scorer=scorer, processor=None,
                                                        limit=3, score_cutoff=FUZZY_CUTOFF):
                    if not _few_edits(form, choice):
                        continue
                    hit = (-score, self.strict_owner[k])
                    best = hit if best is None or hit < best else best
        return None if best is None else best[1]


def _few_edits(query: str, name: str) -> bool:
    """Whether ``query`` is at most :data:`MAX_TYPO_EDITS` edits from ``name``, as typed or
    with both's words sorted ("collective optimism" is "optimism collective")."""
    if Levenshtein.distance(query, name) <= MAX_TYPO_EDITS:
        return True
    return Levenshtein.distance(" ".join(sorted(query.split())),
                                " ".join(sorted(name.split()))) <= MAX_TYPO_EDITS


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
                                                source="DefiLlama", parse=parse_protocols)
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
        typo = ix.typo(q)
        if typo is not None:
            return ix.records[ix.canon[typo]]
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
        parent); "uniswp" → Uniswap (a typo of the whole name: rapidfuzz ``ratio`` ≥
        :data:`FUZZY_CUTOFF`). Generic words, chain names and fragments ("ethereum",
        "finance", "what's up") resolve only when they are exactly a name, alias or symbol
        ("optimism"); otherwise they get suggestions. Loads the DefiLlama list first when
        needed (a failed load falls back to the built-ins).

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
