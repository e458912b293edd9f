"""A holder list as columns: addresses, balances and categories in numpy arrays.

A million-row holder file must not become a million Python objects. :class:`HolderTable`
keeps the columns as arrays and is a ``Sequence[Holder]``: indexing or slicing it makes
:class:`~core.views.Holder` objects for just the rows asked for (the top 10 a chart shows,
the top N a reply lists), so every reader of ``Report.holders`` works unchanged while the
scoring reads the arrays directly.

:class:`Addresses` is the address column: UTF-8 bytes in one fixed-width numpy array (an
EVM address is 42 bytes, not a 91-byte ``str`` object), read through an optional index so
that dedup and sorting never copy it; :meth:`Addresses.rows_of` finds the rows of a few
given addresses (labels) with a vectorised hash lookup, checked exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

from core.categories import Category, in_view, is_identified
from core.views import Holder

#: Category codes: ``categories[i]`` of a table is an index into this tuple.
CATEGORIES: tuple[Category, ...] = tuple(Category)
CATEGORY_CODE: dict[Category, int] = {c: i for i, c in enumerate(CATEGORIES)}

#: Rows hashed per block (bounds the temporary copies to a few MB).
_BLOCK = 65_536
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_SHIFT = np.uint64(29)
#: Bytes that are hex digits (either case), and the lower-case digits.
_HEX_BYTES = np.zeros(256, dtype=bool)
_HEX_BYTES[list(b"0123456789abcdefABCDEF")] = True
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
#: An EVM address as stored in a compact column: its 20 bytes.
EVM_DTYPE = np.dtype("V20")


def evm_text(data: NDArray[np.void]) -> NDArray[np.bytes_]:
    """20-byte EVM addresses (:data:`EVM_DTYPE`) as lower-case ``0x…`` text (``S42``)."""
    n = int(data.shape[0])
    raw = np.ascontiguousarray(data).view(np.uint8).reshape(n, 20)
    out = np.empty((n, 42), dtype=np.uint8)
    out[:, 0], out[:, 1] = ord("0"), ord("x")
    out[:, 2::2] = _HEX_DIGITS[raw >> 4]
    out[:, 3::2] = _HEX_DIGITS[raw & 15]
    return out.view("S42").ravel()


def hash_bytes(data: NDArray[Any]) -> NDArray[np.uint64]:
    """A 64-bit hash of every item of a fixed-width bytes array — ``S`` text or
    :data:`EVM_DTYPE` (vectorised, 8 bytes a step).

    Equal items give equal hashes; items of different arrays hash alike only when the arrays
    have the same width (the zero padding is hashed), so callers pad keys to the column's
    width (:meth:`Addresses.rows_of`). Not cryptographic: a match is always confirmed.
    """
    n = int(data.shape[0])
    width = data.dtype.itemsize
    out = np.empty(n, dtype=np.uint64)
    if n == 0:
        return out
    words = -(-width // 8)
    matrix = np.ascontiguousarray(data).view(np.uint8).reshape(n, width)
    for start in range(0, n, _BLOCK):
        block = matrix[start:start + _BLOCK]
        padded = np.zeros((block.shape[0], words * 8), dtype=np.uint8)
        padded[:, :width] = block
        lanes = padded.view("<u8")
        h = np.full(block.shape[0], _FNV_OFFSET, dtype=np.uint64)
        for j in range(words):
            h ^= lanes[:, j]
            h *= _FNV_PRIME
            h ^= h >> _SHIFT
        out[start:start + block.shape[0]] = h
    return out


class Addresses(Sequence[str]):
    """Lower-case holder addresses in one numpy array (a ``Sequence[str]``).

    ``data`` holds either UTF-8 text in an ``S`` array or — when every address is ``0x`` +
    40 hex digits (:meth:`compact`) — their 20 bytes (:data:`EVM_DTYPE`, less than half the
    memory; read back as ``0x…`` lower-case text). ``positions`` (optional) says which item
    of ``data`` each row is, so :meth:`take` (dedup, sorting) composes indices instead of
    copying the bytes. Text addresses may not end in NUL characters (an ``S`` array drops
    them).
    """

    __slots__ = ("_hashes", "data", "positions")

    def __init__(self, data: NDArray[Any], positions: NDArray[np.integer] | None = None,
                 data_hashes: NDArray[np.uint64] | None = None):
        self.data = data
        self.positions = positions
        self._hashes = data_hashes  # hash_bytes(data), shared by every take() of it

    @classmethod
    def from_strings(cls, addresses: Iterable[str]) -> Addresses:
        """Addresses as given (already normalised), encoded as UTF-8."""
        encoded = [a.encode("utf-8") for a in addresses]
        return cls(np.array(encoded, dtype=np.bytes_) if encoded else np.empty(0, "S1"))

    @property
    def evm(self) -> bool:
        """Whether the column holds 20-byte EVM addresses (else text)."""
        return self.data.dtype == EVM_DTYPE

    def compact(self) -> Addresses:
        """This column with 20-byte addresses when every row is ``0x`` + 40 lower-case hex
        digits (as :func:`sources.holder_files.normalise_addresses` gives them), else
        itself. One ``bytes.fromhex`` over the whole column decodes and checks the digits."""
        width = self.data.dtype.itemsize
        if self.evm or self.positions is not None or width < 42:
            return self
        n = int(self.data.shape[0])
        matrix = self.data.view(np.uint8).reshape(n, width)
        if width > 42 and matrix[:, 42:].any():  # a longer item
            return self
        if not ((matrix[:, 0] == ord("0")).all() and (matrix[:, 1] == ord("x")).all()
                and matrix[:, 41].all()):  # a prefix missing, or a shorter item
            return self
        digits = matrix[:, 2:42].tobytes().decode("ascii")
        if digits != digits.lower():  # upper case would not read back the same
            return self
        try:
            raw = bytes.fromhex(digits)
        except ValueError:
            return self
        if len(raw) != 20 * n:  # fromhex skips blanks: some item held one
            return self
        return Addresses(np.frombuffer(raw, dtype=EVM_DTYPE))

    def _text(self, item: bytes) -> str:
        """One stored item as the address text."""
        return "0x" + item.hex() if self.evm else item.decode("utf-8")

    def __len__(self) -> int:
        return int((self.positions if self.positions is not None else self.data).shape[0])

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> Addresses: ...

    def __getitem__(self, i: int | slice) -> str | Addresses:
        if isinstance(i, slice):
            return self.take(np.arange(len(self))[i])
        j = self.positions[i] if self.positions is not None else i
        return self._text(bytes(self.data[j]))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Addresses) and self.evm == other.evm:
            return bool(np.array_equal(self.bytes_array(), other.bytes_array()))
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compared by content

    def __repr__(self) -> str:
        return f"Addresses({len(self)} rows)"

    def __iter__(self) -> Iterator[str]:
        for start in range(0, len(self), _BLOCK):
            for item in self.bytes_array(start, start + _BLOCK).tolist():
                yield self._text(item)

    def bytes_array(self, start: int = 0, stop: int | None = None) -> NDArray[Any]:
        """Rows ``start:stop`` as stored (``S`` text or 20-byte items; a copy when there
        are positions)."""
        if self.positions is None:
            return self.data[start:stop]
        return self.data[self.positions[start:stop]]

    def take(self, rows: NDArray[np.integer]) -> Addresses:
        """The given rows, in that order, sharing this column's bytes."""
        positions = rows if self.positions is None else self.positions[rows]
        return Addresses(self.data, positions, self._hashes)

    def hashes(self) -> NDArray[np.uint64]:
        """:func:`hash_bytes` of every row (computed once per ``data``, then indexed)."""
        if self._hashes is None:
            self._hashes = hash_bytes(self.data)
        return self._hashes if self.positions is None else self._hashes[self.positions]

    def first_not_evm(self) -> str | None:
        """The first address that is not ``"0x"`` + 40 hex digits, or ``None`` when all are.

        Checked on the bytes (one table lookup per byte), not with a regex per row.
        """
        n = len(self)
        if self.evm:
            return None
        if n and self.data.dtype.itemsize < 42:  # every item is shorter than an address
            return self[0]
        for start in range(0, n, _BLOCK):  # in blocks: the lookups make a byte per byte
            data = self.bytes_array(start, start + _BLOCK)
            block = data.view(np.uint8).reshape(data.shape[0], data.dtype.itemsize)[:, :42]
            ok = ((np.strings.str_len(data) == 42)
                  & (block[:, 0] == ord("0")) & (block[:, 1] == ord("x"))
                  & _HEX_BYTES[block[:, 2:]].all(axis=1))
            if not ok.all():
                return self[start + int(np.argmin(ok))]
        return None

    def rows_of(self, keys: Iterable[str]) -> dict[int, str]:
        """The rows whose address is one of ``keys`` (lower-case strings): row → key.

        Vectorised: the keys are hashed like the column and every row's hash is looked up in
        the sorted key hashes (``np.searchsorted``); only the candidate rows (about one per
        key) are compared exactly, in Python.
        """
        width = self.data.dtype.itemsize
        if self.evm:
            wanted = {_evm_key(k): k for k in keys}
            wanted.pop(b"", None)
            key_array = np.frombuffer(b"".join(wanted), dtype=EVM_DTYPE)
        else:
            wanted = {k.encode("utf-8"): k for k in keys}
            wanted = {b: k for b, k in wanted.items() if 0 < len(b) <= width}
            key_array = np.array(list(wanted), dtype=f"S{width}")
        if not wanted or len(self) == 0:
            return {}
        key_hashes = np.unique(hash_bytes(key_array))
        hashes = self.hashes()
        at = np.minimum(np.searchsorted(key_hashes, hashes), key_hashes.size - 1)
        candidates = np.flatnonzero(key_hashes[at] == hashes)
        found: dict[int, str] = {}
        for row in candidates.tolist():
            key = wanted.get(bytes(self.data[self.positions[row] if self.positions is not None
                                             else row]))
            if key is not None:
                found[row] = key
        return found


def _evm_key(key: str) -> bytes:
    """The 20 bytes of a lower-case ``0x`` + 40 hex digit key, ``b""`` for any other key."""
    if len(key) != 42 or not key.startswith("0x"):
        return b""
    try:
        raw = bytes.fromhex(key[2:])
    except ValueError:
        return b""
    return raw if "0x" + raw.hex() == key else b""  # upper case or spaces never match


class HolderTable(Sequence[Holder]):
    """Holders as columns, sorted as given (``label_holders`` sorts by balance, largest first).

    Attributes:
        addresses: lower-case addresses (:class:`Addresses`).
        balances: float64 balances in token units.
        categories: uint8 codes into :data:`CATEGORIES`.
        labels: ``row → (label, label source)`` for the rows that have a label name or a
            source (the others have ``("", "")``).
        entities: ``row → entity`` for the rows whose label names an organisation
            (:attr:`core.labels.Label.entity`); the others have none.

    ``table[i]`` is a :class:`Holder`; ``table[a:b]`` a tuple of them (only those rows are
    made); iterating makes them one at a time. Equal tables hold equal rows.
    """

    __slots__ = ("addresses", "balances", "categories", "entities", "labels")

    def __init__(self, addresses: Addresses, balances: NDArray[np.float64],
                 categories: NDArray[np.uint8], labels: Mapping[int, tuple[str, str]],
                 entities: Mapping[int, str] | None = None):
        if not len(addresses) == balances.shape[0] == categories.shape[0]:
            raise ValueError("holder columns differ in length")
        self.addresses = addresses
        self.balances = balances
        self.categories = categories
        self.labels = dict(labels)
        self.entities = {row: e for row, e in (entities or {}).items() if e}

    @classmethod
    def from_holders(cls, holders: Iterable[Holder]) -> HolderTable:
        """A table of ``holders`` in their order (for short lists built as objects)."""
        rows = list(holders)
        labels = {i: (h.label, h.label_source) for i, h in enumerate(rows)
                  if h.label or h.label_source}
        return cls(Addresses.from_strings(h.address for h in rows),
                   np.array([h.balance for h in rows], dtype=np.float64),
                   np.array([CATEGORY_CODE[h.category] for h in rows], dtype=np.uint8),
                   labels, {i: h.entity for i, h in enumerate(rows) if h.entity})

    def __len__(self) -> int:
        return int(self.balances.shape[0])

    @overload
    def __getitem__(self, i: int) -> Holder: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[Holder, ...]: ...

    def __getitem__(self, i: int | slice) -> Holder | tuple[Holder, ...]:
        if isinstance(i, slice):
            return tuple(self._holder(j) for j in range(*i.indices(len(self))))
        n = len(self)
        if not -n <= i < n:
            raise IndexError("holder index out of range")
        return self._holder(i % n)

    def _holder(self, row: int) -> Holder:
        """Row ``row`` (0 ≤ row < len) as a Holder."""
        label, source = self.labels.get(row, ("", ""))
        return Holder(self.addresses[row], float(self.balances[row]), label,
                      CATEGORIES[self.categories[row]], source, self.entities.get(row, ""))

    def __iter__(self) -> Iterator[Holder]:
        for row in range(len(self)):
            yield self._holder(row)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HolderTable):
            return (len(self) == len(other) and bool(np.array_equal(self.balances,
                                                                    other.balances))
                    and bool(np.array_equal(self.categories, other.categories))
                    and self.labels == other.labels and self.entities == other.entities
                    and bool(np.array_equal(self.addresses.bytes_array(),
                                            other.addresses.bytes_array())))
        if isinstance(other, Sequence):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable arrays inside

    def __repr__(self) -> str:
        return f"HolderTable({len(self)} holders)"

    def kept(self, view: str) -> NDArray[np.bool_]:
        """Which rows ``view`` keeps (:func:`core.categories.in_view` per category code)."""
        lut = np.array([in_view(c, view) for c in CATEGORIES], dtype=bool)
        return lut[self.categories]

    def identified(self) -> NDArray[np.bool_]:
        """Which rows have an identified category (:func:`core.categories.is_identified`)."""
        lut = np.array([is_identified(c) for c in CATEGORIES], dtype=bool)
        return lut[self.categories]

    def view_balances(self, view: str) -> NDArray[np.float64]:
        """Balances (token units) of the rows ``view`` keeps, in table order."""
        return self.balances[self.kept(view)]


def as_table(holders: Sequence[Holder]) -> HolderTable:
    """``holders`` as a :class:`HolderTable` (itself when it already is one)."""
    return holders if isinstance(holders, HolderTable) else HolderTable.from_holders(holders)
