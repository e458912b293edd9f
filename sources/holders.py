"""Token holders and supply from Blockscout (REST v2), with Ethplorer as Ethereum fallback.

* :func:`fetch_token_info` — ``GET {base}/api/v2/tokens/{address}``: symbol, name, decimals,
  total supply (raw integer string → token units), holder count.
* :func:`fetch_holders` — ``GET {base}/api/v2/tokens/{address}/holders``, 50 per page, paged
  by echoing ``next_page_params`` until the limit, the last page, or a safety cap. On Ethereum,
  when Blockscout is down, rate-limiting or talking nonsense, the top 100 (1,000 with a
  personal key) come from Ethplorer ``getTopTokenHolders`` instead, with a warning.

**Blockscout PRO is the recommended path.** With ``blockscout_pro_api_key`` every chain goes
through ``{blockscout_pro_url}/{chain_id}`` (``https://api.blockscout.com/1``); the key is added
as ``Authorization: Bearer`` below the HTTP cache (:class:`sources.http.HeaderKeyTransport`), so
it never appears in a URL, a cache entry, a log line or an error, and the client's limiter
follows the plan's rate-limit headers. Without a key the per-instance API
(``SourcesConfig.blockscout``, ``https://eth.blockscout.com``; deprecated by Blockscout) is
tried politely — at most 3 requests/s per instance and ``keyless_holders_limit`` holders
unless more are asked for. When it refuses (401/403/410, or 429 with an HTML/captcha page or a
deprecation notice) the answer is :class:`~core.errors.KeyRequired`, whose one line
(:data:`KEY_NEEDED`) says that Blockscout now needs a free key, where to get it and which
variable to set; on Ethereum the holders then come from Ethplorer, with that line as a warning.

Amounts are converted exactly: ``int(raw) / 10**decimals`` (Python rounds that division
correctly). Nothing malformed becomes a number: wrong types, negative amounts and unparsable
decimals raise :class:`~core.errors.BadResponse`. Messages name providers ("Blockscout",
"Ethplorer"), never hosts.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from core.errors import (
    BadResponse,
    InputError,
    KeyRequired,
    NotFound,
    RateLimited,
    Refused,
    SourceError,
    SourceUnavailable,
    public_text,
)
from core.labels import LiveLabel
from sources.config import SourcesConfig
from sources.http import TTL_DATA, HttpClient, is_challenge_page
from sources.parsing import check_address, evm_address, stripped, whole_number

log = logging.getLogger(__name__)

#: EVM chain ids of the chains Blockscout PRO serves for us.
CHAIN_IDS: dict[str, int] = {"ethereum": 1, "optimism": 10, "arbitrum": 42161, "base": 8453,
                             "polygon": 137, "gnosis": 100}
#: The one line shown when the keyless Blockscout API refuses us.
KEY_NEEDED = ("Blockscout now needs a free key: get one from the Blockscout developer portal "
              "and set BLOCKSCOUT_PRO_API_KEY")
#: The one line shown when Blockscout PRO refuses the key that was set.
KEY_REFUSED = ("Blockscout PRO refused the key (HTTP {status}): check "
               "BLOCKSCOUT_PRO_API_KEY")
#: Statuses with which a keyless Blockscout instance says "not without a key".
KEYLESS_REFUSALS = (401, 403, 410)
#: Blockscout's page size (items per holders page) before v12's ``items_count``.
PAGE_SIZE = 50
#: Ethplorer returns at most this many holders with ``freekey`` / with a personal key.
ETHPLORER_FREE_LIMIT = 100
ETHPLORER_KEY_LIMIT = 1000
#: Errors after which Ethereum holders come from Ethplorer (not NotFound: the token is unknown).
FALLBACK_ON = (SourceUnavailable, RateLimited, BadResponse, KeyRequired)

_CHAIN_ALIASES = {"eth": "ethereum", "mainnet": "ethereum", "ethereum mainnet": "ethereum",
                  "op": "optimism", "op mainnet": "optimism", "arb": "arbitrum",
                  "arbitrum one": "arbitrum", "xdai": "gnosis", "matic": "polygon",
                  "polygon pos": "polygon"}
_MAX_DECIMALS = 255  # ERC-20 decimals is a uint8


def normalize_chain(chain: str) -> str:
    """Our chain key: lower case, common aliases folded ("Ethereum", "eth" → "ethereum")."""
    key = " ".join(str(chain).strip().lower().replace("_", " ").replace("-", " ").split())
    return _CHAIN_ALIASES.get(key, key.replace(" ", "-"))


@dataclass(frozen=True)
class TokenInfo:
    """What a holder API says about a token.

    Attributes:
        chain, address: our chain key and the lower-case contract address.
        symbol, name: as the API gives them ("" when missing).
        decimals: ERC-20 decimals, or None when the API does not say.
        total_supply: total supply in token units, or None when absent or zero — and None
            while ``decimals`` is unknown (see ``raw_supply``).
        holder_count: number of holders the API counts, or None.
        source: the provider label, never a host: "Blockscout (ethereum)",
            "Blockscout PRO (chain 1)", "Ethplorer".
        raw_supply: total supply as the API's raw integer (smallest units), or None when
            absent or zero; kept so ``total_supply`` can be computed once decimals are
            learned elsewhere (Blockscout's holder pages). Not compared: two infos are
            equal when what they say in token units is.
    """

    chain: str
    address: str
    symbol: str
    name: str
    decimals: int | None
    total_supply: float | None
    holder_count: int | None
    source: str
    raw_supply: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class HolderSnapshot:
    """The top holders of a token at one moment, largest first.

    Attributes:
        token: the token's :class:`TokenInfo`.
        addresses: lower-case holder addresses, parallel to ``balances``.
        balances: balances in token units (exact conversion of the raw integers).
        live_labels: what the API said about each address (name, is_contract, tags).
        source: the provider label the holders came from, never a host
            ("Blockscout (ethereum)", "Blockscout PRO (chain 1)", "Ethplorer").
        fetched_at: ISO-8601 UTC time of the fetch ("2026-02-19T06:27:38Z").
        truncated: more holders exist than were fetched.
        warnings: things the answer should mention (fallback used, paging stopped early…).
    """

    token: TokenInfo
    addresses: tuple[str, ...]
    balances: tuple[float, ...]
    live_labels: dict[str, LiveLabel] = field(default_factory=dict, hash=False)
    source: str = ""
    fetched_at: str = ""
    truncated: bool = False
    warnings: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.addresses)

    @property
    def listed_sum(self) -> float:
        """Sum of the listed balances (token units)."""
        return math.fsum(self.balances)


# --------------------------------------------------------------------------- parsing helpers


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uint(value: object, what: str, host: str, *, optional: bool = False) -> int | None:
    """A raw amount (:func:`sources.parsing.whole_number`: an int ≥ 0 or a digit string,
    exactly). ``optional``: None/"" give None. Anything else raises BadResponse."""
    if optional and (value is None or value == ""):
        return None
    number = whole_number(value)
    if number is not None:
        return number
    shown = str(value)[:40]
    if isinstance(value, int | str) and shown.strip().startswith("-"):
        raise BadResponse(f"{host} sent a negative {what} ({shown}).", host)
    raise BadResponse(f"{host} sent {what} {shown!r}, not a whole number.", host)


def parse_decimals(value: object, host: str) -> int | None:
    """ERC-20 decimals (0–255) from an int or a digit string; ``None`` when absent
    (``None`` or ""); anything else (``"x"``, ``-1``, ``256``) raises BadResponse."""
    if value is None or value == "":
        return None
    d = _uint(value, "decimals", host)
    if d is None or d > _MAX_DECIMALS:
        raise BadResponse(f"{host} sent decimals {value!r}, out of range.", host)
    return d


def _units(raw: int | None, decimals: int | None) -> float | None:
    """Raw integer → token units, exactly rounded; 0 and unknowns → None."""
    if not raw or decimals is None:
        return None
    return raw / 10**decimals


# --------------------------------------------------------------------------- Blockscout


def blockscout_base(cfg: SourcesConfig, chain: str) -> tuple[str, dict[str, str], str]:
    """(base URL, extra headers, source label) of the Blockscout API for ``chain``.

    With a PRO key and a chain PRO serves: ``{blockscout_pro_url}/{chain_id}``, labelled
    "Blockscout PRO (chain 1)" (the key itself is added by the transport, never here).
    Otherwise the per-instance URL, labelled "Blockscout (ethereum)". The headers are
    always empty (kept for callers that unpack three values).

    Raises:
        NotFound: no Blockscout instance is configured for the chain.
    """
    chain = normalize_chain(chain)
    if cfg.blockscout_pro_api_key and chain in CHAIN_IDS:
        chain_id = CHAIN_IDS[chain]
        return (f"{cfg.blockscout_pro_url.rstrip('/')}/{chain_id}", {},
                f"Blockscout PRO (chain {chain_id})")
    base = cfg.blockscout.get(chain)
    if not base:
        known = ", ".join(sorted(cfg.blockscout)) or "none"
        raise NotFound(f"I have no holder source for the {chain!r} chain (supported: {known}).")
    return base.rstrip("/"), {}, f"Blockscout ({chain})"


def provider(label: str) -> str:
    """"Blockscout PRO" or "Blockscout" — the provider part of a source label."""
    return label.split(" (", 1)[0]


def key_refusal(error: SourceError, pro: bool) -> SourceError:
    """``error`` read as Blockscout's answer about keys, or ``error`` itself.

    * keyless, 401/403/410 — or 429 with an HTML/captcha page or a deprecation notice:
      :class:`KeyRequired` with :data:`KEY_NEEDED`;
    * PRO, 401/403: :class:`KeyRequired` with :data:`KEY_REFUSED` (the key is wrong or
      out of credits);
    * anything else is returned unchanged.
    """
    if not isinstance(error, Refused):
        return error
    text = error.text.lower()
    deprecated = "deprecat" in text or "api key" in text or "apikey" in text
    if pro:
        if error.status in (401, 403):
            return KeyRequired(KEY_REFUSED.format(status=error.status) + ".", error.host,
                               error.sources)
        return error
    if error.status in KEYLESS_REFUSALS or (error.status == 429 and (
            deprecated or is_challenge_page(error.content_type, error.text))):
        log.debug("keyless Blockscout refused (HTTP %d, %s)", error.status,
                  error.content_type or "no content type")
        return KeyRequired(KEY_NEEDED + ".", error.host, error.sources)
    return error


def parse_blockscout_token(body: object, chain: str, address: str, source: str,
                           host: str) -> TokenInfo:
    """A Blockscout ``/api/v2/tokens/{address}`` body → :class:`TokenInfo`.

    Reads ``decimals``, ``total_supply`` (raw), ``holders_count`` or the older ``holders``,
    ``symbol`` and ``name``; strings or ints; missing → None.
    """
    if not isinstance(body, dict):
        raise BadResponse(f"{host} sent token info that is not an object.", host)
    decimals = parse_decimals(body.get("decimals"), host)
    raw_supply = _uint(body.get("total_supply"), "total_supply", host, optional=True)
    count = body.get("holders_count")
    return TokenInfo(
        chain=chain, address=address, symbol=stripped(body.get("symbol")),
        name=stripped(body.get("name")), decimals=decimals,
        total_supply=_units(raw_supply, decimals),
        holder_count=whole_number(count if count is not None else body.get("holders")),
        source=source, raw_supply=raw_supply or None,
    )


async def fetch_token_info(http: HttpClient, cfg: SourcesConfig, chain: str,
                           address: str) -> TokenInfo:
    """Token metadata and supply from Blockscout.

    Raises:
        InputError: ``address`` is not an EVM address.
        NotFound: unknown chain, or Blockscout does not know the token (404).
        BadResponse: garbage decimals or supply; SourceUnavailable / RateLimited as usual.
    """
    chain, address = normalize_chain(chain), check_address(address)
    base, _headers, source = blockscout_base(cfg, chain)
    name = provider(source)
    try:
        return await http.get_json(
            f"{base}/api/v2/tokens/{address}", ttl=TTL_DATA, source=name,
            parse=lambda body: parse_blockscout_token(body, chain, address, source, name))
    except Refused as exc:
        raise key_refusal(exc, name.endswith("PRO")) from None


def _tags(meta: dict[str, Any]) -> tuple[str, ...]:
    """Public tags and metadata tag names of a Blockscout address object."""
    tags: list[str] = []
    for tag in meta.get("public_tags") or ():
        if isinstance(tag, dict):
            tags.append(stripped(tag.get("label")) or stripped(tag.get("display_name")))
        elif isinstance(tag, str):
            tags.append(tag.strip())
    metadata = meta.get("metadata")
    if isinstance(metadata, dict):
        tags.extend(stripped(t.get("name")) for t in metadata.get("tags") or ()
                    if isinstance(t, dict))
    return tuple(dict.fromkeys(t for t in tags if t))


def parse_holder_item(item: object, host: str) -> tuple[str, int, LiveLabel, int | None]:
    """One holders item → (lower-case address, raw balance, live label, item decimals).

    Accepts ``item["address"]`` and ``item["address_hash"]``, each an object with ``hash``
    or a bare string.
    """
    if not isinstance(item, dict):
        raise BadResponse(f"{host} sent a holder entry that is not an object.", host)
    holder = item.get("address")
    if holder is None:
        holder = item.get("address_hash")
    meta: dict[str, Any] = holder if isinstance(holder, dict) else {}
    address = evm_address(meta.get("hash") if meta else holder)
    if address is None:
        raise BadResponse(f"{host} sent a holder without a valid address.", host)
    raw = _uint(item.get("value"), "holder balance", host)
    assert raw is not None
    token = item.get("token")
    decimals = parse_decimals(token.get("decimals"), host) if isinstance(token, dict) else None
    return address, raw, live_label(meta), decimals


def live_label(meta: dict[str, Any]) -> LiveLabel:
    """What a Blockscout address object says about the address: its name (a verified
    contract's compiled name, or a public name), ``is_contract``, ``is_verified``, its tags,
    and the name of a proxy's first implementation (``implementations[0].name``)."""
    def text(value: object) -> str | None:
        return value.strip() if isinstance(value, str) and value.strip() else None

    def flag(value: object) -> bool | None:
        return value if isinstance(value, bool) else None

    impls = meta.get("implementations")
    first = impls[0] if isinstance(impls, list) and impls and isinstance(impls[0], dict) else {}
    return LiveLabel(text(meta.get("name")), flag(meta.get("is_contract")), _tags(meta),
                     flag(meta.get("is_verified")), text(first.get("name")))


#: One parsed holders item: (address, raw balance, live label, item decimals).
HolderRow = tuple[str, int, LiveLabel, int | None]


def _page(body: object, host: str) -> tuple[list[HolderRow], dict[str, Any] | None]:
    """A holders page → (parsed items, next_page_params or None); BadResponse if malformed."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise BadResponse(f"{host} sent a holders page without an items list.", host)
    rows = [parse_holder_item(item, host) for item in body["items"]]
    nxt = body.get("next_page_params")
    if nxt is None or nxt == {}:
        return rows, None
    if not isinstance(nxt, dict) or not all(
            isinstance(v, str | int | float | bool) or v is None for v in nxt.values()):
        raise BadResponse(f"{host} sent next_page_params that cannot be echoed.", host)
    return rows, nxt


class _Collected:
    """Raw balances by address (first seen wins) with their labels and skip counts."""

    def __init__(self) -> None:
        self.raw: dict[str, int] = {}
        self.labels: dict[str, LiveLabel] = {}
        self.duplicates = 0
        self.zero = 0
        self.decimals: int | None = None

    def add_page(self, rows: Iterable[HolderRow]) -> int:
        """Add a page's parsed items; returns how many new holders it brought."""
        new = 0
        for address, raw, label, decimals in rows:
            if self.decimals is None:
                self.decimals = decimals
            if address in self.raw:
                self.duplicates += 1
            elif raw == 0:
                self.zero += 1
            else:
                self.raw[address] = raw
                self.labels[address] = label
                new += 1
        return new


async def _blockscout_holders(http: HttpClient, cfg: SourcesConfig, chain: str, address: str,
                              limit: int) -> HolderSnapshot:
    base, _headers, source = blockscout_base(cfg, chain)
    host = provider(source)  # named in messages
    try:
        return await _blockscout_pages(http, base, source, chain, address, limit)
    except Refused as exc:
        raise key_refusal(exc, host.endswith("PRO")) from None


async def _blockscout_pages(http: HttpClient, base: str, source: str, chain: str,
                            address: str, limit: int) -> HolderSnapshot:
    """Token info, then holders pages until ``limit`` (see :func:`fetch_holders`)."""
    host = provider(source)  # named in messages
    info = await http.get_json(
        f"{base}/api/v2/tokens/{address}", ttl=TTL_DATA, source=host,
        parse=lambda body: parse_blockscout_token(body, chain, address, source, host))
    url = f"{base}/api/v2/tokens/{address}/holders"
    max_pages = math.ceil(limit / PAGE_SIZE) + 2
    got = _Collected()
    warnings: list[str] = []
    params: dict[str, Any] | None = None
    seen: set[tuple[tuple[str, str], ...]] = set()
    pages = 0
    while True:
        rows, nxt = await http.get_json(url, params=params, ttl=TTL_DATA, source=host,
                                        parse=lambda body: _page(body, host))
        pages += 1
        new = got.add_page(rows)
        more = nxt is not None
        if len(got.raw) >= limit or not more:
            break
        cursor = tuple(sorted((k, repr(v)) for k, v in nxt.items()))
        stop = ("it repeated a page cursor" if cursor in seen
                else "a page brought no new holders" if new == 0
                else f"the {max_pages}-page cap" if pages >= max_pages else "")
        if stop:
            warnings.append(f"{host} paging stopped early ({stop}); "
                            f"{len(got.raw)} holders fetched")
            log.warning("%s", warnings[-1])
            log.debug("paging stopped at %s", url)
            break
        seen.add(cursor)
        params = nxt
    if not got.raw:
        raise NotFound(f"{host} lists no holders for {info.symbol or address}.", host)
    decimals = info.decimals if info.decimals is not None else got.decimals
    if decimals is None:
        raise BadResponse(f"{host} did not say how many decimals the token has.", host)
    if info.decimals is None:  # learned from the pages: the raw supply can now be read
        info = replace(info, decimals=decimals,
                       total_supply=_units(info.raw_supply, decimals))
    if got.duplicates:
        warnings.append(f"{host} listed {got.duplicates} holder(s) twice; kept the first")
    ranked = sorted(got.raw.items(), key=lambda kv: kv[1], reverse=True)[:limit]
    truncated = more or len(got.raw) > limit or (
        info.holder_count is not None and info.holder_count > len(ranked))
    return HolderSnapshot(
        token=info, addresses=tuple(a for a, _ in ranked),
        balances=tuple(raw / 10**decimals for _, raw in ranked),
        live_labels={a: got.labels[a] for a, _ in ranked}, source=source,
        fetched_at=_now(), truncated=truncated, warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------- Ethplorer


def parse_ethplorer_token(body: object, address: str, host: str) -> TokenInfo:
    """An Ethplorer ``getTokenInfo`` body → :class:`TokenInfo` (decimals are required)."""
    if not isinstance(body, dict) or "error" in body:
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        raise BadResponse(f"{host} refused token info ({str(message or 'bad body')[:80]}).",
                          host)
    decimals = parse_decimals(body.get("decimals"), host)
    if decimals is None:
        raise BadResponse(f"{host} did not say how many decimals the token has.", host)
    raw_supply = _uint(body.get("totalSupply"), "totalSupply", host, optional=True)
    return TokenInfo(
        chain="ethereum", address=address, symbol=stripped(body.get("symbol")),
        name=stripped(body.get("name")), decimals=decimals,
        total_supply=_units(raw_supply, decimals),
        holder_count=whole_number(body.get("holdersCount")), source="Ethplorer",
        raw_supply=raw_supply or None,
    )


def parse_ethplorer_holders(body: object, decimals: int, host: str) -> list[tuple[str, float]]:
    """An Ethplorer ``getTopTokenHolders`` body → [(address, balance in token units)].

    ``rawBalance`` (a digit string) is used when present, else ``balance`` (the raw amount
    as a float, so already rounded by Ethplorer) divided by 10^decimals.
    """
    if not isinstance(body, dict) or not isinstance(body.get("holders"), list):
        raise BadResponse(f"{host} sent no holders list.", host)
    out: dict[str, float] = {}
    for row in body["holders"]:
        if not isinstance(row, dict):
            raise BadResponse(f"{host} sent a holder entry that is not an object.", host)
        address = evm_address(row.get("address"))
        if address is None:
            raise BadResponse(f"{host} sent a holder without a valid address.", host)
        raw = row.get("rawBalance")
        if raw is not None:
            raw_balance = _uint(raw, "rawBalance", host)
            assert raw_balance is not None  # not optional: _uint raised instead
            balance = raw_balance / 10**decimals
        else:
            value = row.get("balance")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise BadResponse(f"{host} sent balance {str(value)[:40]!r}, not a number.",
                                  host)
            if not math.isfinite(value) or value < 0:
                raise BadResponse(f"{host} sent an impossible balance ({value}).", host)
            balance = value / 10**decimals
        if balance > 0:
            out.setdefault(address, balance)
    return sorted(out.items(), key=lambda kv: kv[1], reverse=True)


async def _ethplorer_holders(http: HttpClient, cfg: SourcesConfig, address: str,
                             limit: int, why: str = "Blockscout unavailable") -> HolderSnapshot:
    base = cfg.ethplorer_url.rstrip("/")
    host = "Ethplorer"  # named in messages
    personal = cfg.ethplorer_api_key.get()
    # A personal key is set by sources.http.QueryKeyTransport below the cache (never stored
    # there); the URL built here carries only the public "freekey" placeholder.
    key = "freekey"
    n = min(limit, ETHPLORER_KEY_LIMIT if personal else ETHPLORER_FREE_LIMIT)
    try:
        info = await http.get_json(f"{base}/getTokenInfo/{address}", params={"apiKey": key},
                                   source=host,
                                   parse=lambda body: parse_ethplorer_token(body, address, host))
    except BadResponse as exc:  # it quotes Ethplorer's error, which may echo our request
        if personal and personal in str(exc):
            raise BadResponse(str(exc).replace(personal, "***"), host) from None
        raise
    decimals = info.decimals
    assert decimals is not None
    rows = (await http.get_json(
        f"{base}/getTopTokenHolders/{address}", params={"apiKey": key, "limit": n},
        source=host, parse=lambda body: parse_ethplorer_holders(body, decimals, host)))[:n]
    if not rows:
        raise NotFound(f"{host} lists no holders for {info.symbol or address}.", host)
    truncated = (info.holder_count > len(rows) if info.holder_count is not None
                 else len(rows) >= n)
    return HolderSnapshot(
        token=info, addresses=tuple(a for a, _ in rows), balances=tuple(b for _, b in rows),
        live_labels={}, source=info.source, fetched_at=_now(), truncated=truncated,
        warnings=(f"{why}; top {len(rows)} from Ethplorer",),
    )


# --------------------------------------------------------------------------- entry point


async def fetch_holders(http: HttpClient, cfg: SourcesConfig, chain: str, address: str,
                        limit: int | None = None) -> HolderSnapshot:
    """The top ``limit`` holders of a token (default ``cfg.holders_limit``), largest first.

    Blockscout first (pages of 50; at most ``ceil(limit/50) + 2`` pages; stops on a repeated
    cursor or a page with nothing new, with a warning). Without a PRO key and without an
    explicit ``limit``, at most ``cfg.keyless_holders_limit`` holders are
    fetched. On Ethereum, if Blockscout fails with SourceUnavailable, RateLimited,
    BadResponse or KeyRequired, Ethplorer gives the top 100 (1,000 with
    ``cfg.ethplorer_api_key``), with Blockscout's reason as a warning; if that fails too,
    an error of Blockscout's kind is raised whose message and ``sources`` name both.

    Raises:
        InputError: ``address`` is not an EVM address, or ``limit`` < 1.
        NotFound: unknown chain, unknown token (404), or no holders at all.
        KeyRequired: the keyless API refused (and Ethplorer could not stand in).
        BadResponse, SourceUnavailable, RateLimited: see :mod:`core.errors`.
    """
    chain, address = normalize_chain(chain), check_address(address)
    if limit is None:
        limit = (cfg.holders_limit if cfg.blockscout_pro_api_key
                 else min(cfg.holders_limit, cfg.keyless_holders_limit))
    if limit < 1:
        raise InputError("The number of holders to fetch must be at least 1.")
    try:
        return await _blockscout_holders(http, cfg, chain, address, limit)
    except FALLBACK_ON as first:
        if chain != "ethereum":
            raise
        log.warning("Blockscout failed for %s (%s); trying Ethplorer", address,
                    public_text(first))
        log.debug("Blockscout failure for %s: %s (host %s)", address, first, first.host)
        why = str(first).rstrip(".") if isinstance(first, KeyRequired) else (
            "Blockscout unavailable")
        try:
            return await _ethplorer_holders(http, cfg, address, limit, why)
        except SourceError as second:
            log.warning("Ethplorer failed too for %s (%s)", address, public_text(second))
            log.debug("Ethplorer failure for %s: %s (host %s)", address, second, second.host)
            raise _both_failed(first, second) from second


def _both_failed(first: SourceError, second: SourceError) -> SourceError:
    """One error for Blockscout and its Ethplorer fallback both failing: Blockscout's kind
    and host, a message naming both, ``sources`` listing both; ``unreachable`` only when
    neither could be reached."""
    message = f"{first} The fallback failed too: {second}"
    sources = tuple(dict.fromkeys((*first.sources, *second.sources, "Ethplorer")))
    if isinstance(first, SourceUnavailable):
        both = first.unreachable and getattr(second, "unreachable", False)
        return SourceUnavailable(message, first.host, sources, unreachable=both)
    if isinstance(first, RateLimited):
        return RateLimited(message, first.host, first.retry_after, sources)
    if isinstance(first, Refused):
        return Refused(message, first.host, sources, status=first.status,
                       content_type=first.content_type, text=first.text)
    return type(first)(message, first.host, sources)
