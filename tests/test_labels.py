"""Labels → categories: precedence, live labels, name rules, built-in facts, label files."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from shared_data import SHARED, shared

from core.categories import Category, category_from_contract, category_from_label, parse_category
from core.errors import InputError
from core.labels import Label, LiveLabel
from pipeline.known_addresses import KNOWN_ADDRESSES, known_address
from pipeline.labels import LabelBook, classify_live
from sources.label_files import chain_note, load_labels, split_chain

C = Category
LABELS = SHARED / "data" / "labels"

UNI_TREASURY = "0x1a9c8182c09f50c8318d769245bea52c32be35bc"  # a built-in fact (treasury)
STKAAVE = "0x4da27a545c0c5b758a6ba100e3a049001de870f5"  # a built-in fact (staking)
DEAD = "0x000000000000000000000000000000000000dead"  # built-in on every chain (burn)
NOBODY = "0x1111111111111111111111111111111111111111"  # in no built-in table
UNI_WETH_POOL = "0x1d42064fc4beb5f8aaf85f4617ae8b3b5b8bd801"  # Uniswap V3 UNI/WETH 0.3% (amm_pool)
UNI_MERKLE_DISTRIBUTOR = "0x090d4613473dee047c3f2706764f49e0821d256e"  # unclaimed airdrop


# ----------------------------------------------------------------------- LabelBook


def book_with(address: str, label: Label) -> LabelBook:
    return LabelBook("ethereum", [(address, label)])


def test_a_user_label_with_a_category_beats_a_built_in_fact():
    label = Label("My fund", C.FUND, "labels: mine.csv")
    assert book_with(UNI_TREASURY, label).classify(UNI_TREASURY) == label


@pytest.mark.parametrize("category", [C.OTHER, C.UNLABELED])
def test_a_user_label_without_a_kind_does_not_hide_a_built_in_fact(category):
    book = book_with(UNI_TREASURY, Label("Some contract", category, "labels: x.json"))
    got = book.classify(UNI_TREASURY)
    assert got.category is C.TREASURY
    assert got.source.startswith("built-in: ")
    assert "uniswap" in got.source.lower() or "DefiLlama" in got.source


def test_a_user_label_without_a_kind_still_names_an_unknown_address():
    label = Label("Some contract", C.OTHER, "labels: x.json")
    book = book_with(NOBODY, label)
    assert book.classify(NOBODY) == label
    assert book.classify(NOBODY, LiveLabel(is_contract=True)) == label


def test_a_built_in_fact_beats_a_live_label():
    got = LabelBook().classify(STKAAVE, LiveLabel(name="Binance 8", is_contract=False))
    assert got.category is C.STAKING
    assert got.source.startswith("built-in: ")


def test_a_user_label_beats_a_live_label():
    label = Label("Team multisig", C.FUND, "labels: team.csv")
    live = LiveLabel(name="Binance 8", tags=("exchange",))
    assert book_with(NOBODY, label).classify(NOBODY, live) == label


def test_live_label_when_nothing_else_is_known():
    got = LabelBook().classify(NOBODY, LiveLabel(name="Binance 8"))
    assert (got.name, got.category, got.source) == ("Binance 8", C.EXCHANGE, "holder API label")
    assert LabelBook().classify(NOBODY) == Label("", C.UNLABELED, "")


def test_addresses_are_case_insensitive_and_the_first_user_label_wins():
    first = Label("first", C.FUND, "a")
    book = LabelBook("ethereum", [(NOBODY.upper().replace("0X", "0x"), first)])
    book.add(f"  {NOBODY}  ", Label("second", C.EXCHANGE, "b"))
    book.extend([(NOBODY, Label("third", C.BRIDGE, "c"))])
    assert len(book) == 1
    assert book.classify(NOBODY.upper()) == first


def test_built_in_facts_depend_on_the_chain():
    op_bridge = "0x4200000000000000000000000000000000000010"
    assert LabelBook("optimism").classify(op_bridge).category is C.BRIDGE
    assert LabelBook("ethereum").classify(op_bridge).category is C.UNLABELED
    for chain in ("ethereum", "optimism", "arbitrum", "base"):
        assert LabelBook(chain).classify(DEAD).category is C.BURN


# -------------------------------------------------------------------------- live labels


@pytest.mark.parametrize(
    ("live", "category", "name", "source"),
    [
        # a Safe is a multisig: an owner whose signers nobody named
        (LiveLabel(name="GnosisSafeProxy", is_contract=True), C.MULTISIG,
         "Safe multisig, signers not named (GnosisSafeProxy)", "holder API contract name"),
        # a name that is only a proxy pattern says nothing; its implementation may
        (LiveLabel(name="TransparentUpgradeableProxy", is_contract=True), C.UNLABELED_CONTRACT,
         "TransparentUpgradeableProxy", "holder API label"),
        (LiveLabel(name="InitializableImmutableAdminUpgradeabilityProxy", is_contract=True,
                   implementation="AToken"), C.LENDING,
         "InitializableImmutableAdminUpgradeabilityProxy → AToken", "holder API contract name"),
        (LiveLabel(name="TimelockController", is_contract=True, is_verified=True),
         C.TREASURY, "TimelockController", "holder API contract name"),
        (LiveLabel(name="UniswapV3Pool", is_contract=True), C.AMM_POOL, "UniswapV3Pool",
         "holder API contract name"),
        (LiveLabel(name="GraphTokenLockWallet", is_contract=True), C.VESTING,
         "GraphTokenLockWallet", "holder API contract name"),
        (LiveLabel(name="L1ERC20Gateway", is_contract=True), C.BRIDGE, "L1ERC20Gateway",
         "holder API contract name"),
        # contract-name rules apply to contracts only: a wallet's public name is not code
        (LiveLabel(name="GnosisSafeProxy", is_contract=False), C.WALLET, "GnosisSafeProxy",
         "holder API label"),
        (LiveLabel(is_contract=True), C.UNLABELED_CONTRACT, "", "holder API label"),
        (LiveLabel(is_contract=False), C.WALLET, "", "holder API label"),
        (LiveLabel(), C.UNLABELED, "", ""),
        (LiveLabel(name="vitalik.eth"), C.UNLABELED, "vitalik.eth", "holder API label"),
        (LiveLabel(name="Binance 8", is_contract=False), C.EXCHANGE, "Binance 8",
         "holder API label"),
        (LiveLabel(name="Aave: Staked Aave", is_contract=True), C.STAKING, "Aave: Staked Aave",
         "holder API label"),
        # tags come before the name, and name the label when there is no name
        (LiveLabel(name="Foo", is_contract=True, tags=("bridge",)), C.BRIDGE, "Foo",
         "holder API label"),
        (LiveLabel(tags=("binance",)), C.EXCHANGE, "binance", "holder API label"),
        (LiveLabel(tags=("Coinbase 10",)), C.EXCHANGE, "Coinbase 10", "holder API label"),
        (LiveLabel(tags=("whale",), is_contract=False), C.WALLET, "", "holder API label"),
    ],
)
def test_classify_live(live, category, name, source):
    got = classify_live(live)
    assert (got.category, got.name, got.source) == (category, name, source)


# --------------------------------------------------------------------- name and tag rules


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Binance 8", C.EXCHANGE),
        ("Binance: Binance-Peg Tokens", C.EXCHANGE),
        ("Coinbase 10", C.EXCHANGE),
        ("Gate.io 1", C.EXCHANGE),
        ("Crypto.com 2", C.EXCHANGE),
        ("OKX 7", C.EXCHANGE),
        ("Aave: Staked Aave", C.STAKING),
        ("Curve.fi: Voting Escrow", C.STAKING),
        ("Maker: Governance Contract", C.STAKING),
        ("Balancer: Vault", C.AMM_POOL),
        ("Uniswap V3: Positions NFT", C.AMM_POOL),
        ("Null: 0x00...dEaD", C.BURN),
        ("Null Address: 0x000...000", C.BURN),
        ("Polygon (Matic): EIP1559 Burn", C.BURN),
        ("Compound: Timelock", C.TREASURY),
        ("Gitcoin: GTC Timelock", C.TREASURY),
        ("Maker: MCD Pause Proxy", C.TREASURY),
        ("Aave: Ecosystem Reserve", C.TREASURY),
        ("Aave: Collector V2", C.TREASURY),
        ("Curve.fi: Vesting Escrow", C.VESTING),
        ("Uniswap: UNI Token Distributor", C.UNDISTRIBUTED),
        ("Optimism: L1 Standard Bridge", C.BRIDGE),
        ("Arbitrum One: L1 ERC20 Gateway", C.BRIDGE),
        ("Celer Network: cBridge", C.BRIDGE),
        ("Aave: aAAVE Token V2", C.LENDING),
        ("aEthAAVE (Aave v3 aToken holding AAVE)", C.LENDING),
        ("Compound: cUNI Token", C.LENDING),
        ("Aave: Lending Pool V2", C.LENDING),
        # DEX pairs named after their tokens are pools, whatever the tokens are called
        ("SushiSwap: UNI-BURN", C.AMM_POOL),
        ("Balancer: ETH/cDAI 50/50 #2", C.AMM_POOL),
        ("Curve.fi: aDAI/aUSDC/aUSDT Pool", C.AMM_POOL),
    ],
)
def test_category_from_real_etherscan_names(name, category):
    assert category_from_label(name) is category


@pytest.mark.parametrize(
    "name",
    [
        "Very Big Whale",  # not "ve…" staking
        "Vitalik Buterin",
        "Jump Trading",
        "Wintermute",
        "a16z",
        "Gnosis Safe Proxy",
        "Treasure DAO: Deployer",  # not a treasury
        "Deadline Capital",  # not a burn
        "Poolside Ventures",  # not a pool
        "Bridgewater Associates",  # not a bridge
        "BridgeTower Capital: Lido Node Operator",
        "Gitcoin Grants: Abridged",
        "Vesper Finance: Deployer",  # not vesting
        "",
    ],
)
def test_names_that_imply_no_category(name):
    assert category_from_label(name) is None


@pytest.mark.parametrize(
    ("tags", "category"),
    [
        (("binance",), C.EXCHANGE),
        (("gate-io",), C.EXCHANGE),
        (("exchange", "whatever"), C.EXCHANGE),
        (("cold-wallet",), C.EXCHANGE),
        (("burn",), C.BURN),
        (("layer-2",), C.BRIDGE),
        (("airdrop-distributor",), C.UNDISTRIBUTED),
        (("dao-funds",), C.TREASURY),
        (("company-funds",), C.FUND),
        (("Staking",), C.STAKING),
        (("sushiswap", "take-action"), None),  # protocol keys say nothing by themselves
    ],
)
def test_category_from_etherscan_tags(tags, category):
    assert category_from_label("", tags) is category


def test_an_exchange_tag_wins_over_the_name():
    assert category_from_label("Foo: Staking", ("binance",)) is C.EXCHANGE


@pytest.mark.parametrize(
    ("word", "category"),
    [
        ("cex", C.EXCHANGE),
        ("Exchange", C.EXCHANGE),
        ("hot wallet", C.EXCHANGE),
        ("hot_wallet", C.EXCHANGE),
        ("timelock", C.TREASURY),
        ("DAO", C.TREASURY),
        ("token-lock", C.VESTING),
        ("distributor", C.UNDISTRIBUTED),
        ("layer-2", C.BRIDGE),
        ("escrow", C.STAKING),
        ("dex", C.AMM_POOL),
        ("amm_pool", C.AMM_POOL),
        ("AMM pool", C.AMM_POOL),
        ("market maker", C.FUND),
        ("eoa", C.WALLET),
        ("unlabeled_contract", C.UNLABELED_CONTRACT),
        ("unknown", C.UNLABELED),
        ("protocol_contract", C.OTHER),
        ("  lending  ", C.LENDING),
    ],
)
def test_parse_category_synonyms(word, category):
    assert parse_category(word) is category


@pytest.mark.parametrize("category", list(Category))
def test_parse_category_reads_every_category_name(category):
    assert parse_category(category.value) is category


@pytest.mark.parametrize("word", ["whale", "exchnage", "", "treasury!"])
def test_parse_category_rejects_unknown_words(word):
    with pytest.raises(ValueError, match="unknown category"):
        parse_category(word)


# ------------------------------------------------------------------------ built-in facts


def test_known_addresses_are_lower_case_42_char_hex():
    for fact in KNOWN_ADDRESSES:
        assert re.fullmatch(r"0x[0-9a-f]{40}", fact.address), fact


def test_known_addresses_are_unique_per_chain():
    counts = Counter((fact.chain, fact.address) for fact in KNOWN_ADDRESSES)
    assert [key for key, n in counts.items() if n > 1] == []
    everywhere = {f.address for f in KNOWN_ADDRESSES if f.chain == "*"}
    assert not any(f.address in everywhere for f in KNOWN_ADDRESSES if f.chain != "*")


def test_every_fact_has_a_source_a_label_and_a_category():
    for fact in KNOWN_ADDRESSES:
        assert fact.source.strip(), fact
        assert fact.label.strip(), fact
        assert isinstance(fact.category, Category)
        assert fact.category not in (C.UNLABELED, C.UNLABELED_CONTRACT, C.WALLET, C.OTHER)


def test_known_address_lookup():
    assert known_address(UNI_TREASURY.upper().replace("0X", "0x")).category is C.TREASURY
    assert known_address(UNI_WETH_POOL).category is C.AMM_POOL
    assert known_address(UNI_MERKLE_DISTRIBUTOR).category is C.UNDISTRIBUTED
    # chain-scoped: the Optimism Foundation's unallocated OP is a fact on Optimism only
    op_treasury = "0x2a82ae142b2e62cb7d10b55e323acb1cab663a26"
    assert known_address(op_treasury, "optimism").category is C.TREASURY
    assert known_address(op_treasury, "ethereum") is None
    assert known_address(DEAD, "polygon").category is C.BURN
    assert known_address(NOBODY) is None


# --------------------------------------------------------------------------- label files


def test_simple_label_csv(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        "address,name,category\n"
        f"{NOBODY.upper().replace('0X', '0x')},Team multisig,fund\n"
        "0x2222222222222222222222222222222222222222,Binance 99,\n"  # category from the name
        "0x3333333333333333333333333333333333333333,Mystery contract,\n"  # → other
        "0x4444444444444444444444444444444444444444,Our timelock,cex\n"  # the file decides
        "not-an-address,whatever,fund\n",
        encoding="utf-8",
    )
    labels = dict(load_labels(path))
    assert set(labels) == {NOBODY, "0x2222222222222222222222222222222222222222",
                           "0x3333333333333333333333333333333333333333",
                           "0x4444444444444444444444444444444444444444"}
    assert labels[NOBODY] == Label("Team multisig", C.FUND, "labels: mine.csv",
                                   chain="ethereum")
    assert labels["0x2222222222222222222222222222222222222222"].category is C.EXCHANGE
    assert labels["0x3333333333333333333333333333333333333333"].category is C.OTHER
    assert labels["0x4444444444444444444444444444444444444444"].category is C.EXCHANGE


def test_label_csv_with_an_unknown_category_is_an_input_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(f"address,name,category\n{NOBODY},x,whale\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.csv line 2: unknown category .whale."):
        load_labels(path)


def test_label_csv_without_an_address_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("wallet,name\n0x1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="address"):
        load_labels(path)


def test_label_files_missing_or_broken(tmp_path):
    with pytest.raises(InputError, match="no such label file"):
        load_labels(tmp_path / "nope.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.json"):
        load_labels(broken)
    scalar = tmp_path / "scalar.json"
    scalar.write_text("42", encoding="utf-8")
    with pytest.raises(InputError, match="unknown label format"):
        load_labels(scalar)


def test_brianleect_and_dawsbot_shapes_written_here(tmp_path):
    """The two JSON shapes, in small files of our own (run everywhere)."""
    (tmp_path / "combined.json").write_text(json.dumps({
        "0xF977814E90DA44BFA03B6295A0616A897441ACEC": {"name": "Binance 8",
                                                       "labels": ["binance", "exchange"]},
        NOBODY: {"name": "Some Fund", "labels": ["fund"]},
        "0x2222222222222222222222222222222222222222": {"name": "Mystery", "labels": []},
        "0x3333333333333333333333333333333333333333": "not an entry",
    }), encoding="utf-8")
    folder = tmp_path / "dawsbot"
    folder.mkdir()
    (folder / "burn.json").write_text(json.dumps([
        {"address": DEAD, "nameTag": "Null: 0x00...dEaD"},
        {"address": "0x0000000000000000000000000000000000000000", "nameTag": ""},
    ]), encoding="utf-8")
    (folder / "kraken.json").write_text(json.dumps([
        {"address": "0x2910543af39aba0cd09dbb2d50200b3e800a63d2", "nameTag": "Kraken 1"},
    ]), encoding="utf-8")
    combined = dict(load_labels(tmp_path / "combined.json"))
    assert combined["0xf977814e90da44bfa03b6295a0616a897441acec"].category is C.EXCHANGE
    assert combined[NOBODY].category is C.FUND
    assert combined["0x2222222222222222222222222222222222222222"].category is C.OTHER
    assert len(combined) == 3
    one = dict(load_labels(folder / "burn.json"))
    assert one[DEAD] == Label("Null: 0x00...dEaD", C.BURN, "labels: burn.json",
                              chain="ethereum")
    assert one["0x0000000000000000000000000000000000000000"].name == "burn"  # the file's key
    both = dict(load_labels(folder))
    assert both["0x2910543af39aba0cd09dbb2d50200b3e800a63d2"].category is C.EXCHANGE
    assert len(both) == 3


def test_real_brianleect_file():
    path = shared(LABELS / "brianleect_etherscan-labels_2023-10" / "combinedAccountLabels.json")
    labels = load_labels(path)
    assert len(labels) > 20_000
    by_address = dict(labels)
    assert by_address["0xf977814e90da44bfa03b6295a0616a897441acec"].category is C.EXCHANGE
    assert by_address[DEAD].category is C.BURN
    assert by_address["0x5f3b5dfeb7b28cdbd7faba78963ee202a494e2a2"].category is C.STAKING
    assert by_address["0xba12222222228d8ba445958a75a0704d566bf2c8"].category is C.AMM_POOL
    assert all(re.fullmatch(r"0x[0-9a-f]{40}", a) for a, _ in labels)
    assert all(label.source == "labels: combinedAccountLabels.json" for _, label in labels)


def test_real_dawsbot_file_and_folder():
    folder = shared(LABELS / "dawsbot_eth-labels_2024-03")
    coinbase = load_labels(folder / "coinbase.json")
    assert coinbase and all(label.category is C.EXCHANGE for _, label in coinbase)
    burn = dict(load_labels(folder / "burn.json"))
    assert burn[DEAD].category is C.BURN
    everything = load_labels(folder)
    assert len(everything) > 1000
    counts = Counter(label.category for _, label in everything)
    assert counts[C.EXCHANGE] > 100 and counts[C.BRIDGE] > 10 and counts[C.BURN] > 10


def test_real_curated_csv():
    path = shared(LABELS / "curated" / "protocol_special_addresses.csv")
    labels = dict(load_labels(path))
    assert len(labels) == 19
    assert labels[UNI_TREASURY].category is C.TREASURY
    # what the file says; the file is wrong there (a Uniswap V3 pool, see the test below)
    assert labels[UNI_WETH_POOL].category is C.UNDISTRIBUTED
    assert labels[STKAAVE].category is C.STAKING
    assert labels["0x5f3b5dfeb7b28cdbd7faba78963ee202a494e2a2"].category is C.STAKING
    assert labels["0xd7a029db2585553978190db5e85ec724aa4df23f"].category is C.VESTING
    assert labels[DEAD].category is C.BURN
    # "protocol_contract" names no kind: the name (an aToken) decides
    assert labels["0xa700b4eb416be35b2911fd5dee80678ff64ff6c9"].category is C.LENDING


def test_curated_csv_agrees_with_the_built_in_facts():
    path = shared(LABELS / "curated" / "protocol_special_addresses.csv")
    circulating_out = {C.BURN, C.TREASURY, C.VESTING, C.UNDISTRIBUTED}
    # the curated file calls the Uniswap V3 UNI/WETH 0.3% pool a "token distributor"; the
    # built-in fact is the sourced truth (anticapture's DEX list, and the pool's CREATE2 address)
    assert known_address(UNI_WETH_POOL).category is C.AMM_POOL
    for address, label in load_labels(path):
        fact = known_address(address)
        if fact is None or address == UNI_WETH_POOL:
            continue
        # same view either way (the file calls a rewards controller a treasury)
        assert (label.category in circulating_out) == (fact.category in circulating_out)
        assert label.category is fact.category or label.category in circulating_out


@pytest.mark.parametrize(("name", "expected"), [
    ("Arbitrum One: L1 ERC20 Gateway", Category.BRIDGE),
    ("Arbitrum: L1 Gateway Router 2", Category.BRIDGE),
    ("Lido: Arbitrum L1 ERC20 Token Gateway", Category.BRIDGE),
    ("Aave: WETH Gateway", None),  # a helper contract, not a bridge
    ("Nifty Gateway", None),
    ("Bancor Portal", None),
])
def test_gateway_names_only_mean_bridges_when_they_are(name, expected):
    assert category_from_label(name) == expected


# ---------------------------------------------------------------- chains and entities


def test_label_files_are_scoped_to_the_chain_their_names_say(tmp_path):
    """A folder of folders: every file under it loads, each for the chain its own name or
    nearest folder names (Ethereum when none does); a book for one chain keeps only those."""
    op_folder = tmp_path / "sets" / "optimism"
    op_folder.mkdir(parents=True)
    (op_folder / "binance.json").write_text(json.dumps([
        {"address": NOBODY, "nameTag": "Binance 1"}]), encoding="utf-8")
    eth_folder = tmp_path / "sets" / "brianleect_etherscan-labels"
    eth_folder.mkdir()
    (eth_folder / "combined.json").write_text(json.dumps({
        NOBODY: {"name": "Some Fund", "labels": ["fund"]}}), encoding="utf-8")
    (eth_folder / "arbiscan_combined.json").write_text(json.dumps({
        NOBODY: {"name": "Arb bridge", "labels": ["bridge"]}}), encoding="utf-8")
    (tmp_path / "sets" / "plain.csv").write_text(
        f"address,name,category\n{DEAD},Dead,burn\n", encoding="utf-8")
    labels = load_labels(tmp_path / "sets")
    chains = sorted((label.chain, label.name) for _, label in labels)
    assert chains == [("arbitrum", "Arb bridge"), ("ethereum", "Dead"),
                      ("ethereum", "Some Fund"), ("optimism", "Binance 1")]
    for chain, name in (("optimism", "Binance 1"), ("ethereum", "Some Fund"),
                        ("arbitrum", "Arb bridge")):
        assert LabelBook(chain, labels).classify(NOBODY).name == name
    assert LabelBook("base", labels).classify(NOBODY).category is C.UNLABELED
    # the caller's chain wins over the names
    assert {lab.chain for _, lab in load_labels(tmp_path / "sets", chain="base")} == {"base"}


def test_an_empty_folder_of_folders_is_an_error_not_silence(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="no label files"):
        load_labels(tmp_path / "a")


def test_csv_chain_and_entity_columns(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("address,name,category,entity,chain\n"
                    f"{NOBODY},Fund hot,fund,Big Fund,OP Mainnet\n"
                    f"{DEAD},Fund cold,fund,Big Fund,\n", encoding="utf-8")
    labels = dict(load_labels(path))
    assert labels[NOBODY] == Label("Fund hot", C.FUND, "labels: mine.csv", "Big Fund",
                                   "optimism")
    assert labels[DEAD].chain == "ethereum" and labels[DEAD].entity == "Big Fund"
    path.write_text(f"address,name,chain\n{NOBODY},x,moon\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: unknown chain 'moon'"):
        load_labels(path)


def test_exchange_keys_name_the_entity(tmp_path):
    (tmp_path / "combined.json").write_text(json.dumps({
        NOBODY: {"name": "Binance 8", "labels": ["binance", "exchange"]},
        DEAD: {"name": "Some Fund", "labels": ["fund"]}}), encoding="utf-8")
    labels = dict(load_labels(tmp_path / "combined.json"))
    assert labels[NOBODY].entity == "Binance"
    assert labels[DEAD].entity == ""  # a fund tag names no organisation


@pytest.mark.parametrize(("spec", "expected"), [
    ("optimism:labels/op.json", ("optimism", "labels/op.json")),
    ("arbiscan:x.csv", ("arbitrum", "x.csv")),
    ("labels/op.json", (None, "labels/op.json")),
    ("C:\\labels\\x.csv", (None, "C:\\labels\\x.csv")),
])
def test_split_chain(spec, expected):
    assert split_chain(spec) == expected


def test_real_label_sets_are_scoped():
    folder = shared(LABELS / "brianleect_etherscan-labels_2023-10")
    by_chain = Counter(label.chain for _, label in load_labels(folder))
    assert set(by_chain) == {"ethereum", "optimism", "arbitrum"}
    assert by_chain["ethereum"] > 20_000
    everything = load_labels(shared(LABELS))  # the whole folder of folders
    assert len(everything) > 25_000
    assert {lab.chain for _, lab in everything} >= {"ethereum", "optimism", "arbitrum"}


def test_built_in_facts_carry_entities():
    assert known_address("0xf977814e90da44bfa03b6295a0616a897441acec").entity == "Binance"
    assert known_address("0x28c6c06298d514db089934071355e5743bf21d60").entity == "Binance"
    assert known_address(UNI_TREASURY).entity == "Uniswap DAO"
    assert known_address(STKAAVE).entity == ""  # a wrapper holds for many


@pytest.mark.parametrize(("name", "category"), [
    ("GnosisSafeProxy", C.MULTISIG), ("SafeProxy", C.MULTISIG), ("GnosisSafeL2", C.MULTISIG),
    ("Timelock", C.TREASURY), ("TimelockController", C.TREASURY), ("Executor", C.TREASURY),
    ("VestingWallet", C.VESTING), ("GraphTokenLockWallet", C.VESTING),
    ("MerkleDistributor", C.UNDISTRIBUTED), ("RewardsController", C.UNDISTRIBUTED),
    ("L1StandardBridge", C.BRIDGE), ("BridgeEscrow", C.BRIDGE),
    ("StakedAaveV3", C.STAKING), ("VotingEscrow", C.STAKING),
    ("AToken", C.LENDING), ("CErc20Delegator", C.LENDING), ("Comet", C.LENDING),
    ("UniswapV2Pair", C.AMM_POOL), ("Vault", C.AMM_POOL), ("CurveStableSwapNG", C.AMM_POOL),
    # names that say nothing about what the contract holds for
    ("TransparentUpgradeableProxy", None), ("ERC1967Proxy", None), ("Vyper_contract", None),
    ("Uni", None), ("SafeMath", None), ("", None),
])
def test_contract_rules(name, category):
    assert category_from_contract(name) is category


def test_contract_rules_read_the_implementation_when_the_proxy_name_says_nothing():
    assert category_from_contract("ERC1967Proxy", "StakedTokenV3") is C.STAKING
    assert category_from_contract(None, None) is None


def test_a_chain_without_a_path_and_a_path_with_a_colon_are_clear_errors(tmp_path):
    with pytest.raises(InputError, match="no path after 'optimism:'"):
        split_chain("optimism:")
    with pytest.raises(InputError, match="to name a chain write CHAIN:PATH"):
        load_labels(tmp_path / "moon:labels.csv")


def test_labels_for_no_chain_of_the_analysis_are_noted():
    loaded = [(NOBODY, Label("x", C.FUND, "labels: a.csv", chain="ethereum"))]
    assert chain_note(loaded, "ethereum") is None
    note = chain_note(loaded, "optimism")
    assert note is not None and note.startswith("note: 1 labels loaded, none for optimism")
    assert "write --labels optimism:PATH" in note
    assert chain_note([], "optimism") is None
