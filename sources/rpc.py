"""Ethereum JSON-RPC over the shared HTTP client: ``eth_call``, Multicall3, blocks, logs.

Every request goes through :meth:`sources.http.HttpClient.post_json` — the same limits,
retries, coalescing and error family as the other sources. Calldata and return data are
encoded and decoded with ``eth-abi`` from the functions' signatures; selectors and event
topics are ``keccak`` of the signature (``eth-utils``), never copied hex.

Reads are pinned to a block number (:meth:`RpcClient.block_number` once, then every call
``at`` that block), so the answers of one analysis agree with each other and an answer at a
fixed block may be memoised like any other.

Many calls at once go through Multicall3 ``aggregate3`` (API_NOTES.md §3: deployed at
``0xcA11bde05977b3631167028862bE2a173976CA11``, on Ethereum since block 14,353,601), in
chunks of :data:`MULTICALL_CHUNK`; each inner call may fail on its own (``allowFailure``).
Before Multicall3 exists on a chain (Ethereum before that block; elsewhere when
``eth_getCode`` finds no code there) the same calls go one ``eth_call`` each.

Errors: a JSON-RPC error object becomes :class:`core.errors.RpcError` (``reverted`` when the
contract refused the call); a body that is neither a result nor an error is
:class:`core.errors.BadResponse`. Messages name the chain's node ("Ethereum JSON-RPC"),
never its URL.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_abi import decode, encode
from eth_abi.exceptions import DecodingError
from eth_utils import keccak

from core.errors import BadResponse, RpcError, SourceError
from sources.http import HttpClient

log = logging.getLogger(__name__)

MULTICALL3 = "0xca11bde05977b3631167028862be2a173976ca11"
#: Blocks from which Multicall3 is known to exist, by chain (API_NOTES.md §3). Other
#: chains are asked with ``eth_getCode`` once.
MULTICALL3_FROM: dict[str, int] = {"ethereum": 14_353_601}
#: Inner calls per ``aggregate3`` request (each ``getVotes`` costs ~10k gas; public nodes cap
#: ``eth_call`` gas around 50M).
MULTICALL_CHUNK = 200
#: Plain ``eth_call`` requests in flight at once when Multicall3 is not there.
PLAIN_CONCURRENCY = 8
#: Seconds a pinned-block answer is kept (the block does not change; memory is bounded).
TTL_PINNED = 3600.0


@lru_cache(maxsize=256)
def selector(signature: str) -> bytes:
    """The 4-byte function selector of ``"getVotes(address)"``."""
    return keccak(text=signature)[:4]


@lru_cache(maxsize=64)
def topic(signature: str) -> str:
    """The ``0x…`` topic of an event signature
    (``"DelegateVotesChanged(address,uint256,uint256)"``)."""
    return "0x" + keccak(text=signature).hex()


def _arg_types(signature: str) -> list[str]:
    """``"f(address,uint256)"`` → ``["address", "uint256"]`` (no nested tuples needed here)."""
    inner = signature[signature.index("(") + 1:signature.rindex(")")]
    return [t for t in inner.split(",") if t]


def calldata(signature: str, *args: Any) -> bytes:
    """Selector + ``eth-abi`` encoded arguments of ``signature``."""
    return selector(signature) + encode(_arg_types(signature), list(args))


@dataclass(frozen=True, slots=True)
class Call:
    """One read: ``target.signature(*args)`` returning ``returns`` (eth-abi types)."""

    target: str
    signature: str
    args: tuple[Any, ...] = ()
    returns: tuple[str, ...] = ("uint256",)

    @property
    def data(self) -> bytes:
        """The calldata."""
        return calldata(self.signature, *self.args)

    def decode(self, raw: bytes) -> Any:
        """The decoded return value (one value unwrapped), or ``None`` when ``raw`` does not
        decode as ``returns`` (an empty answer from a contract without the function)."""
        try:
            values = decode(list(self.returns), raw)
        except (DecodingError, OverflowError, ValueError):
            return None
        return values[0] if len(values) == 1 else values


@dataclass(frozen=True, slots=True)
class Block:
    """A block header's fields that Lorenz reads.

    ``clock`` is the block number a token's checkpoints use: the block's own number, except
    on Arbitrum, where contracts see the L1 block number (``l1BlockNumber`` in the header).
    """

    number: int
    timestamp: int
    clock: int


def _hex_int(value: Any, what: str) -> int:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise BadResponse(f"the node sent a malformed {what}.")
    try:
        return int(value, 16)
    except ValueError:
        raise BadResponse(f"the node sent a malformed {what}.") from None


def _hex_bytes(value: Any) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise BadResponse("the node sent malformed call data.")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise BadResponse("the node sent malformed call data.") from None


_REVERT_WORDS = ("revert", "invalid opcode", "execution error")


class RpcClient:
    """One chain's JSON-RPC endpoint.

    Args:
        http: the shared client.
        url: the endpoint (from ``[sources.rpc]``).
        chain: the chain's name ("ethereum"), for messages and the Multicall3 table.
    """

    def __init__(self, http: HttpClient, url: str, chain: str) -> None:
        self.http = http
        self.url = url
        self.chain = chain
        self.name = f"{chain.capitalize()} JSON-RPC"
        self._multicall_from: int | None = MULTICALL3_FROM.get(chain)
        self.requests = 0

    def __repr__(self) -> str:
        return f"<RpcClient {self.chain}>"

    async def request(self, method: str, params: list[Any], *, ttl: float = 0.0) -> Any:
        """The ``result`` of one JSON-RPC request.

        ``ttl`` > 0 memoises the answer (only for answers that cannot change: pinned blocks).

        Raises:
            RpcError: the node answered with an error object.
            BadResponse: neither a result nor an error.
            SourceUnavailable, RateLimited: as :meth:`HttpClient.post_json`.
        """
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        self.requests += 1
        return await self.http.post_json(self.url, body, ttl=ttl, source=self.name,
                                         parse=self._result)

    def _result(self, body: Any) -> Any:
        if isinstance(body, dict) and "result" in body and body.get("error") is None:
            return body["result"]
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            raise BadResponse(f"{self.name} sent an answer that is not JSON-RPC.",
                              sources=(self.name,))
        raw_code = error.get("code")
        code = raw_code if isinstance(raw_code, int) else 0
        detail = str(error.get("message", ""))[:300]
        reverted = code == 3 or any(w in detail.lower() for w in _REVERT_WORDS)
        what = "refused the call (it reverted)" if reverted else "answered with an error"
        raise RpcError(f"{self.name} {what}.", sources=(self.name,), code=code,
                       detail=detail, reverted=reverted)

    async def block_number(self) -> int:
        """The latest block number (never memoised)."""
        return _hex_int(await self.request("eth_blockNumber", []), "block number")

    async def block(self, number: int | None = None) -> Block:
        """Block ``number`` (latest when ``None``): number, timestamp and clock."""
        tag = "latest" if number is None else hex(number)
        raw = await self.request("eth_getBlockByNumber", [tag, False],
                                 ttl=TTL_PINNED if number is not None else 0.0)
        if not isinstance(raw, dict):
            raise BadResponse(f"{self.name} has no block {tag}.", sources=(self.name,))
        num = _hex_int(raw.get("number"), "block number")
        l1 = raw.get("l1BlockNumber")
        return Block(num, _hex_int(raw.get("timestamp"), "block timestamp"),
                     _hex_int(l1, "L1 block number") if l1 is not None else num)

    async def eth_call(self, target: str, data: bytes, block: int) -> bytes:
        """``eth_call`` of ``data`` on ``target`` at ``block``: the raw return bytes."""
        raw = await self.request("eth_call", [{"to": target, "data": "0x" + data.hex()},
                                              hex(block)], ttl=TTL_PINNED)
        return _hex_bytes(raw)

    async def call(self, call: Call, block: int) -> Any:
        """One decoded read; ``None`` when the answer does not decode.

        Raises:
            RpcError: the call reverted (``.reverted``) or the node refused it.
        """
        return call.decode(await self.eth_call(call.target, call.data, block))

    async def has_multicall(self, block: int) -> bool:
        """Whether Multicall3 exists at ``block`` (the known deployment block, else
        ``eth_getCode`` — remembered once found, since it stays)."""
        if self._multicall_from is not None:
            return block >= self._multicall_from
        code = await self.request("eth_getCode", [MULTICALL3, hex(block)], ttl=TTL_PINNED)
        present = isinstance(code, str) and len(code) > 2
        if present:
            self._multicall_from = block
        return present

    async def has_code(self, address: str, block: int) -> bool:
        """Whether ``address`` has contract code at ``block`` (``eth_getCode``).

        Raises:
            RpcError: the node keeps no state at ``block`` (a pruned node, for old blocks).
        """
        code = await self.request("eth_getCode", [address, hex(block)], ttl=TTL_PINNED)
        return isinstance(code, str) and len(code) > 2

    async def call_many(self, calls: Sequence[Call], block: int) -> list[Any]:
        """Every read of ``calls`` at ``block``, decoded, in order; ``None`` for a call that
        reverted or did not decode (one bad call never sinks the others).

        Uses Multicall3 ``aggregate3`` in chunks when it exists at ``block``, else plain
        ``eth_call`` requests (at most :data:`PLAIN_CONCURRENCY` at a time).

        Raises:
            SourceError: the node could not be reached or refused a whole batch.
        """
        if not calls:
            return []
        if await self.has_multicall(block):
            out: list[Any] = []
            for start in range(0, len(calls), MULTICALL_CHUNK):
                out.extend(await self._aggregate3(calls[start:start + MULTICALL_CHUNK], block))
            return out
        return await self._plain(calls, block)

    async def _aggregate3(self, calls: Sequence[Call], block: int) -> list[Any]:
        payload = [(c.target, True, c.data) for c in calls]
        data = selector("aggregate3((address,bool,bytes)[])") + encode(
            ["(address,bool,bytes)[]"], [payload])
        raw = await self.eth_call(MULTICALL3, data, block)
        try:
            (results,) = decode(["(bool,bytes)[]"], raw)
        except (DecodingError, OverflowError, ValueError):
            raise BadResponse(f"{self.name} sent a Multicall3 answer that does not decode.",
                              sources=(self.name,)) from None
        if len(results) != len(calls):
            raise BadResponse(f"{self.name} sent {len(results)} Multicall3 results for "
                              f"{len(calls)} calls.", sources=(self.name,))
        return [c.decode(bytes(ret)) if ok else None for c, (ok, ret) in zip(calls, results,
                                                                              strict=True)]

    async def _plain(self, calls: Sequence[Call], block: int) -> list[Any]:
        gate = asyncio.Semaphore(PLAIN_CONCURRENCY)

        async def one(call: Call) -> Any:
            async with gate:
                try:
                    return await self.call(call, block)
                except RpcError as exc:
                    if not exc.reverted:
                        raise
                    return None

        return list(await asyncio.gather(*(one(c) for c in calls)))

    async def logs(self, address: str, topics: list[str | None], from_block: int,
                   to_block: int) -> list[dict[str, Any]]:
        """``eth_getLogs`` of one contract in ``[from_block, to_block]`` (raw log objects).

        Raises:
            RpcError: the node refused the range (too wide, too many results) — the caller
                splits it; SourceError otherwise.
        """
        raw = await self.request("eth_getLogs", [{
            "address": address, "topics": topics,
            "fromBlock": hex(from_block), "toBlock": hex(to_block)}], ttl=TTL_PINNED)
        if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
            raise BadResponse(f"{self.name} sent logs that are not a list.",
                              sources=(self.name,))
        return raw


async def block_at(rpc: RpcClient, timestamp: int, latest: Block, *,
                   max_calls: int = 40) -> Block:
    """The last block at or before ``timestamp`` (unix seconds), by bisection over
    ``eth_getBlockByNumber`` guided by the average block time (at most ``max_calls``
    header reads; the best block found so far when they run out).

    ``latest`` is the pinned head. A timestamp after it gives ``latest``; one before block 1
    gives block 0's header.

    Raises:
        SourceError: a header could not be read.
    """
    if timestamp >= latest.timestamp:
        return latest
    low, high = await _bracket(rpc, timestamp, latest)  # low.ts <= timestamp < high.ts
    if low.timestamp > timestamp:
        return low
    for _ in range(max_calls // 2):  # two header reads per round
        if high.number - low.number <= 1:
            break
        span = high.timestamp - low.timestamp
        guess = low.number + int((timestamp - low.timestamp) * (high.number - low.number)
                                 / max(span, 1))
        guess = min(max(guess, low.number + 1), high.number - 1)
        mid = await rpc.block(guess)
        if mid.timestamp <= timestamp:
            low = mid
        else:
            high = mid
        # interpolation can crawl on uneven block times: halve when the span is stubborn
        if high.number - low.number > 2:
            half = await rpc.block((low.number + high.number) // 2)
            if half.timestamp <= timestamp:
                low = half
            else:
                high = half
    return low


#: Blocks back from the head over which the recent block time is measured.
RECENT_BLOCKS = 10_000


async def _bracket(rpc: RpcClient, timestamp: int, latest: Block) -> tuple[Block, Block]:
    """(low, high) around ``timestamp``: from the recent block time a guess 5% short of the
    distance (old blocks came slower or faster: genesis when the guess overshoots), so the
    search starts near the answer instead of at genesis (2 header reads)."""
    probe = await rpc.block(max(0, latest.number - RECENT_BLOCKS))
    spent = latest.timestamp - probe.timestamp
    if probe.number >= latest.number or spent <= 0:
        return await rpc.block(0), latest
    per_block = spent / (latest.number - probe.number)
    back = int((latest.timestamp - timestamp) / per_block * 1.05) + 1
    start = await rpc.block(max(0, latest.number - back))
    if start.timestamp <= timestamp:
        return start, latest
    return await rpc.block(0), start


def is_range_refusal(exc: SourceError) -> bool:
    """Whether an ``eth_getLogs`` failure means "ask for less" (a range or result cap, in
    the provider's own words, or a 4xx/413 refusal) rather than a dead node."""
    if isinstance(exc, RpcError):
        return not exc.reverted
    return isinstance(exc, BadResponse)


__all__ = ["MULTICALL3", "Block", "Call", "RpcClient", "block_at", "calldata",
           "is_range_refusal", "selector", "topic"]


async def first_code_block(rpc: RpcClient, address: str, head: int) -> int | None:
    """The first block at which ``address`` has code: its deployment, found by bisection
    over ``eth_getCode`` (about log2(``head``) requests, 25 on Ethereum, once per token).

    Contracts deployed at genesis (Optimism's predeploys) give 0. Needs state at old
    blocks, which only an archive node keeps: ``None`` when the node refuses (a pruned
    node) or ``address`` has no code at ``head``.
    """
    try:
        if not await rpc.has_code(address, head):
            return None
        low, high = 0, head  # the answer lies in [low, high]; code at high
        while low < high:
            middle = (low + high) // 2
            if await rpc.has_code(address, middle):
                high = middle
            else:
                low = middle + 1
    except RpcError as exc:
        log.debug("no deployment block for %s: %s", address, exc.detail or exc)
        return None
    return low
