"""Parsing shared by every source: numbers, hosts and addresses (pure functions, no I/O).

One helper per job, so a value means the same in every reply and file Lorenz reads:

* numbers — :func:`finite_float` (amounts, prices, USD, voting power) and
  :func:`whole_number` (raw integer token amounts, decimals, counts). Both return ``None``
  for "not reported / not readable"; they never turn it into 0. A caller that wants 0 (or an
  error) says so where it calls them. :func:`stripped` does the same for text fields.
* hosts — :func:`host_of`, the host name that error messages and :class:`core.errors`
  ``host`` fields carry (the same one the HTTP client reports).
* addresses — :func:`evm_address` / :func:`is_evm_address`, and :func:`check_address` for
  user input.

Nothing here scales a value: the units are whatever the field is in (USD, token units, raw
base units, voting power); each docstring says what is accepted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import TypeGuard

import httpx
import numpy as np

from core.errors import InputError

#: A decimal number written out: optional sign, digits with an optional fraction (or a
#: fraction alone), optional exponent. No "_" separators, no hex, no "inf"/"nan" words.
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
#: A whole number written out: 1–90 digits (a uint256 has at most 78), no sign.
_DIGITS = re.compile(r"[0-9]{1,90}")
#: An EVM address: "0x" and 40 hex digits, any case (EIP-55 checksums are not verified).
_EVM_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


# --------------------------------------------------------------------------- numbers


def is_numeral(value: object, *, thousands: bool = False) -> TypeGuard[int | float | str]:
    """Whether ``value`` is written as a number, finite or not.

    True for ``int`` and ``float`` (NaN and ±infinity included, ``bool`` excluded) and for
    strings holding a decimal number — optional sign, digits with an optional fraction (or a
    fraction alone), optional exponent, surrounding whitespace ignored; commas dropped first
    when ``thousands``. ``"1e400"`` is a numeral (that is not finite); ``"NaN"``, ``"inf"``,
    ``"1_000"``, ``"0x10"`` and ``""`` are not. Lets a caller tell "not a number" from
    "not a finite number" after :func:`finite_float` said ``None``.
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return (isinstance(value, str)
            and _DECIMAL.fullmatch(_numeral_text(value, thousands)) is not None)


def _numeral_text(value: str, thousands: bool) -> str:
    return value.strip().replace(",", "") if thousands else value.strip()


def finite_float(value: object, *, thousands: bool = False) -> float | None:
    """A finite float from a JSON number or a decimal string; ``None`` = not reported.

    Accepted: ``int`` and ``float`` (not ``bool``); a string holding a decimal number with
    optional sign, fraction and exponent (``"12"``, ``" -4.5 "``, ``".5"``, ``"1e21"``),
    surrounding whitespace ignored. With ``thousands=True`` commas are dropped first
    (``"1,234.5"`` → 1234.5), as in spreadsheet exports; API replies are read without.

    ``None`` for: ``None``, ``True``/``False``, any other type, an empty or non-numeric
    string (``"n/a"``, ``"1_000"``, ``"0x10"``, ``"NaN"``, ``"inf"``), NaN, ±infinity — also
    when it only appears on conversion (``"1e400"``, an int above ~1.8e308); see
    :func:`is_numeral` to tell those apart.

    The value is not scaled and its sign is kept: a caller that needs a non-negative
    amount checks it. Strings are converted by Python's correctly rounded ``float()``, so
    ``"123456789012345678901234567"`` gives the nearest double, like the int does.
    """
    if not is_numeral(value, thousands=thousands):
        return None
    number = _numeral_text(value, thousands) if isinstance(value, str) else value
    try:
        result = float(number)
    except OverflowError:  # an int too large for a double
        return None
    return result if math.isfinite(result) else None


def whole_number(value: object) -> int | None:
    """A non-negative whole number, exactly, from an ``int`` or a string of digits.

    For raw token amounts (integers in the token's smallest unit, e.g. wei, which may exceed
    2**64), token decimals and holder counts. Ints of any size are returned as they are —
    no float on the way. A string may have surrounding whitespace and 1–90 digits.

    ``None`` for: negative ints, ``bool``, floats (even ``3.0``), strings with a sign, a
    fraction, an exponent, hex or separators (``"-5"``, ``"1.5e18"``, ``"0x1f"``,
    ``"1,000"``), empty strings, ``None`` and any other type. Callers decide whether that
    is "not reported" or an error.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    return None


def stripped(value: object) -> str:
    """A JSON string without surrounding whitespace; ``""`` for ``None`` and non-strings."""
    return value.strip() if isinstance(value, str) else ""


# --------------------------------------------------------------------------- hosts


def host_of(url: str) -> str:
    """The host name of ``url``: lower case, without scheme, user, port or path.

    ``"https://api.llama.fi/summary/fees"`` → ``"api.llama.fi"``; ``"http://127.0.0.1:8080"``
    → ``"127.0.0.1"``; ``""`` or a URL without a host → ``""``. This is the host the HTTP
    client names in its own errors (``httpx.URL(url).host``), so a source's messages and
    the client's agree. A URL httpx cannot parse falls back to the text between ``://`` and
    the next ``/`` (it is only ever shown in messages).
    """
    try:
        return httpx.URL(url).host
    except (httpx.InvalidURL, TypeError, ValueError):
        return str(url).split("://", 1)[-1].split("/", 1)[0]


# --------------------------------------------------------------------------- addresses


def is_evm_address(value: object) -> bool:
    """Whether ``value`` is exactly ``"0x"`` + 40 hex digits (any case; no whitespace).

    Checksums (EIP-55 mixed case) are accepted but not verified.
    """
    return isinstance(value, str) and _EVM_ADDRESS.fullmatch(value) is not None


def evm_address(value: object) -> str | None:
    """``value`` as a lower-case EVM address, or ``None`` when it is not one.

    Surrounding whitespace is ignored; wrong length, a missing ``0x``, non-hex digits and
    non-strings give ``None``. Lower case is the key every label and lookup uses.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text.lower() if _EVM_ADDRESS.fullmatch(text) else None


def check_address(value: object, what: str = "token contract address") -> str:
    """A user-given EVM address, lower case; else :class:`InputError` (one line).

    ``what`` names the address in the message (``"... is not a token contract address
    (0x + 40 hex)."``); the shown input is cut to 60 characters.
    """
    address = evm_address(value)
    if address is None:
        raise InputError(f"{str(value)[:60]!r} is not a {what} (0x + 40 hex).")
    return address


#: Byte value → is it a hex digit (0-9, a-f, A-F): a lookup table for whole columns.
_HEX_BYTE = np.zeros(256, dtype=bool)
_HEX_BYTE[list(b"0123456789abcdefABCDEF")] = True


def first_non_address(addresses: Iterable[str]) -> str | None:
    """The first entry of ``addresses`` that is not an EVM address (as
    :func:`is_evm_address`: ``"0x"`` + 40 hex digits, any case, no whitespace), or ``None``
    when all are (or there are none).

    Checked column-wise with numpy on the joined text, not with a regex per row, so a
    million holders take tens of milliseconds. Accepts a list or a numpy string/object
    array; a non-string entry is reported as not an address.
    """
    own_check = getattr(addresses, "first_not_evm", None)
    if callable(own_check):  # a holder file's column (core.holder_table.Addresses): its bytes
        return own_check()
    items = addresses if isinstance(addresses, np.ndarray | list) else list(addresses)
    n = len(items)
    if n == 0:
        return None
    try:
        lengths = np.fromiter(map(len, items), dtype=np.int64, count=n)
        text = "".join(items) if (lengths == 42).all() else None
        raw = text.encode("ascii") if text is not None else None
    except (TypeError, UnicodeEncodeError):  # a non-string or a non-ASCII entry
        raw = None
    if raw is None:
        return next((str(a) for a in items if not is_evm_address(a)), None)
    codes = np.frombuffer(raw, dtype=np.uint8).reshape(n, 42)
    ok = ((codes[:, 0] == ord("0")) & (codes[:, 1] == ord("x"))
          & _HEX_BYTE[codes[:, 2:]].all(axis=1))
    return None if ok.all() else str(items[int(np.argmin(ok))])


__all__ = ["check_address", "evm_address", "finite_float", "first_non_address", "host_of",
           "is_evm_address", "is_numeral", "stripped", "whole_number"]
