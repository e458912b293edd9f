"""sources.holder_files: every input format, detected from content, and every bad input."""

from __future__ import annotations

import json
import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from shared_data import SHARED, shared

from core import holder_table
from core.errors import InputError
from core.labels import LiveLabel
from sources import holder_files
from sources.holder_files import HolderList, read_holder_file

DUNE = SHARED / "data" / "holders_dune_2026-02-19"
ETHPLORER = SHARED / "data" / "fixtures" / "ethplorer"

A1 = "0x" + "a1" * 20
A2 = "0x" + "b2" * 20
A3 = "0x" + "c3" * 20
UNI_TREASURY = "0x1a9c8182c09f50c8318d769245bea52c32be35bc"
DEAD_ADDRESS = "0x000000000000000000000000000000000000dead"


def write(tmp_path: Path, name: str, content: str | dict | list) -> Path:
    path = tmp_path / name
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    return path


def as_dict(holders: HolderList) -> dict[str, float]:
    return dict(zip(holders.addresses, holders.balances, strict=True))


# ----------------------------------------------------------------------------------- Dune


def dune_doc(rows: list[dict]) -> dict:
    return {
        "execution_id": "01KHT99XZ4G5CP7KBPYWKNCPJ5",
        "state": "QUERY_STATE_COMPLETED",
        "execution_ended_at": "2026-02-19T06:27:38.768488Z",
        "result": {"rows": rows, "metadata": {"column_names": ["address", "balance"]}},
    }


def test_dune_json(tmp_path):
    path = write(tmp_path, "holders.json", dune_doc([
        {"address": A1.upper().replace("0X", "0x"), "balance": 264634857.29010007},
        {"address": A2, "balance": "101277579.96336967"},
        {"address": A3, "balance": 0},
    ]))
    h = read_holder_file(path)
    assert h.format == "dune"
    assert h.as_of == "2026-02-19T06:27:38.768488Z"
    assert as_dict(h) == {A1: 264634857.29010007, A2: 101277579.96336967}
    assert h.supply_hint is None
    assert h.warnings == ("dropped 1 holder(s) with a zero balance",)


def test_real_dune_file():
    h = read_holder_file(shared(DUNE / "dune_balance_b_uni.json"))
    assert h.format == "dune"
    assert len(h.addresses) == 1000
    assert h.addresses[0] == UNI_TREASURY
    assert h.balances[0] == pytest.approx(264_634_857.29, rel=1e-9)
    assert h.as_of.startswith("2026-02-19")
    assert all(a == a.lower() for a in h.addresses)


# ------------------------------------------------------------------------------ Ethplorer


def test_ethplorer_json_infers_the_supply_from_the_share(tmp_path):
    path = write(tmp_path, "top.json", {"holders": [
        {"address": A1, "balance": 1.734031552047184e26, "share": 17.34},
        {"address": A2, "balance": 8.6e25, "share": 8.6},
        {"address": A3, "balance": 4.3e25, "share": 4.3},
    ]})
    h = read_holder_file(path)
    assert h.format == "ethplorer"
    # raw units, as in the file
    assert h.balances.tolist() == [1.734031552047184e26, 8.6e25, 4.3e25]
    assert h.supply_hint == pytest.approx(1e27, rel=1e-4)


def test_ethplorer_supply_is_never_below_the_listed_sum(tmp_path):
    # shares rounded to 2 decimals can imply a supply a little below what is listed
    path = write(tmp_path, "top.json", {"holders": [
        {"address": A1, "balance": 60.006, "share": 60.01},
        {"address": A2, "balance": 39.994, "share": 40.0},
    ]})
    h = read_holder_file(path)
    assert h.supply_hint >= sum(h.balances)


def test_real_ethplorer_fixture_against_its_implied_total():
    path = shared(ETHPLORER / "getTopTokenHolders_UNI_limit100_2022-01-31.json")
    h = read_holder_file(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    implied = [r["balance"] / r["share"] * 100 for r in doc["holders"] if r["share"] >= 1]
    assert len(h.addresses) == 100
    assert h.supply_hint == pytest.approx(sum(implied) / len(implied), rel=1e-3)
    info = ETHPLORER / "getTokenInfo_UNI_2022-01-31.json"
    if info.exists():  # the token's own totalSupply (raw units) agrees
        total = int(json.loads(info.read_text(encoding="utf-8"))["totalSupply"])
        assert h.supply_hint == pytest.approx(total, rel=1e-6)
    assert sum(h.balances) / h.supply_hint == pytest.approx(
        sum(r["share"] for r in doc["holders"]) / 100, abs=1e-3)


# ----------------------------------------------------------------------------- Blockscout

#: Raw integer amounts (strings, 18 decimals), some beyond 2**53 and 2**64.
RAW = ["264634857290100070000000000", "123456789012345678901234567", "1",
       "18446744073709551617000"]


def blockscout_page(shape: str) -> dict:
    token = {"address": "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984", "decimals": "18",
             "holders": "384512", "name": "Uniswap", "symbol": "UNI",
             "total_supply": "1000000000000000000000000000", "type": "ERC-20"}
    addresses = [
        {"hash": "0x1A9C8182C09F50C8318D769245BEA52C32BE35BC", "is_contract": True,
         "name": "Timelock", "public_tags": [], "implementations": []},
        {"hash": "0xF977814e90dA44bFA03b6295A0616a897441aceC", "is_contract": False,
         "name": None,
         "public_tags": [{"display_name": "Binance 8", "label": "binance"}]},
        {"hash": A3, "is_contract": None, "name": None, "public_tags": []},
        {"hash": A1, "is_contract": True, "name": "GnosisSafeProxy", "public_tags": None},
    ]
    items = [{shape: a, "token": token, "token_id": None, "value": v}
             for a, v in zip(addresses, RAW, strict=True)]
    return {"items": items, "next_page_params": {"items_count": 50, "value": "1"}}


@pytest.mark.parametrize("shape", ["address", "address_hash"])
def test_blockscout_page(tmp_path, shape):
    h = read_holder_file(write(tmp_path, "page.json", blockscout_page(shape)))
    assert h.format == "blockscout"
    assert h.symbol == "UNI"
    assert h.addresses == [UNI_TREASURY, "0xf977814e90da44bfa03b6295a0616a897441acec", A3, A1]
    for balance, raw in zip(h.balances, RAW, strict=True):
        assert balance == float(Fraction(int(raw), 10**18))  # correctly rounded, not via float
    assert h.balances[0] == 264634857.29010007
    assert h.live_labels[UNI_TREASURY] == LiveLabel("Timelock", True, ())
    assert h.live_labels["0xf977814e90da44bfa03b6295a0616a897441acec"] == LiveLabel(
        None, False, ("binance",))
    assert h.live_labels[A3] == LiveLabel(None, None, ())
    assert h.live_labels[A1].name == "GnosisSafeProxy"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"address": {"hash": A1}, "value": "-5", "token": {"decimals": "18"}}, "negative"),
        # the live parser's words: a raw amount is "not a whole number"
        ({"address": {"hash": A1}, "value": "1.5e18", "token": {"decimals": "18"}},
         "item 1: .*not a whole number"),
        ({"address": {"hash": A1}, "token": {"decimals": "18"}}, "not a whole number"),
        ({"address": {"hash": A1}, "value": "12", "token": {"decimals": "x"}},
         "decimals 'x', not a whole number"),
        ({"address": {"hash": A1}, "value": "12", "token": {"decimals": "0"}}, None),
        # no decimals: raw amounts are never read as tokens (they used to be, with 0)
        ({"address": {"hash": A1}, "value": "12", "token": "UNI"}, "does not say the token's"
                                                                   " decimals"),
        ({"address": {"name": "no hash"}, "value": "1"}, "without a valid address"),
        ({"value": "1"}, "without a valid address"),
        ({"address": {"hash": "0x1234"}, "value": "1"}, "without a valid address"),
        ("not an item", "item 1: .*not an object"),
    ],
)
def test_blockscout_bad_items(tmp_path, item, message):
    path = write(tmp_path, "page.json", {"items": [item]})
    if message is None:
        assert read_holder_file(path).balances.tolist() == [12.0]
        return
    with pytest.raises(InputError, match=message) as info:
        read_holder_file(path)
    assert "\n" not in str(info.value)


def test_blockscout_page_without_decimals_is_refused_not_read_as_raw_amounts(tmp_path):
    """Current Blockscout holders pages carry no token object (API_NOTES §0): the amounts
    are raw integers, so without decimals there is no number to give."""
    page = blockscout_page("address")
    for item in page["items"]:
        del item["token"]
    path = write(tmp_path, "page.json", page)
    with pytest.raises(InputError, match="does not say the token's decimals") as info:
        read_holder_file(path)
    assert "\n" not in str(info.value)

    # the token reply saved next to the items gives them, as the token endpoint does live
    page["token"] = {"decimals": "18", "symbol": "UNI", "holders_count": "384512"}
    h = read_holder_file(write(tmp_path, "page.json", page))
    assert h.symbol == "UNI"
    assert h.balances[0] == 264634857.29010007
    for balance, raw in zip(h.balances, RAW, strict=True):
        assert balance == float(Fraction(int(raw), 10**18))


def test_blockscout_items_that_disagree_on_decimals_are_refused(tmp_path):
    page = blockscout_page("address")
    page["items"][1]["token"] = {**page["items"][1]["token"], "decimals": "6"}
    with pytest.raises(InputError, match=r"disagree on the token's decimals \(6, 18\)"):
        read_holder_file(write(tmp_path, "page.json", page))


def test_blockscout_file_and_live_parser_read_items_alike(tmp_path):
    from sources.holders import parse_holder_item

    page = blockscout_page("address_hash")
    h = read_holder_file(write(tmp_path, "page.json", page))
    for item in page["items"]:
        address, raw, label, decimals = parse_holder_item(item, "eth.blockscout.com")
        assert h.live_labels[address] == label
        assert as_dict(h)[address] == raw / 10**decimals


# ------------------------------------------------------------------------------------ CSV


def test_etherscan_csv_export(tmp_path):
    path = write(tmp_path, "export-tokenholders-for-contract-0x1f98.csv",
                 '"HolderAddress","Balance","PendingBalanceUpdate"\n'
                 f'"{UNI_TREASURY}","264,634,857.29010007","No"\n'
                 f'"{A1}","1,234","No"\n'
                 f'"{A2}","0.5","Yes"\n')
    h = read_holder_file(path)
    assert h.format == "etherscan-csv"
    assert as_dict(h) == {UNI_TREASURY: 264634857.29010007, A1: 1234.0, A2: 0.5}


def test_etherscan_csv_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f'"HolderAddress","Balance","PendingBalanceUpdate"\n'
                                       f'"{A1}","1,234","No"\n'.encode())
    assert as_dict(read_holder_file(path)) == {A1: 1234.0}


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("address,balance", "{a},{b}"),
        ("Address,Balance", "{a},{b}"),
        ("wallet,amount", "{a},{b}"),
        ("holder_address,balance_tokens", "{a},{b}"),
        ("owner,quantity,note", "{a},{b}e0,hello"),
        ("rank,holder,value", "1,{a},{b}"),
        ("Holder Address,Balance", '{a},"{b}"'),
    ],
)
def test_generic_csv(tmp_path, header, row):
    lines = [header, row.format(a=A1, b="12.5"), row.format(a=A2, b="2")]
    h = read_holder_file(write(tmp_path, "h.csv", "\n".join(lines) + "\n"))
    assert h.format == "csv"
    assert as_dict(h) == {A1: 12.5, A2: 2.0}


def test_json_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(dune_doc([{"address": A1, "balance": 3}]))
                     .encode())
    assert as_dict(read_holder_file(path)) == {A1: 3.0}


def test_json_is_detected_by_content_not_by_name(tmp_path):
    path = write(tmp_path, "holders.csv", dune_doc([{"address": A1, "balance": 3}]))
    assert read_holder_file(path).format == "dune"
    path = write(tmp_path, "holders.json", f"address,balance\n{A1},3\n")
    assert read_holder_file(path).format == "csv"


MULTI = (
    "symbol,chain,token_address,rank,holder_address,balance_tokens,dune_execution_id,"
    "dune_execution_ended_at\n"
    f"UNI,ethereum,0x1f98,1,{A1},100,01K,2026-02-19T06:27:38Z\n"
    f"UNI,ethereum,0x1f98,2,{A2},50,01K,2026-02-19T06:27:38Z\n"
    f"AAVE,ethereum,0x7fc6,1,{A3},7,01L,2026-02-19T06:30:29Z\n"
)


def test_multi_token_csv_needs_a_symbol(tmp_path):
    path = write(tmp_path, "multi.csv", MULTI)
    with pytest.raises(InputError, match=r"several tokens \(AAVE, UNI\).*--symbol"):
        read_holder_file(path)


@pytest.mark.parametrize("symbol", ["UNI", "uni", " Uni"])
def test_multi_token_csv_with_a_symbol(tmp_path, symbol):
    h = read_holder_file(write(tmp_path, "multi.csv", MULTI), symbol=symbol.strip())
    assert as_dict(h) == {A1: 100.0, A2: 50.0}
    assert h.symbol == "UNI"
    assert h.as_of == "2026-02-19T06:27:38Z"


def test_multi_token_csv_with_an_unknown_symbol(tmp_path):
    with pytest.raises(InputError, match=r"no rows for symbol 'SUSHI' \(file has AAVE, UNI\)"):
        read_holder_file(write(tmp_path, "multi.csv", MULTI), symbol="SUSHI")


def test_single_token_csv_names_its_symbol(tmp_path):
    h = read_holder_file(write(tmp_path, "one.csv", f"symbol,address,balance\nCRV,{A1},5\n"))
    assert h.symbol == "CRV"


def test_real_multi_token_csv_equals_the_dune_json():
    csv_path = shared(DUNE / "top1000_holders_7tokens_2026-02-19.csv")
    with pytest.raises(InputError, match="several tokens"):
        read_holder_file(csv_path)
    for symbol in ("UNI", "AAVE", "COMP", "MKR", "CRV", "GRT", "OP"):
        from_csv = read_holder_file(csv_path, symbol=symbol)
        from_json = read_holder_file(DUNE / f"dune_balance_b_{symbol.lower()}.json")
        assert from_csv.symbol == symbol
        assert len(from_csv.addresses) == 1000
        assert as_dict(from_csv) == pytest.approx(as_dict(from_json), rel=1e-12)
        assert from_csv.as_of == from_json.as_of


# ------------------------------------------------------------------ duplicates and zeros


def test_duplicate_addresses_are_merged_with_a_warning(tmp_path, caplog):
    path = write(tmp_path, "dup.csv",
                 f"address,balance\n{A1},10\n{A2},5\n{A1.upper().replace('0X', '0x')},2.5\n"
                 f"{A1},1\n")
    with caplog.at_level("WARNING"):
        h = read_holder_file(path)
    assert as_dict(h) == {A1: 13.5, A2: 5.0}
    assert h.warnings == ("merged 2 duplicate address row(s) by adding their balances",)
    assert "merged 2 duplicate" in caplog.text


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.json", dune_doc([]), "empty"),
        ("zeros.json", dune_doc([{"address": A1, "balance": 0}]), "positive balance"),
        ("neg.json", dune_doc([{"address": A1, "balance": -1}]), "row 1: .*negative"),
        ("nan.json", dune_doc([{"address": A1, "balance": "NaN"}]), "not a number"),
        ("null.json", dune_doc([{"address": A1, "balance": None}]), "not a number"),
        ("bool.json", dune_doc([{"address": A1, "balance": True}]), "not a number"),
        ("huge.json", dune_doc([{"address": A1, "balance": "1e400"}]), "not a finite"),
        ("nobal.json", dune_doc([{"address": A1}]), "row 1: expected an address and a bal"),
        ("rows.json", {"result": {"rows": "nope"}}, "no result.rows list"),
        ("unknown.json", {"data": [1, 2]}, "unknown JSON format"),
        ("list.json", [{"address": A1, "balance": 1}], "unknown JSON format"),
        ("broken.json", '{"result": {"rows": [', "broken JSON"),
        ("eth.json", {"holders": "12345"}, "not a list"),
        ("bs.json", {"items": None}, "not a list"),
        ("cols.csv", "foo,bar\n1,2\n", r"unknown format .* \(found: foo, bar\)"),
        ("neg.csv", f"address,balance\n{A1},5\n{A2},-3\n", "line 3: balance '-3' is negative"),
        ("text.csv", f"address,balance\n{A1},lots\n", "line 2: balance 'lots' is not a number"),
        ("blank.csv", f"address,balance\n{A1},\n", "not a number"),
        ("noaddr.csv", "address,balance\n,5\n", "empty address"),
        ("header.csv", "address,balance\n", "empty"),
        ("nothing.csv", "", "not a readable CSV"),
    ],
)
def test_bad_files_raise_one_line_input_errors(tmp_path, name, content, message):
    path = write(tmp_path, name, content)
    with pytest.raises(InputError, match=message) as info:
        read_holder_file(path)
    assert "\n" not in str(info.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_holder_file(tmp_path / "missing.json")
    with pytest.raises(InputError, match="no such file"):
        read_holder_file(tmp_path)


def test_binary_garbage_is_an_input_error(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError):
        read_holder_file(path)


# ----------------------------------------------------------- the vectorised CSV path at scale


def _reference(rows: list[tuple[str, str]]) -> dict[str, float]:
    """What a per-row reading gives: strip + lower, thousands commas dropped, Python's
    float(), duplicates added in file order, zeros dropped."""
    merged: dict[str, float] = {}
    for address, balance in rows:
        key = address.strip().lower()
        merged[key] = merged.get(key, 0.0) + float(balance.strip().replace(",", ""))
    return {a: b for a, b in merged.items() if b != 0}


@pytest.fixture
def small_chunks(monkeypatch):
    """Read CSVs 7 rows at a time, so every test crosses chunk boundaries."""
    monkeypatch.setattr(holder_files, "CSV_CHUNK_ROWS", 7)


def _random_rows(n: int, seed: int, *, commas: bool = False) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pool = [f"0x{rng.getrandbits(160):040x}" for _ in range(n // 2)] + [DEAD_ADDRESS]
    rows = []
    for _ in range(n):
        address = rng.choice(pool)
        if rng.random() < 0.2:
            address = address.upper().replace("0X", "0x")
        if rng.random() < 0.1:
            address = f" {address}\t"
        value = f"{rng.paretovariate(1.1) * 10 ** rng.randint(-3, 9):.{rng.randint(0, 20)}f}"
        if commas and rng.random() < 0.5:
            whole, _, frac = value.partition(".")
            value = f"{int(whole):,}" + (f".{frac}" if frac else "")
        rows.append((address, value))
    return rows


@pytest.mark.parametrize("commas", [False, True])
def test_chunked_csv_equals_a_per_row_reading(tmp_path, small_chunks, commas):
    rows = _random_rows(300, seed=15 + commas, commas=commas)
    body = "".join(f'"{a}","{b}"\n' for a, b in rows)
    h = read_holder_file(write(tmp_path, "big.csv", "address,balance\n" + body))
    expected = _reference(rows)
    assert list(h.addresses) == list(expected)  # first appearance order
    assert h.balances.tolist() == list(expected.values())  # exactly, not approximately
    assert h.addresses.evm  # 0x + 40 hex digits: kept as 20 bytes each
    duplicates = len(rows) - len({a.strip().lower() for a, _ in rows})
    assert f"merged {duplicates} duplicate" in h.warnings[0]


def test_long_decimals_read_as_pythons_float_does(tmp_path):
    rng = random.Random(7)
    values = [f"{rng.getrandbits(40)}.{rng.getrandbits(60):018d}" for _ in range(2000)]
    body = "".join(f"0x{i:040x},{v}\n" for i, v in enumerate(values, 1))
    h = read_holder_file(write(tmp_path, "long.csv", "address,balance\n" + body))
    assert h.balances.tolist() == [float(v) for v in values]


def test_addresses_of_other_chains_stay_text(tmp_path, small_chunks):
    rows = [(f"0x{i:040x}", "1") for i in range(10)] + [("SoLaNaAddr1111", "2"),
                                                        ("solanaaddr1111", "3")]
    body = "".join(f"{a},{b}\n" for a, b in rows)
    h = read_holder_file(write(tmp_path, "mixed.csv", "address,balance\n" + body))
    assert not h.addresses.evm
    assert as_dict(h) == _reference(rows)
    assert h.addresses[-1] == "solanaaddr1111" and h.balances[-1] == 5.0


def test_a_hash_collision_falls_back_to_comparing_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(holder_table, "hash_bytes",
                        lambda data: np.zeros(len(data), dtype=np.uint64))
    rows = _random_rows(60, seed=3)
    body = "".join(f"{a},{b}\n" for a, b in rows)
    h = read_holder_file(write(tmp_path, "collide.csv", "address,balance\n" + body))
    assert as_dict(h) == _reference(rows)


def test_a_bad_balance_in_a_later_chunk_names_its_line(tmp_path, small_chunks):
    body = "".join(f"0x{i:040x},{i}\n" for i in range(1, 30)) + f"{A1},-2\n"
    with pytest.raises(InputError, match=r"line 31: balance '-2' is negative"):
        read_holder_file(write(tmp_path, "late.csv", "address,balance\n" + body))
    body = "".join(f"0x{i:040x},{i}\n" for i in range(1, 30)) + f"{A1},1e400\n"
    with pytest.raises(InputError, match=r"line 31: balance '1e400' is not a finite number"):
        read_holder_file(write(tmp_path, "late.csv", "address,balance\n" + body))


def test_symbol_rows_are_picked_across_chunks(tmp_path, small_chunks):
    lines = [f"{'UNI' if i % 3 else 'AAVE'},0x{i:040x},{i}" for i in range(1, 40)]
    path = write(tmp_path, "multi.csv", "symbol,address,balance\n" + "\n".join(lines) + "\n")
    h = read_holder_file(path, symbol="aave")
    assert as_dict(h) == {f"0x{i:040x}": float(i) for i in range(3, 40, 3)}
    with pytest.raises(InputError, match=r"several tokens \(AAVE, UNI\)"):
        read_holder_file(path)
