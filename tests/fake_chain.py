"""A JSON-RPC node stand-in whose answers are encoded with ``eth-abi`` from the real ABIs.

Contracts are Python functions keyed by their Solidity signatures: a call's selector picks the
function, its arguments are decoded with ``eth-abi``, the function's return value is encoded
with the declared return types. A function that raises :class:`Revert` (or a selector nobody
registered) answers like a node does for a reverted call (``{"error": {"code": 3, "message":
"execution reverted"}}``). Multicall3 ``aggregate3`` is served from the same functions, only
at blocks from ``multicall_from``; before it, the address has no code (``eth_getCode`` "0x").

With ``state_blocks`` set, the node is *pruned* like a default geth full node: it keeps state
for the last ``state_blocks`` blocks only, and ``eth_call``/``eth_getCode`` at an older block
get geth's error (``-32000`` "missing trie node"); unset, it is an archive node.

``eth_getLogs`` can refuse like real providers: ranges wider than ``log_range_cap`` blocks
or more than ``log_result_cap`` results get an error object (as Alchemy/Infura answer).

Use :meth:`FakeChain.handler` in an ``httpx.MockTransport``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from eth_abi import decode, encode
from eth_utils import keccak

MULTICALL3 = "0xca11bde05977b3631167028862be2a173976ca11"
DVC_TOPIC = "0x" + keccak(text="DelegateVotesChanged(address,uint256,uint256)").hex()


class Revert(Exception):
    """A contract refused the call."""


Fn = Callable[[tuple[Any, ...], int], Any]


def _types(signature: str) -> list[str]:
    inner = signature[signature.index("(") + 1:signature.rindex(")")]
    return [t for t in inner.split(",") if t]


@dataclass
class FakeChain:
    """One chain's node.

    Attributes:
        head: the latest block number.
        genesis_ts / block_time: block ``n`` has timestamp ``genesis_ts + n * block_time``.
        multicall_from: first block with Multicall3 (``None``: never).
        deployed: a contract's deployment block (``eth_getCode`` finds code from there;
            registered contracts not listed have code from block 0).
        l1_ratio: when set, headers carry ``l1BlockNumber = n // l1_ratio`` (Arbitrum).
        calls: JSON-RPC methods asked, in order (``aggregate3`` counted as one eth_call).
    """

    head: int = 20_000_000
    genesis_ts: int = 1_438_269_973
    block_time: int = 12
    multicall_from: int | None = 14_353_601
    l1_ratio: int | None = None
    log_range_cap: int | None = None
    log_result_cap: int | None = None
    state_blocks: int | None = None
    deployed: dict[str, int] = field(default_factory=dict)
    contracts: dict[str, dict[bytes, tuple[str, tuple[str, ...], Fn]]] = field(
        default_factory=dict)
    logs: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def add(self, address: str, signature: str, returns: tuple[str, ...], fn: Fn) -> None:
        """Register ``address.signature`` answering ``fn(args, block)`` encoded as
        ``returns`` (a tuple return value for several outputs)."""
        sel = keccak(text=signature)[:4]
        self.contracts.setdefault(address.lower(), {})[sel] = (signature, returns, fn)

    def timestamp(self, block: int) -> int:
        return self.genesis_ts + block * self.block_time

    # ------------------------------------------------------------------ execution
    def execute(self, to: str, data: bytes, block: int) -> bytes:
        """The return bytes of a call, or :class:`Revert`."""
        to = to.lower()
        if to == MULTICALL3:
            if self.multicall_from is None or block < self.multicall_from:
                return b""  # no code there: a call "succeeds" with nothing
            return self._aggregate3(data, block)
        entry = self.contracts.get(to, {}).get(bytes(data[:4]))
        if entry is None:
            raise Revert(f"no function {data[:4].hex()} on {to}")
        signature, returns, fn = entry
        args = decode(_types(signature), bytes(data[4:]))
        value = fn(tuple(args), block)
        values = value if len(returns) > 1 else (value,)
        return encode(list(returns), list(values))

    def _aggregate3(self, data: bytes, block: int) -> bytes:
        assert data[:4] == keccak(text="aggregate3((address,bool,bytes)[])")[:4]
        (calls,) = decode(["(address,bool,bytes)[]"], bytes(data[4:]))
        results = []
        for target, allow_failure, inner in calls:
            try:
                results.append((True, self.execute(target, inner, block)))
            except Revert:
                if not allow_failure:
                    raise
                results.append((False, b""))
        return encode(["(bool,bytes)[]"], [results])

    # ------------------------------------------------------------------ JSON-RPC
    async def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        method, params = body["method"], body.get("params", [])
        self.calls.append(method)
        try:
            result = self._dispatch(method, params)
        except Revert:
            return _reply({"error": {"code": 3, "message": "execution reverted"}})
        except _Refusal as exc:
            return _reply({"error": {"code": -32005, "message": str(exc)}})
        except _Pruned:
            return _reply({"error": {"code": -32000, "message":
                                     "missing trie node 3f1c9a… (path ) <nil>"}})
        return _reply({"result": result})

    def has_code(self, address: str, block: int) -> bool:
        """Multicall3 from ``multicall_from``; a registered contract from its entry in
        ``deployed`` (block 0 when it has none)."""
        if address == MULTICALL3:
            return self.multicall_from is not None and block >= self.multicall_from
        return address in self.contracts and block >= self.deployed.get(address, 0)

    def _check_state(self, block: int) -> None:
        if self.state_blocks is not None and block < self.head - self.state_blocks:
            raise _Pruned

    def _block_number(self, tag: str) -> int:
        return self.head if tag == "latest" else int(tag, 16)

    def _dispatch(self, method: str, params: list[Any]) -> Any:
        if method == "eth_blockNumber":
            return hex(self.head)
        if method == "eth_getBlockByNumber":
            n = self._block_number(params[0])
            if n > self.head:
                return None
            header = {"number": hex(n), "timestamp": hex(self.timestamp(n))}
            if self.l1_ratio:
                header["l1BlockNumber"] = hex(n // self.l1_ratio)
            return header
        if method in ("eth_getCode", "eth_call"):
            self._check_state(self._block_number(params[1]))
        if method == "eth_getCode":
            n = self._block_number(params[1])
            return "0x6080" if self.has_code(params[0].lower(), n) else "0x"
        if method == "eth_call":
            call, tag = params
            out = self.execute(call["to"], bytes.fromhex(call["data"][2:]),
                               self._block_number(tag))
            return "0x" + out.hex()
        if method == "eth_getLogs":
            return self._get_logs(params[0])
        raise AssertionError(f"unexpected method {method}")

    def _get_logs(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        start, end = int(query["fromBlock"], 16), int(query["toBlock"], 16)
        if self.log_range_cap is not None and end - start + 1 > self.log_range_cap:
            raise _Refusal(f"block range is too wide (max {self.log_range_cap})")
        hits = [log for log in self.logs
                if log["address"] == query["address"].lower()
                and start <= int(log["blockNumber"], 16) <= end
                and (not query["topics"] or log["topics"][0] == query["topics"][0])]
        if self.log_result_cap is not None and len(hits) > self.log_result_cap:
            raise _Refusal(f"query returned more than {self.log_result_cap} results")
        return hits

    def add_delegate_votes_changed(self, token: str, block: int, delegate: str,
                                   previous: int, new: int, index: int = 0) -> None:
        """Record a ``DelegateVotesChanged`` log as a node would return it."""
        self.logs.append({
            "address": token.lower(),
            "blockNumber": hex(block),
            "logIndex": hex(index),
            "topics": [DVC_TOPIC, "0x" + encode(["address"], [delegate]).hex()],
            "data": "0x" + encode(["uint256", "uint256"], [previous, new]).hex(),
        })


class _Pruned(Exception):
    """State asked for a block the pruned node no longer keeps."""


class _Refusal(Exception):
    """The node refuses the request (a provider limit)."""


def _reply(payload: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, **payload})
