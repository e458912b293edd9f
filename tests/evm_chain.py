"""A real EVM for the governance tests: OpenZeppelin contracts on py-evm, behind JSON-RPC.

* :func:`artifacts` compiles ``tests/evm/contracts`` (an OpenZeppelin ERC20Votes token and
  Governor, their Compound-compatible OpenZeppelin 4.9 counterparts with GovernorBravo's
  interface, and Multicall3) with solc-js through ``tests/evm/compile.js``, once
  per hash of the sources, the compile script and the npm lock file; the ABI and bytecode are
  cached under pytest's cache directory, never committed; :func:`start_compile` begins it
  in the background as soon as the EVM tests are collected. It skips (``pytest.skip``) with
  the reason when node or ``tests/evm/node_modules`` is missing — except under ``CI=true``,
  where the tests must run and the missing tool fails them.
* :class:`EvmChain` is an ``eth-tester`` chain on the ``py-evm`` backend (Prague rules).
  Multicall3's runtime code sits at its canonical address from the genesis block, as on the
  chains where it was deployed with a pre-signed transaction. Each transaction is mined in a
  block of its own with the timestamp the test chose, so a history spanning months is built
  in a few hundred milliseconds. :class:`Ledger` keeps the test's own account of balances and
  delegations after every block, from which the expected votes are computed independently
  of the contracts and of Lorenz.
* :meth:`EvmChain.handler` is the network boundary: an ``httpx.MockTransport`` handler that
  serves the JSON-RPC methods Lorenz sends (``eth_blockNumber``, ``eth_getBlockByNumber``,
  ``eth_call`` at a block, ``eth_getCode``, ``eth_getLogs``, ``eth_chainId``; batches too)
  from the chain, with errors in go-ethereum's shapes: a revert with data is ``{"code": 3,
  "message": "execution reverted…", "data": "0x…"}``, an empty revert ``{"code": -32000,
  "message": "execution reverted"}``; ``log_range_cap`` refuses wider ``eth_getLogs`` ranges
  the way capped providers do.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_abi import decode, encode
from eth_utils import keccak, to_canonical_address, to_checksum_address

EVM_DIR = Path(__file__).parent / "evm"
MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
E18 = 10**18
DAY = 86_400
#: solc's Error(string) selector: how a ``require(…, "reason")`` revert starts.
ERROR_STRING = bytes.fromhex("08c379a0")


# ------------------------------------------------------------------------------ compiling

def sources_hash() -> str:
    """Hash of everything the compiled output depends on."""
    digest = hashlib.sha256()
    files = sorted((EVM_DIR / "contracts").glob("*.sol"))
    for path in [*files, EVM_DIR / "compile.js", EVM_DIR / "package-lock.json"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _missing_tool() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (the EVM tests compile Solidity with solc-js)"
    if not (EVM_DIR / "node_modules" / "solc").is_dir():
        return ("tests/evm/node_modules is missing: run `npm ci --prefix tests/evm` to "
                "install solc and @openzeppelin/contracts")
    return None


#: Compiles started in the background by :func:`start_compile`, by cache file.
_BACKGROUND: dict[Path, subprocess.Popen[bytes]] = {}


def start_compile(cache_dir: Path) -> None:
    """Start compiling in the background unless the cache has it or the tools are missing
    (called once the EVM tests are collected: solc-js takes 10–30 s of one core, which then
    overlaps the tests that run before them)."""
    cached = cache_dir / f"contracts-{sources_hash()}.json"
    if cached.is_file() or cached in _BACKGROUND or _missing_tool() is not None:
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cached.with_suffix(".out"), "wb") as out, \
            open(cached.with_suffix(".err"), "wb") as err:
        _BACKGROUND[cached] = subprocess.Popen(["node", str(EVM_DIR / "compile.js")],
                                               stdout=out, stderr=err)


def artifacts(cache_dir: Path) -> dict[str, Any]:
    """``{contract: {"abi", "bytecode", "deployedBytecode"}}``: from the cache, else from
    the background compile (waiting for it), else compiled now.

    Skips the calling test when node or the npm packages are missing (fails under CI).
    """
    cached = cache_dir / f"contracts-{sources_hash()}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    missing = _missing_tool()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the EVM tests, but {missing}")
        pytest.skip(missing)
    start_compile(cache_dir)
    code = _BACKGROUND.pop(cached).wait(timeout=600)
    out, err = cached.with_suffix(".out"), cached.with_suffix(".err")
    if code != 0:
        pytest.fail(f"compiling tests/evm/contracts failed:\n{err.read_text()[-2000:]}")
    err.unlink()
    out.replace(cached)
    return json.loads(cached.read_text())


# ------------------------------------------------------------------------------ the ledger

@dataclass
class Ledger:
    """The test's own account of the token: balances and chosen delegates (raw units)."""

    balances: dict[str, int] = field(default_factory=dict)
    delegate_of: dict[str, str] = field(default_factory=dict)

    def copy(self) -> Ledger:
        return Ledger(dict(self.balances), dict(self.delegate_of))

    @property
    def supply(self) -> int:
        return sum(self.balances.values())

    def votes(self) -> dict[str, int]:
        """Votes per delegate: the balances of the holders who chose it (ERC20Votes: an
        undelegated balance votes for nobody)."""
        out: dict[str, int] = {}
        for holder, delegate in self.delegate_of.items():
            out[delegate] = out.get(delegate, 0) + self.balances.get(holder, 0)
        return {d: v for d, v in out.items() if v > 0}


@dataclass(frozen=True)
class Mined:
    """One block: its number, timestamp and the ledger after it."""

    number: int
    timestamp: int
    ledger: Ledger


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def _types(signature: str) -> list[str]:
    inner = signature[signature.index("(") + 1:signature.rindex(")")]
    return [t for t in inner.split(",") if t]


# ------------------------------------------------------------------------------ the chain

class EvmChain:
    """An eth-tester/py-evm chain with the compiled contracts; see the module docstring.

    Args:
        compiled: :func:`artifacts`' output.
        genesis_ts: the genesis block's timestamp (unix seconds).
        accounts: funded accounts (keys known to eth-tester).
        multicall: put Multicall3's code at its canonical address at genesis.
        chain_id: what ``eth_chainId`` answers.
    """

    def __init__(self, compiled: dict[str, Any], genesis_ts: int, *, accounts: int = 12,
                 multicall: bool = True, chain_id: int = 1) -> None:
        from eth_tester import EthereumTester, PyEVMBackend
        from eth_tester.backends.pyevm.main import get_default_genesis_params

        self.compiled = compiled
        self.chain_id = chain_id
        state = PyEVMBackend.generate_genesis_state(num_accounts=accounts)
        if multicall:
            runtime = bytes.fromhex(compiled["Multicall3"]["deployedBytecode"][2:])
            state[to_canonical_address(MULTICALL3)] = {
                "balance": 0, "nonce": 1, "code": runtime, "storage": {}}
        self.backend = PyEVMBackend(
            genesis_parameters=get_default_genesis_params({"timestamp": genesis_ts}),
            genesis_state=state)
        self.tester = EthereumTester(self.backend)
        self.accounts = [a.lower() for a in self.tester.get_accounts()][:accounts]
        self.ledger = Ledger()
        self.history: list[Mined] = [Mined(0, genesis_ts, Ledger())]
        self.log_range_cap: int | None = None
        self.requests: list[str] = []
        self._lock = threading.Lock()  # a loopback server answers from several threads

    # -------------------------------------------------------------- transactions
    def _send(self, sender: str, to: str | None, data: bytes, timestamp: int) -> dict:
        """Mine one transaction in a block of its own at ``timestamp``; the receipt."""
        self.backend.chain.header = self.backend.chain.header.copy(timestamp=timestamp)
        tx: dict[str, Any] = {"from": to_checksum_address(sender), "data": "0x" + data.hex(),
                              "gas": 8_000_000}
        if to is not None:
            tx["to"] = to_checksum_address(to)
        receipt = self.tester.get_transaction_receipt(self.tester.send_transaction(tx))
        assert receipt["status"] == 1, f"transaction to {to} failed"
        block = self.tester.get_block_by_number(receipt["block_number"])
        assert block["timestamp"] == timestamp
        self.history.append(Mined(receipt["block_number"], timestamp, self.ledger.copy()))
        return receipt

    def deploy(self, name: str, types: Iterable[str], args: Iterable[Any], timestamp: int,
               sender: str | None = None) -> str:
        """Deploy contract ``name`` with constructor ``args``; its address (lower case)."""
        code = bytes.fromhex(self.compiled[name]["bytecode"][2:])
        receipt = self._send(sender or self.accounts[0], None,
                             code + encode(list(types), list(args)), timestamp)
        return str(receipt["contract_address"]).lower()

    def transact(self, sender: str, to: str, signature: str, *args: Any,
                 timestamp: int) -> dict:
        """``sender`` calls ``to.signature(*args)`` in a block at ``timestamp``.

        The ledger is updated first for the token calls it knows (``mint``, ``transfer``,
        ``delegate``), so the block's :class:`Mined` entry holds the state after it.
        """
        self._book(sender, signature, args)
        return self._send(sender, to, selector(signature) + encode(_types(signature),
                                                                   list(args)), timestamp)

    def _book(self, sender: str, signature: str, args: tuple[Any, ...]) -> None:
        b = self.ledger.balances
        if signature == "mint(address,uint256)":
            b[args[0].lower()] = b.get(args[0].lower(), 0) + args[1]
        elif signature == "transfer(address,uint256)":
            b[sender] -= args[1]
            b[args[0].lower()] = b.get(args[0].lower(), 0) + args[1]
        elif signature == "delegate(address)":
            self.ledger.delegate_of[sender] = args[0].lower()

    # -------------------------------------------------------------- expectations
    @property
    def head(self) -> Mined:
        return self.history[-1]

    def at_block(self, number: int) -> Mined:
        """The state after block ``number``."""
        return [m for m in self.history if m.number <= number][-1]

    def at_time(self, timestamp: int) -> Mined:
        """The last block at or before ``timestamp``."""
        return [m for m in self.history if m.timestamp <= timestamp][-1]

    def read(self, to: str, signature: str, *args: Any, returns: tuple[str, ...] = ("uint256",),
             block: int | None = None) -> Any:
        """A direct ``eth_call`` through eth-tester (not through Lorenz): the decoded value."""
        raw = self.tester.call({"from": to_checksum_address(self.accounts[0]),
                                "to": to_checksum_address(to),
                                "data": "0x" + (selector(signature) + encode(
                                    _types(signature), list(args))).hex()},
                               self.head.number if block is None else block)
        values = decode(list(returns), bytes.fromhex(raw[2:]))
        return values[0] if len(values) == 1 else values

    # -------------------------------------------------------------- JSON-RPC
    async def handler(self, request: httpx.Request) -> httpx.Response:
        """The chain as a JSON-RPC node (single requests and batches)."""
        body = json.loads(request.content)
        with self._lock:
            if isinstance(body, list):
                return httpx.Response(200, json=[self._answer(b) for b in body])
            return httpx.Response(200, json=self._answer(body))

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        from eth_tester.exceptions import BlockNotFound, TransactionFailed

        reply: dict[str, Any] = {"jsonrpc": "2.0", "id": body.get("id")}
        method, params = body["method"], body.get("params", [])
        self.requests.append(method)
        try:
            reply["result"] = self._dispatch(method, params)
        except TransactionFailed as exc:
            reply["error"] = _revert_error(exc)
        except BlockNotFound:
            reply["result"] = None
        except _Refusal as exc:
            reply["error"] = {"code": -32005, "message": str(exc)}
        return reply

    def _block(self, tag: str) -> int | str:
        return tag if tag in ("latest", "earliest", "pending") else int(tag, 16)

    def _dispatch(self, method: str, params: list[Any]) -> Any:
        t = self.tester
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "eth_blockNumber":
            return hex(t.get_block_by_number("latest")["number"])
        if method == "eth_getBlockByNumber":
            block = t.get_block_by_number(self._block(params[0]))
            return {"number": hex(block["number"]), "timestamp": hex(block["timestamp"]),
                    "hash": block["hash"], "parentHash": block["parent_hash"]}
        if method == "eth_getCode":
            return t.get_code(to_checksum_address(params[0]), self._block(params[1]))
        if method == "eth_call":
            call, tag = params
            return t.call({"from": to_checksum_address(self.accounts[0]),
                           "to": to_checksum_address(call["to"]), "data": call["data"]},
                          self._block(tag))
        if method == "eth_getLogs":
            return self._logs(params[0])
        raise AssertionError(f"the client sent an unexpected method {method}")

    def _logs(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        start, end = int(query["fromBlock"], 16), int(query["toBlock"], 16)
        if self.log_range_cap is not None and end - start + 1 > self.log_range_cap:
            raise _Refusal(f"block range is too wide (max {self.log_range_cap} blocks)")
        head = self.tester.get_block_by_number("latest")["number"]
        topics = query.get("topics") or None
        fid = self.tester.create_log_filter(from_block=start, to_block=min(end, head),
                                            address=to_checksum_address(query["address"]),
                                            topics=topics)
        try:
            entries = self.tester.get_all_filter_logs(fid)
        finally:
            self.tester.delete_filter(fid)
        return [{"address": e["address"].lower(), "topics": list(e["topics"]),
                 "data": e["data"], "blockNumber": hex(e["block_number"]),
                 "blockHash": e["block_hash"], "transactionHash": e["transaction_hash"],
                 "transactionIndex": hex(e["transaction_index"]),
                 "logIndex": hex(e["log_index"]), "removed": False} for e in entries]


class _Refusal(Exception):
    """A provider limit (``eth_getLogs`` range too wide)."""


def _revert_error(exc: Exception) -> dict[str, Any]:
    """go-ethereum's error object for a reverted ``eth_call``.

    eth-tester hands over the revert reason of ``require(…, "reason")`` as text and any other
    revert data as the ``repr`` of its bytes; both are turned back into the raw data a node
    returns.
    """
    text = str(exc.args[0]) if exc.args else ""
    if text.startswith(("b'", 'b"')):
        data = ast.literal_eval(text)
        reason = ""
    else:
        data = ERROR_STRING + encode(["string"], [text])
        reason = text
    if not data:
        return {"code": -32000, "message": "execution reverted"}
    message = f"execution reverted: {reason}" if reason else "execution reverted"
    return {"code": 3, "message": message, "data": "0x" + data.hex()}


__all__ = ["DAY", "E18", "MULTICALL3", "EvmChain", "Ledger", "Mined", "artifacts",
           "selector", "sources_hash", "start_compile"]
