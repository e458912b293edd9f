"""Read a holder list from a file and detect its format.

Formats (detected from the content, not the file name):

* **Dune result JSON** — ``{"execution_ended_at": …, "result": {"rows": [{"address",
  "balance"}]}}`` with balances in token units (as in ``holders_dune_2026-02-19/``).
* **Ethplorer** ``getTopTokenHolders`` JSON — ``{"holders": [{"address", "balance",
  "share"}]}``; ``balance`` is the raw amount as a float (× 10^decimals) and ``share`` a
  percent, so the total supply is recovered as ``balance / share × 100``.
* **Blockscout** ``/api/v2/tokens/{addr}/holders`` JSON page — ``{"items": [{"value",
  "address"|"address_hash": {"hash", …}, "token": {"decimals", …}}]}``, items read by the
  live parser (:func:`sources.holders.parse_holder_item`). ``value`` is a raw integer; the
  decimals come from the items' ``token`` objects or, when they have none (current
  Blockscout pages carry no ``token``), from a top-level ``"token": {"decimals", …}``
  saved with the page. A page that gives no decimals is refused, never read as tokens.
* **Etherscan holder CSV export** — ``"HolderAddress","Balance","PendingBalanceUpdate"``.
* **Any CSV** with an address column (``address``, ``holder``, ``holder_address``,
  ``wallet``, ``owner``) and a balance column (``balance``, ``balance_tokens``, ``amount``,
  ``quantity``, ``value``); a ``symbol`` column with several tokens needs ``--symbol``.

Duplicate addresses are merged (balances added) and reported in ``warnings``. Every problem
raises :class:`core.errors.InputError` with a one-line message.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import BadResponse, InputError
from core.labels import LiveLabel
from sources.holders import HolderRow, parse_decimals, parse_holder_item
from sources.parsing import finite_float, is_numeral, stripped

log = logging.getLogger(__name__)

_ADDRESS_COLUMNS = ("address", "holder_address", "holderaddress", "holder", "wallet", "owner",
                    "owner_address", "account")
_BALANCE_COLUMNS = ("balance", "balance_tokens", "amount", "quantity", "value", "tokens",
                    "balance_formatted")


@dataclass(frozen=True, slots=True)
class HolderList:
    """Holders read from one file.

    Attributes:
        addresses, balances: parallel lists; balances in token units (or in raw units when
            ``raw_units`` — then divide by 10^decimals to show them).
        format: the detected format name.
        symbol: token symbol when the file says it.
        as_of: ISO time of the snapshot when the file says it.
        supply_hint: total supply the file implies (same units as the balances), if any.
        live_labels: per-address labels carried by the file (Blockscout pages).
        warnings: things the user should know (merged duplicates, dropped zero rows).
    """

    addresses: list[str]
    balances: list[float]
    format: str
    symbol: str = ""
    as_of: str = ""
    supply_hint: float | None = None
    holder_count_hint: int | None = None
    live_labels: dict[str, LiveLabel] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def _to_float(value: object, where: str) -> float:
    """A balance in token units (or raw units, for Ethplorer files), ≥ 0 and finite.

    Read with :func:`sources.parsing.finite_float` (JSON numbers and decimal strings,
    thousands commas allowed); anything else is an :class:`InputError` naming ``where``.
    """
    x = finite_float(value, thousands=True)
    if x is None:
        if is_numeral(value, thousands=True):
            raise InputError(f"{where}: balance {str(value)[:40]!r} is not a finite number")
        raise InputError(f"{where}: balance {str(value)[:40]!r} is not a number")
    if x < 0:
        raise InputError(f"{where}: balance {value!r} is negative")
    return x


def _merge(
    pairs: list[tuple[str, float]], fmt: str, **extra: Any
) -> HolderList:
    """Merge duplicate addresses, drop zero balances, check something is left.

    ``extra`` are further :class:`HolderList` fields (``symbol``, ``as_of``, …); its
    ``warnings`` come first in the result's.
    """
    if not pairs:
        raise InputError("the holder list is empty")
    merged: dict[str, float] = {}
    duplicates = 0
    for address, balance in pairs:
        key = address.strip().lower()
        if not key:
            raise InputError("a row has an empty address")
        if key in merged:
            duplicates += 1
            merged[key] += balance
        else:
            merged[key] = balance
    warnings: list[str] = list(extra.pop("warnings", ()))
    if duplicates:
        warnings.append(f"merged {duplicates} duplicate address row(s) by adding their balances")
    zero = [a for a, b in merged.items() if b == 0]
    for a in zero:
        del merged[a]
    if zero:
        warnings.append(f"dropped {len(zero)} holder(s) with a zero balance")
    if not merged:
        raise InputError("no holder in the list has a positive balance")
    for w in warnings:
        log.warning("%s", w)
    return HolderList(
        addresses=list(merged), balances=list(merged.values()), format=fmt,
        warnings=tuple(warnings), **extra,
    )


def parse_dune(doc: dict) -> HolderList:
    """Dune ``/execution/{id}/results`` JSON with ``{address, balance}`` rows."""
    rows = doc.get("result", {}).get("rows")
    if not isinstance(rows, list):
        raise InputError("Dune result has no result.rows list")
    pairs = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict) or "address" not in row or "balance" not in row:
            raise InputError(f"row {i}: expected an address and a balance")
        pairs.append((str(row["address"]), _to_float(row["balance"], f"row {i}")))
    return _merge(pairs, "dune", as_of=str(doc.get("execution_ended_at") or ""))


def parse_ethplorer(doc: dict) -> HolderList:
    """Ethplorer ``getTopTokenHolders``; balances stay in raw units (see module doc)."""
    rows = doc["holders"]
    if not isinstance(rows, list):
        raise InputError("Ethplorer 'holders' is not a list")
    pairs = []
    supply_estimates = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict) or "address" not in row or "balance" not in row:
            raise InputError(f"holder {i}: expected an address and a balance")
        balance = _to_float(row["balance"], f"holder {i}")
        pairs.append((str(row["address"]), balance))
        share = row.get("share")
        if isinstance(share, int | float) and share > 0 and balance > 0:
            supply_estimates.append(balance / share * 100.0)
    supply = sorted(supply_estimates)[len(supply_estimates) // 2] if supply_estimates else None
    if supply is not None:  # shares are rounded: never imply less than is listed
        supply = max(supply, math.fsum(b for _, b in pairs))
    return _merge(pairs, "ethplorer", supply_hint=supply)


#: Stands for the "host" in the live parsers' messages ("the file sent a negative …").
_FILE = "the file"


def _blockscout_item(item: object, i: int) -> HolderRow:
    """One holders item, read by the live parser (:func:`sources.holders.parse_holder_item`)."""
    try:
        return parse_holder_item(item, _FILE)
    except BadResponse as exc:
        raise InputError(f"item {i}: {exc}") from None


def _blockscout_decimals(doc: dict, rows: list[HolderRow]) -> int:
    """The token's decimals: from the items' ``token`` objects (as the live parser reads
    them), else from a top-level ``token`` object (a ``/api/v2/tokens/{addr}`` reply saved
    with the page). Never guessed: without them the raw amounts cannot become tokens."""
    given = sorted({decimals for *_, decimals in rows if decimals is not None})
    if len(given) > 1:
        raise InputError(f"the Blockscout items disagree on the token's decimals "
                         f"({', '.join(map(str, given))})")
    if given:
        return given[0]
    token = doc.get("token")
    if isinstance(token, dict):
        try:
            decimals = parse_decimals(token.get("decimals"), _FILE)
        except BadResponse as exc:
            raise InputError(f"token: {exc}") from None
        if decimals is not None:
            return decimals
    raise InputError("the Blockscout holders page does not say the token's decimals (no "
                     "token.decimals in its items or a top-level token object), so its raw "
                     "amounts cannot be read as tokens")


def _blockscout_symbol(doc: dict) -> str:
    """The token symbol from the first item's ``token`` object, else a top-level ``token``."""
    tokens = [item.get("token") for item in doc["items"] if isinstance(item, dict)]
    for token in (*tokens, doc.get("token")):
        if isinstance(token, dict) and stripped(token.get("symbol")):
            return stripped(token.get("symbol"))
    return ""


def parse_blockscout(doc: dict) -> HolderList:
    """One Blockscout v2 holders page (``address`` or ``address_hash`` items).

    Items are read by the live parser, so a file and a live fetch agree on addresses, raw
    amounts and labels; amounts are converted exactly (``raw / 10**decimals``) with the
    decimals of :func:`_blockscout_decimals`; a page without them is an :class:`InputError`.
    """
    items = doc["items"]
    if not isinstance(items, list):
        raise InputError("Blockscout 'items' is not a list")
    rows = [_blockscout_item(item, i) for i, item in enumerate(items, 1)]
    if not rows:
        raise InputError("the holder list is empty")
    decimals = _blockscout_decimals(doc, rows)
    pairs = [(address, raw / 10**decimals) for address, raw, _, _ in rows]
    labels = {address: label for address, _, label, _ in rows}
    return _merge(pairs, "blockscout", symbol=_blockscout_symbol(doc), live_labels=labels)


def _pick(columns: list[str], wanted: tuple[str, ...]) -> str | None:
    norm = {c.strip().lower().replace(" ", "_"): c for c in columns}
    for w in wanted:
        if w in norm:
            return norm[w]
    return None


def parse_csv(path: Path, symbol: str = "") -> HolderList:
    """Etherscan export or any CSV with address and balance columns.

    pandas is imported here, not at module level: only CSV files need it, and importing it
    costs ~0.3 s and ~60 MB (``lorenz --help`` and JSON files go without).
    """
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    columns = list(frame.columns)
    address_col = _pick(columns, _ADDRESS_COLUMNS)
    balance_col = _pick(columns, _BALANCE_COLUMNS)
    if address_col is None or balance_col is None:
        raise InputError(
            f"{path.name}: unknown format — expected a Dune/Ethplorer/Blockscout JSON or a CSV "
            f"with address and balance columns (found: {', '.join(columns[:8])})"
        )
    fmt = "etherscan-csv" if address_col.lower() == "holderaddress" else "csv"
    symbol_col = _pick(columns, ("symbol", "token_symbol", "token"))
    file_symbol = ""
    if symbol_col is not None:
        symbols = sorted(set(frame[symbol_col].str.strip()) - {""})
        if symbol:
            frame = frame[frame[symbol_col].str.strip().str.upper() == symbol.upper()]
            if frame.empty:
                raise InputError(f"{path.name}: no rows for symbol {symbol!r} "
                                 f"(file has {', '.join(symbols[:10])})")
            file_symbol = symbol.upper()
        elif len(symbols) > 1:
            raise InputError(f"{path.name} holds several tokens ({', '.join(symbols[:10])}); "
                             "pick one with --symbol")
        elif symbols:
            file_symbol = symbols[0]
    as_of = ""
    as_of_col = _pick(columns, ("dune_execution_ended_at", "as_of", "snapshot_time", "timestamp"))
    if as_of_col is not None and len(frame):
        as_of = str(frame[as_of_col].iloc[0])
    pairs = [
        (str(a), _to_float(b, f"line {i + 2}"))
        for i, (a, b) in enumerate(zip(frame[address_col], frame[balance_col], strict=True))
    ]
    return _merge(pairs, fmt, symbol=file_symbol, as_of=as_of)


def read_holder_file(path: str | Path, symbol: str = "") -> HolderList:
    """Read and validate a holder list from ``path``, detecting its format.

    Raises:
        InputError: missing or unreadable file, unknown format, empty list, non-numeric or
            negative balances.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"no such file: {p}")
    try:
        head = p.read_bytes()[:4096].removeprefix(b"\xef\xbb\xbf").lstrip()
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror}") from None
    if head[:1] in (b"{", b"["):
        try:
            doc = json.loads(p.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{p.name}: broken JSON ({exc})") from None
        if isinstance(doc, dict) and isinstance(doc.get("result"), dict):
            return parse_dune(doc)
        if isinstance(doc, dict) and "holders" in doc:
            return parse_ethplorer(doc)
        if isinstance(doc, dict) and "items" in doc:
            return parse_blockscout(doc)
        raise InputError(
            f"{p.name}: unknown JSON format — expected a Dune result, an Ethplorer "
            "getTopTokenHolders or a Blockscout holders page"
        )
    return parse_csv(p, symbol)
