"""sources.parsing: the one number, host and address parser every source uses."""

from __future__ import annotations

import math

import pytest

from core.errors import InputError
from sources.parsing import (
    check_address,
    evm_address,
    finite_float,
    host_of,
    is_evm_address,
    is_numeral,
    stripped,
    whole_number,
)

A1 = "0x" + "a1" * 20


@pytest.mark.parametrize(("value", "expected"), [
    (12, 12.0), (-4.5, -4.5), ("12", 12.0), (" -4.5 ", -4.5), (".5", 0.5), ("1e21", 1e21),
    ("123456789012345678901234567", float(123456789012345678901234567)),
    # not reported: never 0
    (None, None), (True, None), (False, None), ("", None), ("n/a", None), ("NaN", None),
    ("inf", None), ("1_000", None), ("0x10", None), ("1,234", None), ("1e400", None),
    (math.nan, None), (math.inf, None), (10**400, None), ([1], None), ({"usd": 1}, None),
])
def test_finite_float(value, expected):
    assert finite_float(value) == expected


def test_finite_float_with_thousands_commas():
    assert finite_float("1,234.5", thousands=True) == 1234.5
    assert finite_float("1,234.5") is None


@pytest.mark.parametrize(("value", "numeral"), [
    (1, True), (math.nan, True), ("1e400", True), (" 3 ", True),
    (True, False), ("NaN", False), ("inf", False), ("", False), (None, False),
])
def test_is_numeral_tells_not_a_number_from_not_finite(value, numeral):
    assert is_numeral(value) is numeral


@pytest.mark.parametrize(("value", "expected"), [
    (0, 0), (7, 7), (2**80, 2**80), ("  42 ", 42), ("1" * 78, int("1" * 78)),
    (-1, None), (True, None), (3.0, None), ("-5", None), ("1.5e18", None), ("0x1f", None),
    ("1,000", None), ("", None), ("1" * 91, None), (None, None), ([1], None),
])
def test_whole_number(value, expected):
    assert whole_number(value) == expected


@pytest.mark.parametrize(("url", "host"), [
    ("https://api.llama.fi", "api.llama.fi"),
    ("https://hub.snapshot.org/graphql", "hub.snapshot.org"),
    ("http://127.0.0.1:8080/api", "127.0.0.1"),
    ("https://user@Eth.Blockscout.com/x?apikey=1", "eth.blockscout.com"),
    ("", ""),
])
def test_host_of(url, host):
    assert host_of(url) == host


def test_addresses():
    assert evm_address(f"  {A1.upper().replace('0X', '0x')} ") == A1
    assert is_evm_address(A1) and not is_evm_address(f"{A1}\n")
    for bad in ("0x1234", A1[2:], A1 + "00", "0x" + "g" * 40, None, 12):
        assert evm_address(bad) is None and not is_evm_address(bad)
    assert check_address(A1.upper().replace("0X", "0x")) == A1
    with pytest.raises(InputError, match=r"'uniswap' is not a token contract address"):
        check_address("uniswap")


def test_stripped():
    assert stripped("  Aave ") == "Aave"
    assert stripped(None) == "" and stripped(12) == ""
