"""Every delegate of a token, from its ``DelegateVotesChanged`` logs: an incremental,
bounded scan.

``DelegateVotesChanged(address indexed delegate, uint256 previousBalance, uint256
newBalance)`` is emitted by Compound-style and OpenZeppelin ERC20Votes tokens whenever a
delegate's votes change; the last ``newBalance`` per delegate is its power (API_NOTES.md §3).
Reading them all from the first block finds **every** delegate — which the top holders'
``delegates()`` cannot promise.

Providers cap ``eth_getLogs`` (results per call, blocks per range, each in its own words),
so the scan walks forward in ranges: a range the provider refuses, or one that comes back
with :data:`MAX_LOGS` logs or more (possibly cut), is halved and asked again; a quiet range
doubles the next one. The scan keeps its cursor (:attr:`DelegateScan.next_block`), so it can
stop after a budget of calls and go on later, and a later run only reads the new blocks.
It is meant to run in the background (:mod:`pipeline.governance`), never on a reply's
critical path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from eth_abi import decode
from eth_abi.exceptions import DecodingError

from core.errors import BadResponse, SourceError
from sources.rpc import RpcClient, first_code_block, is_range_refusal, topic

log = logging.getLogger(__name__)

DVC = "DelegateVotesChanged(address,uint256,uint256)"
#: Logs per call we trust not to be cut (most providers cap at 1,000–10,000).
MAX_LOGS = 1000
#: The first range tried (blocks); it adapts from there.
FIRST_SPAN = 100_000
#: The widest range asked for at once (blocks); ranges double while they stay quiet.
MAX_SPAN = 20_000_000


@dataclass
class DelegateScan:
    """The scan of one token's delegates, resumable.

    Attributes:
        token: the token contract (lower case).
        span / ceiling: the next range's width, and the widest the provider accepted
            (lowered on each refusal, so a capped provider is not asked too wide again).
        start_block: the first block scanned (0: from genesis; moved to the token's
            deployment block on the first range refusal, see :meth:`_locate`).
        next_block: the first block not yet scanned.
        votes: the last ``newBalance`` seen per delegate (raw integer units).
        calls: ``eth_getLogs`` requests made so far; ``logs``: logs read.
        failed: why the last run stopped early on an error ("" when it did not).
        located: whether the deployment block was looked for already.
    """

    token: str
    start_block: int = 0
    next_block: int = -1
    span: int = FIRST_SPAN
    ceiling: int = MAX_SPAN
    votes: dict[str, int] = field(default_factory=dict)
    calls: int = 0
    logs: int = 0
    failed: str = ""
    located: bool = False

    def __post_init__(self) -> None:
        if self.next_block < 0:
            self.next_block = self.start_block

    def begin_at(self, block: int) -> None:
        """Start at ``block`` (the token's deployment: no log can be older) — only when
        nothing was scanned yet; a scan under way keeps its cursor."""
        if self.next_block == self.start_block:
            self.start_block = self.next_block = max(0, block)

    async def _locate(self, rpc: RpcClient, head: int) -> bool:
        """On the first range refusal of a scan from genesis: move the start to the token's
        deployment block (:func:`sources.rpc.first_code_block`, ~25 requests), since a
        provider capping ranges would otherwise be asked for every block before the token
        existed. Once per scan, outside the run's ``max_calls`` budget (it is bounded by
        log2 of the head: 25 requests on Ethereum); returns whether the start moved."""
        if self.located or self.start_block != 0 or self.next_block != 0:
            return False
        self.located = True
        deployed = await first_code_block(rpc, self.token, head)
        if not deployed:
            return False
        self.begin_at(deployed)
        log.debug("delegate scan of %s starts at its deployment, block %d", self.token,
                  deployed)
        return True

    def done_to(self, block: int) -> bool:
        """Whether every block up to ``block`` has been scanned."""
        return self.next_block > block

    def progress(self, block: int) -> float:
        """Share of the blocks ``[start_block, block]`` scanned (0–1)."""
        total = block - self.start_block + 1
        return 1.0 if total <= 0 else min(1.0, (self.next_block - self.start_block) / total)

    async def run(self, rpc: RpcClient, to_block: int, max_calls: int) -> bool:
        """Scan on towards ``to_block`` with at most ``max_calls`` requests.

        Returns whether the scan reached ``to_block``. A provider refusal halves the range
        (down to one block, which then fails the run); other errors stop the run with
        :attr:`failed` set — the cursor stays, so a later run resumes.
        """
        self.failed = ""
        budget = max_calls
        while not self.done_to(to_block) and budget > 0:
            end = min(to_block, self.next_block + self.span - 1)
            budget -= 1
            self.calls += 1
            try:
                raw = await rpc.logs(self.token, [topic(DVC)], self.next_block, end)
            except SourceError as exc:
                if is_range_refusal(exc) and await self._locate(rpc, to_block):
                    continue  # asked again from the deployment block
                if is_range_refusal(exc) and end > self.next_block:
                    width = end - self.next_block + 1
                    if not _too_many_results(exc):  # a block-range cap does not change:
                        self.ceiling = max(1, width // 2)  # never ask this wide again
                    self.span = max(1, width // 2)
                    continue
                self.failed = str(exc)
                log.debug("delegate scan of %s stopped: %s", self.token, exc)
                return False
            if len(raw) >= MAX_LOGS and end > self.next_block:
                self.span = max(1, (end - self.next_block + 1) // 2)  # maybe cut: ask less
                continue
            self._apply(raw)
            self.next_block = end + 1
            if len(raw) < MAX_LOGS // 4:
                self.span = min(self.ceiling, self.span * 2)
        return self.done_to(to_block)

    def _apply(self, raw: list[dict]) -> None:
        """Fold logs into :attr:`votes`, in chain order."""
        parsed = []
        for item in raw:
            try:
                parsed.append(_parse(item))
            except BadResponse as exc:
                log.debug("delegate scan of %s: skipped a log (%s)", self.token, exc)
        for _block, _index, delegate, new in sorted(parsed):
            self.votes[delegate] = new
        self.logs += len(parsed)

    def delegates(self) -> dict[str, int]:
        """Delegates with votes now (raw units), as last logged."""
        return {d: v for d, v in self.votes.items() if v > 0}


#: Words of a refusal for too many results (log density varies: not a lasting range cap),
#: as Infura ("query returned more than 10000 results") and Alchemy ("Log response size
#: exceeded") word it.
_RESULT_WORDS = ("result", "response size", "too many logs")


def _too_many_results(exc: SourceError) -> bool:
    detail = (getattr(exc, "detail", "") or str(exc)).lower()
    return any(w in detail for w in _RESULT_WORDS)


def _parse(item: dict) -> tuple[int, int, str, int]:
    """(block, log index, delegate, newBalance) of one raw log."""
    try:
        topics = item["topics"]
        block = int(item["blockNumber"], 16)
        index = int(item.get("logIndex") or "0x0", 16)
        (delegate,) = decode(["address"], bytes.fromhex(topics[1][2:]))
        _previous, new = decode(["uint256", "uint256"], bytes.fromhex(item["data"][2:]))
    except (KeyError, IndexError, TypeError, ValueError, DecodingError) as exc:
        raise BadResponse(f"malformed DelegateVotesChanged log ({type(exc).__name__})") from None
    return block, index, str(delegate).lower(), int(new)


__all__ = ["DVC", "MAX_LOGS", "DelegateScan"]
