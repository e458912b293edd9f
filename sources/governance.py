"""On-chain governance reads: quorum, threshold, delegates' votes, and their past values.

Everything is read at one pinned block (the head when the read starts) through
:class:`sources.rpc.RpcClient` — batched with Multicall3 — and returned raw (integers in
the token's smallest unit) in a :class:`GovernanceRead`; the maths is :mod:`scoring.power`.

The delegate set:

* **top holders' delegates** (always): ``delegates(holder)`` for the top holders given
  (Aave: ``getDelegateeByType(holder, 0)`` on each voting token, a holder who delegated to
  nobody votes with its own balance), then each delegate's current votes. Delegates who
  gathered power from many small holders are missed, so the set is a **lower bound**;
* **extra delegates** (when given): every delegate a ``DelegateVotesChanged`` log scan
  found (:mod:`sources.delegate_scan`); their current votes are read here at the pinned
  block, so the figures stay exact even when the scan is older than the block.

Past values need no archive node: checkpoints live in current state, so
``getPriorVotes``/``getPastVotes(addr, timepoint)`` and ``getPastTotalSupply`` are called
at the pinned block with the timepoint of the block found by :func:`sources.rpc.block_at`
(on Arbitrum the L1 block number, which its contracts use as their clock). Aave's voting
tokens keep no checkpoints: their past power is read with the same calls *at* the past block
(:func:`read_past_state`), which only a node keeping old state (an archive node) answers; a
pruned node's refusal leaves a note instead of a trend.

The voting tokens' own contracts (stkAAVE holds AAVE, aAAVE's pool holds AAVE) are never
counted as delegates: they cannot cast a vote.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from core.errors import BadResponse
from sources.governors import GovernorSpec
from sources.rpc import Block, Call, RpcClient, block_at

log = logging.getLogger(__name__)

ZERO = "0x" + "00" * 20
DAY = 86_400
#: Today's top delegates compared with their past votes.
TREND_TOP = 10


@dataclass(frozen=True, slots=True)
class _TokenAbi:
    """The token functions of one governor kind."""

    votes: str
    past: str | None
    delegate: str
    votes_returns: str


_ABI = {
    "bravo": _TokenAbi("getCurrentVotes(address)", "getPriorVotes(address,uint256)",
                       "delegates(address)", "uint96"),
    "oz": _TokenAbi("getVotes(address)", "getPastVotes(address,uint256)",
                    "delegates(address)", "uint256"),
    "aave3": _TokenAbi("getPowerCurrent(address,uint8)", None,
                       "getDelegateeByType(address,uint8)", "uint256"),
}
_ABI["agora"] = _ABI["oz"]
_ABI["compgov"] = _ABI["bravo"]  # an OZ governor over a Compound-style token (COMP)


@dataclass(frozen=True, slots=True)
class Params:
    """The governor's rules and the token's supply, raw (smallest units)."""

    decimals: int
    supply: int | None
    quorum: int | None
    threshold: int | None
    differential: int | None = None  # Aave: yes − no must exceed it
    delegated_total: int | None = None  # exact delegated votes when the chain says (OP)


@dataclass(frozen=True, slots=True)
class PastRead:
    """Votes of today's top delegates at the block of a past date (raw units)."""

    days: int
    block: Block
    votes: dict[str, int]
    supply: int | None
    quorum: int | None


@dataclass(frozen=True, slots=True)
class GovernanceRead:
    """What the chain said, raw; see the module docstring.

    Attributes:
        spec: the governor row, ``kind`` resolved (never ``"auto"``).
        head: the pinned block.
        params: quorum, threshold, supply, decimals.
        votes: current votes per delegate found (raw; only those with votes).
        holders_asked: how many top holders' delegates were read.
        holders_delegating: how many of them had delegated (to anyone, themselves too).
        past: the trend reads (empty for Aave).
        notes: what could not be read, in words.
    """

    spec: GovernorSpec
    head: Block
    params: Params
    votes: dict[str, int]
    holders_asked: int
    holders_delegating: int
    past: tuple[PastRead, ...] = ()
    notes: tuple[str, ...] = ()
    extra: dict[str, int] = field(default_factory=dict)


async def detect_kind(rpc: RpcClient, governor: str, head: Block, token: str = "") -> str:
    """``agora``, ``bravo``, ``oz`` or ``compgov``, by which of their functions the governor
    (and, for an OpenZeppelin governor, its ``token``) answers: an OZ governor whose token
    has no ``getVotes`` but Compound's ``getCurrentVotes`` is ``compgov``.

    Raises:
        BadResponse: it answers none of them (not a governor Lorenz can read).
    """
    agora, bravo, oz = await rpc.call_many([
        Call(governor, "votableSupply()"),
        Call(governor, "quorumVotes()"),
        Call(governor, "quorum(uint256)", (max(head.clock - 1, 0),)),
    ], head.number)
    if agora is not None:
        return "agora"
    if bravo is not None:
        return "bravo"
    if oz is not None:
        return await _oz_token_kind(rpc, token, head)
    raise BadResponse(f"the {rpc.chain} governor answers no quorum function Lorenz knows.",
                      sources=(rpc.name,))


async def _oz_token_kind(rpc: RpcClient, token: str, head: Block) -> str:
    """``oz`` when ``token`` answers ERC20Votes' ``getVotes`` (or is not given), ``compgov``
    when it answers only Compound's ``getCurrentVotes``."""
    if not token:
        return "oz"
    votes, current = await rpc.call_many([
        Call(token, "getVotes(address)", (ZERO,)),
        Call(token, "getCurrentVotes(address)", (ZERO,), ("uint96",)),
    ], head.number)
    return "compgov" if votes is None and current is not None else "oz"


async def read_params(rpc: RpcClient, spec: GovernorSpec, kind: str, head: Block) -> Params:
    """Quorum, proposal threshold, decimals and supply at ``head`` (raw units).

    Raises:
        BadResponse: the token does not say its decimals (nothing else could be scaled).
    """
    gov, token = spec.governor, spec.tokens[0]
    common = [Call(token, "decimals()", (), ("uint8",)), Call(token, "totalSupply()")]
    if kind == "aave3":
        config = Call(gov, "getVotingConfig(uint8)", (1,),
                      ("(uint24,uint24,uint56,uint56,uint56)",))
        decimals, supply, cfg = await rpc.call_many([*common, config], head.number)
        unit = 10**18  # PRECISION_DIVIDER: the config is in whole AAVE
        return _checked(rpc, Params(decimals, supply, cfg[2] * unit if cfg else None,
                                    cfg[4] * unit if cfg else None,
                                    cfg[3] * unit if cfg else None))
    rules = [Call(gov, "proposalThreshold()")]
    if kind == "bravo":
        rules.append(Call(gov, "quorumVotes()"))
    elif kind in ("oz", "compgov"):
        rules.append(Call(gov, "quorum(uint256)", (max(head.clock - 1, 0),)))
    else:  # agora: a fraction of the votable (delegated) supply
        rules += [Call(gov, "votableSupply()"), Call(gov, "quorumNumerator()"),
                  Call(gov, "quorumDenominator()")]
    values = await rpc.call_many([*common, *rules], head.number)
    decimals, supply, threshold = values[:3]
    if kind != "agora":
        return _checked(rpc, Params(decimals, supply, values[3], threshold))
    votable, num, den = values[3:]
    quorum = votable * num // den if None not in (votable, num, den) and den else None
    return _checked(rpc, Params(decimals, supply, quorum, threshold, None, votable))


def _checked(rpc: RpcClient, params: Params) -> Params:
    if not isinstance(params.decimals, int) or not 0 <= params.decimals <= 36:
        raise BadResponse("the voting token does not say its decimals.", sources=(rpc.name,))
    return params


async def delegates_of(rpc: RpcClient, spec: GovernorSpec, kind: str,
                       holders: Sequence[str], head: Block) -> tuple[set[str], int]:
    """The delegates the ``holders`` chose (Aave: a holder without one counts itself), and
    how many holders had chosen one."""
    abi = _ABI[kind]
    tokens = spec.tokens if kind == "aave3" else spec.tokens[:1]
    args = (lambda h: (h, 0)) if kind == "aave3" else (lambda h: (h,))
    calls = [Call(t, abi.delegate, args(h), ("address",)) for t in tokens for h in holders]
    answers = await rpc.call_many(calls, head.number)
    found: set[str] = set()
    delegating: set[str] = set()
    for call, answer in zip(calls, answers, strict=True):
        holder = call.args[0]
        chosen = str(answer).lower() if answer else ZERO
        if chosen != ZERO:
            found.add(chosen)
            delegating.add(holder)
        elif kind == "aave3":
            found.add(holder)  # Aave: undelegated power stays with the holder
    return found, len(delegating)


async def votes_of(rpc: RpcClient, spec: GovernorSpec, kind: str, addresses: Iterable[str],
                   head: Block) -> dict[str, int]:
    """Current votes of ``addresses`` (raw), only those above zero. Aave sums
    ``getPowerCurrent(addr, 0)`` over its voting tokens."""
    abi = _ABI[kind]
    wanted = sorted({a.lower() for a in addresses} - {ZERO, *spec.tokens})
    tokens = spec.tokens if kind == "aave3" else spec.tokens[:1]
    args = (lambda a: (a, 0)) if kind == "aave3" else (lambda a: (a,))
    calls = [Call(t, abi.votes, args(a), (abi.votes_returns,)) for a in wanted for t in tokens]
    answers = await rpc.call_many(calls, head.number)
    votes: dict[str, int] = {}
    for call, answer in zip(calls, answers, strict=True):
        if isinstance(answer, int) and answer > 0:
            votes[call.args[0]] = votes.get(call.args[0], 0) + answer
    return votes


async def read_past(rpc: RpcClient, spec: GovernorSpec, kind: str, top: Sequence[str],
                    head: Block, days: int) -> PastRead:
    """Votes of ``top`` (and the supply and OZ quorum) at the block ``days`` before ``head``.

    Raises:
        BadResponse: the kind keeps no checkpoints (Aave).
    """
    abi = _ABI[kind]
    if abi.past is None:
        raise BadResponse("the voting tokens keep no checkpoints.", sources=(rpc.name,))
    then = await block_at(rpc, head.timestamp - days * DAY, head)
    token = spec.tokens[0]
    calls = [Call(token, abi.past, (a, then.clock), (abi.votes_returns,)) for a in top]
    extra: list[Call] = []
    if kind in ("oz", "agora"):
        extra.append(Call(token, "getPastTotalSupply(uint256)", (then.clock,)))
    if kind in ("oz", "compgov"):
        extra.append(Call(spec.governor, "quorum(uint256)", (then.clock,)))
    answers = await rpc.call_many([*calls, *extra], head.number)
    votes = {a: v for a, v in zip(top, answers[:len(top)], strict=True) if isinstance(v, int)}
    rest = answers[len(top):]
    supply = rest.pop(0) if kind in ("oz", "agora") else None
    quorum = rest.pop(0) if rest else None
    return PastRead(days, then, votes, supply, quorum)


async def read_past_state(rpc: RpcClient, spec: GovernorSpec, kind: str, top: Sequence[str],
                          head: Block, days: int) -> PastRead:
    """Aave: the voting power of ``top``, the supply and the level-1 quorum read *at* the
    block ``days`` before ``head`` (the tokens keep no checkpoints to ask today).

    Raises:
        RpcError: the node keeps no state that old (a pruned, non-archive node).
        BadResponse: a voting token did not answer at that block.
    """
    then = await block_at(rpc, head.timestamp - days * DAY, head)
    abi = _ABI[kind]
    calls = [Call(t, abi.votes, (a, 0), (abi.votes_returns,)) for a in top for t in spec.tokens]
    config = Call(spec.governor, "getVotingConfig(uint8)", (1,),
                  ("(uint24,uint24,uint56,uint56,uint56)",))
    answers = await rpc.call_many([*calls, Call(spec.tokens[0], "totalSupply()"), config],
                                  then.number)
    if any(not isinstance(a, int) for a in answers[:len(calls)]):
        raise BadResponse(f"the voting tokens did not answer at block {then.number:,}.",
                          sources=(rpc.name,))
    votes: dict[str, int] = {}
    for call, answer in zip(calls, answers, strict=False):
        votes[call.args[0]] = votes.get(call.args[0], 0) + answer
    supply, cfg = answers[len(calls):]
    quorum = cfg[2] * 10**18 if cfg else None  # whole AAVE, as in read_params
    return PastRead(days, then, votes, supply if isinstance(supply, int) else None, quorum)


async def _past_reads(rpc: RpcClient, spec: GovernorSpec, kind: str, top: Sequence[str],
                      head: Block, trend_days: tuple[int, ...]
                      ) -> tuple[list[PastRead], list[str]]:
    """The trend reads, and a note when there can be none."""
    if not top:
        return [], []
    if _ABI[kind].past is not None:
        return [await read_past(rpc, spec, kind, top, head, d) for d in trend_days], []
    try:
        past = [await read_past_state(rpc, spec, kind, top, head, d) for d in trend_days]
    except BadResponse as exc:  # RpcError too: a pruned node refusing old state
        log.debug("past state unavailable: %s (%s)", exc, getattr(exc, "detail", ""))
        return [], ["no 30/90-day change: the voting tokens keep no checkpoints, and the "
                    "node keeps no state that old (an archive node would)"]
    return past, ["30/90-day change read from the chain's state at those blocks (the voting "
                  "tokens keep no checkpoints)"]


async def read_governance(rpc: RpcClient, spec: GovernorSpec, holders: Sequence[str],
                          extra_delegates: dict[str, int] | None = None,
                          trend_days: tuple[int, ...] = (30, 90)) -> GovernanceRead:
    """Every read of the module docstring, at one pinned block.

    Args:
        rpc: the chain's client.
        spec: the governor (kind ``"auto"`` is resolved by :func:`detect_kind`).
        holders: top holders' addresses (their delegates are read).
        extra_delegates: delegates found elsewhere (the log scan), with the balance they
            were last logged with (raw; kept in :attr:`GovernanceRead.extra`).
        trend_days: how many days back to compare (none for Aave).

    Raises:
        SourceError: the node could not be reached, or the governor/token is unreadable.
    """
    head = await rpc.block()
    kind = (spec.kind if spec.kind != "auto"
            else await detect_kind(rpc, spec.governor, head, spec.tokens[0]))
    spec = replace(spec, kind=kind)
    params, (chosen, delegating) = await asyncio.gather(
        read_params(rpc, spec, kind, head),
        delegates_of(rpc, spec, kind, [h.lower() for h in holders], head))
    extra = {a.lower(): v for a, v in (extra_delegates or {}).items()}
    votes = await votes_of(rpc, spec, kind, chosen | set(extra), head)
    top = [a for a, _ in sorted(votes.items(), key=lambda kv: -kv[1])[:TREND_TOP]]
    past, notes = await _past_reads(rpc, spec, kind, top, head, trend_days)
    if params.quorum is None:
        notes.append("the governor did not answer its quorum")
    return GovernanceRead(spec, head, params, votes, len(holders), delegating, tuple(past),
                          tuple(notes), extra)


__all__ = ["GovernanceRead", "Params", "PastRead", "delegates_of", "detect_kind",
           "read_governance", "read_params", "read_past", "read_past_state", "votes_of"]
