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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from core.errors import BadResponse, InputError
from core.holder_table import EVM_DTYPE, Addresses, evm_text
from core.labels import LiveLabel
from sources.holders import HolderRow, parse_decimals, parse_holder_item
from sources.parsing import finite_float, is_numeral, stripped

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

_ADDRESS_COLUMNS = ("address", "holder_address", "holderaddress", "holder", "wallet", "owner",
                    "owner_address", "account")
_BALANCE_COLUMNS = ("balance", "balance_tokens", "amount", "quantity", "value", "tokens",
                    "balance_formatted")


@dataclass(frozen=True, slots=True)
class HolderList:
    """Holders read from one file.

    Attributes:
        addresses, balances: parallel columns, one row per distinct address in the order of
            first appearance: lower-case addresses (:class:`core.holder_table.Addresses`, a
            ``Sequence[str]`` over one bytes array) and float64 balances in token units (in
            raw units for Ethplorer files: divide by 10^decimals to show them).
        format: the detected format name.
        symbol: token symbol when the file says it.
        as_of: ISO time of the snapshot when the file says it.
        supply_hint: total supply the file implies (same units as the balances), if any.
        live_labels: per-address labels carried by the file (Blockscout pages).
        warnings: things the user should know (merged duplicates, dropped zero rows).
    """

    addresses: Addresses
    balances: NDArray[np.float64]
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


#: Bytes Python's ``str.strip()`` removes from ASCII text; 0x1c–0x1f are whitespace to
#: ``str`` but not to ``bytes.strip()``, so a column with them there is normalised as text.
_STRIP_BYTES = np.zeros(256, dtype=bool)
_STRIP_BYTES[[9, 10, 11, 12, 13, 32]] = True
_ODD_SPACE = np.zeros(256, dtype=bool)
_ODD_SPACE[[28, 29, 30, 31]] = True


def _edges(data: NDArray[np.bytes_]) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """The first and last byte of every item of a fixed-width bytes array (0 when empty)."""
    n = int(data.shape[0])
    matrix = data.view(np.uint8).reshape(n, data.dtype.itemsize)
    last = np.maximum(np.strings.str_len(data) - 1, 0)
    return matrix[:, 0], matrix[np.arange(n), last]


def normalise_addresses(raw: Sequence[object] | NDArray[np.object_]) -> Addresses:
    """Addresses stripped and lower-cased exactly as ``str(a).strip().lower()`` would.

    Vectorised for ASCII text (every address a CSV or an API gives): one encode to a bytes
    array, one ``bytes.lower()`` over its buffer, and a strip only when an item starts or
    ends with whitespace. Text with other characters is normalised item by item.
    """
    values = np.asarray(raw, dtype=object)
    if values.size == 0:
        return Addresses(np.empty(0, dtype="S1"))
    try:
        data = values.astype(np.bytes_)
    except (UnicodeEncodeError, TypeError, ValueError):
        return _normalise_text(values)
    data = np.frombuffer(data.tobytes().lower(), dtype=data.dtype)
    first, last = _edges(data)
    if _ODD_SPACE[first].any() or _ODD_SPACE[last].any():
        return _normalise_text(values)
    if _STRIP_BYTES[first].any() or _STRIP_BYTES[last].any():
        data = np.strings.strip(data)
    return Addresses(data)


def _normalise_text(values: NDArray[np.object_]) -> Addresses:
    """The per-item fallback of :func:`normalise_addresses` (non-ASCII text)."""
    return Addresses.from_strings(str(a).strip().lower() for a in values.tolist())


def _same_rows(data: NDArray[np.bytes_], codes: NDArray[np.signedinteger[Any]],
               first: NDArray[np.signedinteger[Any]]) -> bool:
    """Whether every row equals the first row of its group (in blocks: no full-size copy)."""
    block = 65_536
    return all(bool((data[i:i + block] == data[first[codes[i:i + block]]]).all())
               for i in range(0, int(data.shape[0]), block))


def _groups(keys: NDArray[Any]) -> tuple[NDArray[np.int32 | np.int64],
                                         NDArray[np.int32 | np.int64]]:
    """Group equal ``keys`` (any sortable array): ``(codes, first)`` with groups numbered in
    order of first appearance and ``first[g]`` the first row of group g.

    One stable sort; the renumbering is a counting pass. Indices are 32-bit below 2³¹ rows,
    which halves the temporary arrays of a million-row file.
    """
    n = int(keys.shape[0])
    small: type[np.int32 | np.int64] = np.int32 if n < 2**31 else np.int64
    perm: NDArray[np.int32 | np.int64] = np.argsort(keys, kind="stable").astype(small,
                                                                                copy=False)
    ordered = keys[perm]
    starts = np.empty(n, dtype=bool)
    starts[:1] = True
    starts[1:] = ordered[1:] != ordered[:-1]  # (the operator also compares raw bytes)
    del ordered
    first_sorted = perm[starts]  # first row of each group (stable sort: the earliest)
    sorted_group: NDArray[np.int32 | np.int64] = np.cumsum(starts, dtype=small)
    np.subtract(sorted_group, 1, out=sorted_group)
    codes = np.empty(n, dtype=small)
    codes[perm] = sorted_group
    del perm, sorted_group
    # by_row[r]: the group (in sorted numbering) whose first row is r, else -1
    by_row: NDArray[np.int32 | np.int64] = np.full(n, -1, dtype=small)
    by_row[first_sorted] = np.arange(first_sorted.size, dtype=small)
    order = by_row[by_row >= 0]  # groups in order of their first row
    del by_row
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size, dtype=small)
    return rank[codes], first_sorted[order]


def group_addresses(column: Addresses) -> tuple[NDArray[np.int32 | np.int64],
                                               NDArray[np.int32 | np.int64]]:
    """Group equal addresses: ``(codes, first)`` with ``codes[i]`` the group of row i,
    groups numbered in order of first appearance, ``first[g]`` the first row of group g.

    Vectorised: rows are grouped by a 64-bit hash (:meth:`Addresses.hashes`) and every row is
    then compared with its group's first row; only if two different addresses shared a hash
    are the bytes themselves sorted instead (slower, same answer). (A sort, not pandas'
    hash table: ``pd.factorize`` of a million hashes needs ~60 MB more at its peak.)
    """
    data = column.bytes_array()
    codes, first = _groups(column.hashes())
    if not _same_rows(data, codes, first):  # a hash collision: group by the bytes
        codes, first = _groups(data)
    return codes, first


def _merge(addresses: Addresses, balances: NDArray[np.float64], fmt: str,
           **extra: Any) -> HolderList:
    """Merge duplicate addresses (adding their balances in file order), drop zero
    balances, check something is left — on whole columns, no per-row Python.

    ``addresses`` are normalised (:func:`normalise_addresses`); ``balances`` are validated
    (finite, ≥ 0). ``extra`` are further :class:`HolderList` fields (``symbol``,
    ``as_of``, …); its ``warnings`` come first in the result's.
    """
    if len(addresses) == 0:
        raise InputError("the holder list is empty")
    data = addresses.bytes_array()
    if not addresses.evm and (data.view(np.uint8)[::data.dtype.itemsize] == 0).any():
        raise InputError("a row has an empty address")
    codes, first = group_addresses(addresses)
    # bincount adds each group's weights in row order: the sums a dict loop would give.
    merged = np.bincount(codes, weights=balances, minlength=first.size).astype(np.float64,
                                                                             copy=False)
    warnings: list[str] = list(extra.pop("warnings", ()))
    duplicates = len(addresses) - int(first.size)
    if duplicates:
        warnings.append(f"merged {duplicates} duplicate address row(s) by adding their balances")
    positive = merged != 0
    zero = int(positive.size - np.count_nonzero(positive))
    if zero:
        warnings.append(f"dropped {zero} holder(s) with a zero balance")
    if zero == positive.size:
        raise InputError("no holder in the list has a positive balance")
    for w in warnings:
        log.warning("%s", w)
    keep = np.flatnonzero(positive)
    return HolderList(
        addresses=addresses.take(first[keep]), balances=merged[keep], format=fmt,
        warnings=tuple(warnings), **extra,
    )


def _pairs_list(pairs: list[tuple[str, float]], fmt: str, **extra: Any) -> HolderList:
    """:func:`_merge` of ``(address, balance)`` pairs read from a JSON file."""
    addresses = normalise_addresses([a for a, _ in pairs]).compact()
    balances = np.array([b for _, b in pairs], dtype=np.float64)
    return _merge(addresses, balances, fmt, **extra)


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
    return _pairs_list(pairs, "dune", as_of=str(doc.get("execution_ended_at") or ""))


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
    return _pairs_list(pairs, "ethplorer", supply_hint=supply)


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
    return _pairs_list(pairs, "blockscout", symbol=_blockscout_symbol(doc), live_labels=labels)


def _pick(columns: list[str], wanted: tuple[str, ...]) -> str | None:
    norm = {c.strip().lower().replace(" ", "_"): c for c in columns}
    for w in wanted:
        if w in norm:
            return norm[w]
    return None


#: Rows read per chunk of a CSV file: the text of one chunk is the only per-row Python data.
#: Small chunks keep the churn of those strings small: a 1M-row file peaks ~25 MB lower at
#: 16,384 rows a chunk than at 65,536 (freed strings leave partly used memory behind), and
#: is read as fast.
CSV_CHUNK_ROWS = 16_384

#: Bytes a balance written as a plain decimal number is made of (0 pads short items).
_NUMERAL_BYTES = np.zeros(256, dtype=bool)
_NUMERAL_BYTES[list(b"0123456789.eE+-")] = True
_NUMERAL_BYTES[0] = True


class _NotPlainNumbers(Exception):
    """A balance column the C parser cannot read exactly as :func:`_to_float` does."""


@dataclass(frozen=True, slots=True)
class _CsvColumns:
    """The columns of a holder CSV that are read (``None`` when the file has none)."""

    address: str
    balance: str
    symbol: str | None
    as_of: str | None

    @property
    def used(self) -> list[str]:
        """The columns to read, each once, in file-independent order."""
        return list(dict.fromkeys(c for c in (self.address, self.balance, self.symbol,
                                              self.as_of) if c is not None))


def _csv_columns(path: Path) -> tuple[_CsvColumns, str]:
    """The columns to read and the format name, from the header line alone."""
    import pandas as pd

    try:
        columns = list(pd.read_csv(path, nrows=0, dtype=object).columns)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    address_col = _pick(columns, _ADDRESS_COLUMNS)
    balance_col = _pick(columns, _BALANCE_COLUMNS)
    if address_col is None or balance_col is None:
        raise InputError(
            f"{path.name}: unknown format — expected a Dune/Ethplorer/Blockscout JSON or a CSV "
            f"with address and balance columns (found: {', '.join(columns[:8])})"
        )
    fmt = "etherscan-csv" if address_col.lower() == "holderaddress" else "csv"
    return _CsvColumns(
        address_col, balance_col, _pick(columns, ("symbol", "token_symbol", "token")),
        _pick(columns, ("dune_execution_ended_at", "as_of", "snapshot_time", "timestamp")),
    ), fmt


def _csv_chunks(path: Path, cols: _CsvColumns, text: bool) -> Iterator[pd.DataFrame]:
    """The file in chunks of :data:`CSV_CHUNK_ROWS` rows; balances as float64 read by the C
    parser, or as text when ``text`` (anything else in the used columns is text).

    Raises:
        _NotPlainNumbers: a balance the C parser cannot read (commas, words…).
        InputError: the file is not a readable CSV.
    """
    import pandas as pd

    dtype: dict[str, Any] = {c: object for c in cols.used}
    if not text:
        dtype[cols.balance] = np.float64
    try:
        with pd.read_csv(path, usecols=cols.used, dtype=dtype, keep_default_na=False,
                         na_filter=False, chunksize=CSV_CHUNK_ROWS) as reader:
            yield from reader
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    except ValueError as exc:  # a balance the float converter refused
        if text:
            raise InputError(f"{path.name}: not a readable CSV ({exc})") from None
        raise _NotPlainNumbers from None


def _text_balances(texts: NDArray[np.object_], lines: NDArray[np.intp]) -> NDArray[np.float64]:
    """Balances written as text, read exactly as :func:`_to_float` reads them.

    Vectorised when every item is ASCII made of digits, ``.``, ``e``, signs and thousands
    commas (strip, drop commas, one cast — the cast parses like ``float()``); otherwise item
    by item with :func:`_to_float`, whose first bad value raises naming its line.
    """
    try:
        data = texts.astype(np.bytes_)
        cleaned = np.strings.replace(np.strings.strip(data), b",", b"")
        matrix = cleaned.view(np.uint8).reshape(cleaned.shape[0], cleaned.dtype.itemsize)
        if _NUMERAL_BYTES[matrix].all() and (np.strings.str_len(cleaned) > 0).all():
            values = cleaned.astype(np.float64)
            if (np.isfinite(values) & (values >= 0)).all():
                return values
    except (UnicodeEncodeError, ValueError):
        pass
    return np.array([_to_float(v, f"line {line}")
                     for v, line in zip(texts.tolist(), lines.tolist(), strict=True)],
                     dtype=np.float64)


def _line_count(path: Path) -> int:
    """Newlines in the file (+1): at least as many as it has rows (read 1 MB at a time)."""
    count = 1
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
    return count


class _Column:
    """A growing numpy column filled chunk by chunk, without a final concatenation.

    Allocated once for ``capacity`` rows (an upper bound: the file's line count); pages
    never written are never touched, so unused capacity costs no memory. A chunk of wider
    byte strings widens the column (one copy).
    """

    def __init__(self, capacity: int, dtype: np.dtype[Any]):
        self._data: NDArray[Any] = np.empty(capacity, dtype=dtype)
        self._size = 0

    def append(self, values: NDArray[Any]) -> None:
        """Add a chunk's rows (20-byte EVM items become text once any item is not one)."""
        if values.dtype == EVM_DTYPE and self._data.dtype != EVM_DTYPE:
            values = evm_text(values)  # a text column stays text
        elif self._data.dtype == EVM_DTYPE and values.dtype != EVM_DTYPE:
            text = np.empty(self._data.shape[0], dtype="S42")  # this chunk is not all EVM
            text[:self._size] = evm_text(self._data[:self._size])
            self._data = text
        if values.dtype.itemsize > self._data.dtype.itemsize:  # wider byte strings
            self._data = self._data.astype(values.dtype)
        end = self._size + values.shape[0]
        if end > self._data.shape[0]:  # cannot happen with a line count; stay correct
            grown = np.empty(max(end, 2 * self._data.shape[0]), dtype=self._data.dtype)
            grown[:self._size] = self._data[:self._size]
            self._data = grown
        self._data[self._size:end] = values
        self._size = end

    def __len__(self) -> int:
        return self._size

    def values(self) -> NDArray[Any]:
        """The rows filled so far (a view: no copy)."""
        return self._data[:self._size]


@dataclass
class _CsvRows:
    """What :func:`_read_csv_rows` collected, chunk by chunk."""

    addresses: _Column
    balances: _Column
    symbols: set[str] = field(default_factory=set)
    as_of: str | None = None


def _read_csv_rows(path: Path, cols: _CsvColumns, symbol: str, text: bool) -> _CsvRows:
    """Read the rows chunk by chunk: the rows of ``symbol`` (all when ""), every symbol
    seen, the first kept row's as-of time, normalised addresses and validated balances.

    Raises:
        _NotPlainNumbers: (only when not ``text``) a balance to be read as text instead.
    """
    capacity = _line_count(path)
    rows = _CsvRows(_Column(capacity, EVM_DTYPE), _Column(capacity, np.dtype(np.float64)))
    for chunk in _csv_chunks(path, cols, text):
        if cols.symbol is not None:
            symbols = chunk[cols.symbol].str.strip()
            rows.symbols.update(symbols.unique().tolist())
            if symbol:
                chunk = chunk[(symbols.str.upper() == symbol.upper()).to_numpy()]
        if rows.as_of is None and cols.as_of is not None and len(chunk):
            rows.as_of = str(chunk[cols.as_of].iloc[0])
        if text:
            lines = chunk.index.to_numpy() + 2
            balances = _text_balances(chunk[cols.balance].to_numpy(object), lines)
        else:
            balances = chunk[cols.balance].to_numpy(np.float64)
            if not (np.isfinite(balances) & (balances >= 0)).all():
                raise _NotPlainNumbers
        rows.balances.append(balances)
        rows.addresses.append(
            normalise_addresses(chunk[cols.address].to_numpy(object)).compact().data)
    return rows


def parse_csv(path: Path, symbol: str = "") -> HolderList:
    """Etherscan export or any CSV with address and balance columns, read in chunks.

    Balances that are plain numbers are converted by pandas' C parser; others (thousands
    commas) are read as text and converted by :func:`_text_balances`. Addresses become one
    bytes column (:func:`normalise_addresses`), so no per-row Python objects outlive a chunk.

    pandas is imported here, not at module level: only CSV files need it, and importing it
    costs ~0.3 s and ~60 MB (``lorenz --help`` and JSON files go without).
    """
    cols, fmt = _csv_columns(path)
    try:
        rows = _read_csv_rows(path, cols, symbol, text=False)
    except _NotPlainNumbers:
        rows = _read_csv_rows(path, cols, symbol, text=True)
    file_symbol = ""
    symbols = sorted(rows.symbols - {""})
    if cols.symbol is not None:
        if symbol:
            if not len(rows.balances):
                raise InputError(f"{path.name}: no rows for symbol {symbol!r} "
                                 f"(file has {', '.join(symbols[:10])})")
            file_symbol = symbol.upper()
        elif len(symbols) > 1:
            raise InputError(f"{path.name} holds several tokens ({', '.join(symbols[:10])}); "
                             "pick one with --symbol")
        elif symbols:
            file_symbol = symbols[0]
    return _merge(Addresses(rows.addresses.values()), rows.balances.values(), fmt,
                  symbol=file_symbol, as_of=rows.as_of or "")


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
        with p.open("rb") as fh:  # the first 4 KB, not the whole (maybe huge) file
            head = fh.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
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
