"""Parsing DefiLlama's ``GET /protocols`` and merging it with the built-in table.

Parsing is defensive: malformed entries are skipped, ``address`` may be ``"chain:0x…"``,
``"0x…"`` or null, ``governanceID`` lists Snapshot spaces and on-chain governors, and the
parent records DefiLlama does not list are synthesised from the children's
``parentProtocol``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import fields
from typing import Any, NamedTuple

from core.errors import BadResponse
from core.protocol import ProtocolRecord
from sources.holders import normalize_chain
from sources.parsing import evm_address, finite_float, stripped
from sources.protocols import BUILTIN, Builtin, norm

log = logging.getLogger(__name__)

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
    return normalize_chain(chain), evm_address(address)


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
            chain_id, _, text = rest.partition(":")
            address = evm_address(text)
            if chain_id.isdigit() and address is not None:
                onchain = f"eip155:{chain_id}:{address}"
    return tuple(spaces), onchain


def _text(value: object) -> str:
    """A text field; DefiLlama's placeholder ``"-"`` counts as empty."""
    text = stripped(value)
    return "" if text == "-" else text


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
    tvl = finite_float(raw.get("tvl"))
    # Ranking only: a TVL DefiLlama does not report (null, junk, NaN) ranks as 0.
    return Entry(record, tvl if tvl is not None else 0.0)


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


def kind_order(r: ProtocolRecord) -> int:
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
            return min(hits, key=lambda i: (kind_order(entries[i].record), -entries[i].tvl))
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
        match = _match_builtin(b, entries, index, taken)
        if match is None:
            merged.append(Entry(b.record, 0.0))
            continue
        taken.add(match)
        live = entries[match]
        extra[len(merged)] = [live.record.name, live.record.slug]
        merged.append(Entry(merge_builtin(b, live.record), live.tvl))
    return merged + [e for i, e in enumerate(entries) if i not in taken], extra
