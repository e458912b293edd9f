"""core.holder_table and the vectorised label stage: columns in, the same holders out."""

from __future__ import annotations

import random

import numpy as np
import pytest

from core.categories import Category
from core.holder_table import Addresses, HolderTable, as_table
from core.labels import Label, LiveLabel
from core.views import Holder
from pipeline.labels import LabelBook, label_holders
from scoring.views import score_views
from sources.holder_files import normalise_addresses

DEAD = "0x000000000000000000000000000000000000dead"
BINANCE_8 = "0xf977814e90da44bfa03b6295a0616a897441acec"


def _per_row(addresses, balances, book, live):
    """The label stage as a loop over the rows (what label_holders must equal)."""
    holders = []
    for address, balance in zip(addresses, balances, strict=True):
        key = address.lower()
        label = book.classify(key, live.get(key))
        holders.append(Holder(key, float(balance), label.name, label.category, label.source,
                              label.entity))
    holders.sort(key=lambda h: h.balance, reverse=True)
    return tuple(holders)


@pytest.mark.parametrize("evm", [True, False])
def test_label_holders_equals_a_loop_over_the_rows(evm):
    rng = random.Random(4)
    addresses = [f"0x{rng.getrandbits(160):040x}" for _ in range(400)] + [DEAD, BINANCE_8]
    if not evm:
        addresses.append("not-an-evm-address")
    balances = [float(rng.choice([1, 2, 3, rng.random()])) for _ in addresses]  # many ties
    book = LabelBook("ethereum", [(addresses[5], Label("Fund A", Category.FUND, "labels: x")),
                                  (BINANCE_8, Label("mine", Category.UNLABELED, "labels: x"))])
    live = {addresses[7]: LiveLabel(name="GnosisSafeProxy", is_contract=True),
            addresses[8]: LiveLabel(name="ERC1967Proxy", is_contract=True),
            addresses[9]: LiveLabel(is_contract=False)}
    column = normalise_addresses(addresses).compact()
    assert column.evm is evm
    table = label_holders(column, np.array(balances), book, live)
    assert isinstance(table, HolderTable)
    assert tuple(table) == _per_row(addresses, balances, book, live)
    assert table[:3] == tuple(table)[:3] and table[-1] == tuple(table)[-1]
    by_address = {h.address: h for h in table}
    assert by_address[DEAD].category is Category.BURN
    assert by_address[BINANCE_8].category is Category.EXCHANGE  # a fact beats "unknown"
    assert by_address[addresses[7]].category is Category.MULTISIG  # by its contract name
    assert by_address[addresses[8]].category is Category.UNLABELED_CONTRACT
    assert by_address[BINANCE_8].entity == "Binance"


def test_scores_of_a_table_and_of_holder_objects_are_identical():
    rng = random.Random(9)
    categories = list(Category)
    holders = [Holder(f"0x{i:040x}", rng.paretovariate(1.2), "", rng.choice(categories))
               for i in range(500)]
    assert score_views(as_table(holders), supply=2e4, holder_count=900) == score_views(
        tuple(holders), supply=2e4, holder_count=900)
    table = as_table(holders)
    kept = [h.balance for h in holders if h.category not in (Category.BURN, Category.TREASURY,
                                                             Category.VESTING,
                                                             Category.UNDISTRIBUTED)]
    assert table.view_balances("circulating").tolist() == kept


def test_rows_of_finds_exact_keys_only():
    column = normalise_addresses([BINANCE_8, DEAD, "Alice", BINANCE_8]).compact()
    assert not column.evm
    assert column.rows_of({BINANCE_8, "alice", "bob", BINANCE_8.upper()}) == {
        0: BINANCE_8, 2: "alice", 3: BINANCE_8}
    evm = normalise_addresses([BINANCE_8, DEAD]).compact()
    assert evm.evm and list(evm) == [BINANCE_8, DEAD]
    assert evm.rows_of({DEAD, DEAD.upper(), "0x1234", "0xzz" + DEAD[4:]}) == {1: DEAD}


def test_addresses_take_shares_bytes_and_reads_back_text():
    column = Addresses.from_strings(["0xab", "0xcd", "0xef"])
    taken = column.take(np.array([2, 0]))
    assert taken.data is column.data
    assert list(taken) == ["0xef", "0xab"] and taken[1] == "0xab" and taken == ["0xef", "0xab"]
    assert column[1:] == ["0xcd", "0xef"]
    assert column.first_not_evm() == "0xab"


def test_a_table_checks_its_columns():
    with pytest.raises(ValueError, match="differ in length"):
        HolderTable(Addresses.from_strings(["0xab"]), np.array([1.0, 2.0]),
                    np.zeros(2, dtype=np.uint8), {})
    table = as_table([Holder("0xab", 2.0, "x", Category.FUND, "s")])
    with pytest.raises(IndexError):
        table[1]
    assert table == [Holder("0xab", 2.0, "x", Category.FUND, "s")]
    assert repr(table) == "HolderTable(1 holders)"
