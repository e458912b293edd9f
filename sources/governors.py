"""Where each on-chain DAO's governor and voting tokens live: a built-in table, as data.

Every row says where its addresses were found (:attr:`GovernorSpec.source`). A protocol not
in the table may still be read when DefiLlama's ``governanceID`` names an on-chain governor
(``eip155:<chain id>:0x…``): :func:`governor_for` then builds a spec of kind ``"auto"`` whose
counting rule is found by asking the governor (:mod:`sources.governance`).

Kinds (how quorum, threshold and votes are read):

* ``bravo`` — Compound GovernorBravo: ``quorumVotes()``, ``proposalThreshold()``; the token's
  ``getCurrentVotes``/``getPriorVotes``; a proposal passes with For ≥ quorum (and For > Against).
* ``oz`` — OpenZeppelin Governor: ``quorum(timepoint)`` (read at block − 1),
  ``proposalThreshold()``; the token's ``getVotes``/``getPastVotes``/``getPastTotalSupply``;
  For + Abstain count towards quorum.
* ``compgov`` — Compound's CompoundGovernor (an OpenZeppelin governor over COMP):
  ``quorum(timepoint)`` (a settable fixed quorum, read at block − 1), ``proposalThreshold()``;
  the token's Compound-style ``getCurrentVotes``/``getPriorVotes``; For + Abstain count
  towards quorum (fractional counting), and For must exceed Against.
* ``agora`` — Optimism's Agora governor: quorum is ``quorumNumerator / quorumDenominator`` of
  ``votableSupply()`` (the delegated supply) per proposal; OZ-style token reads.
* ``aave3`` — Aave Governance v3: ``getVotingConfig(level)`` (yes-threshold, yes−no
  differential and proposition power in whole AAVE, × 10^18 on-chain); power is the sum of
  ``getPowerCurrent(user, 0)`` over AAVE, stkAAVE and aAAVE; the tokens keep no checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.protocol import ProtocolRecord

#: EIP-155 chain ids of the chains Lorenz reads (CAIP-10 ``eip155:<id>:0x…``).
CHAIN_IDS: dict[int, str] = {1: "ethereum", 10: "optimism", 42161: "arbitrum", 137: "polygon",
                             8453: "base", 100: "gnosis"}

KINDS = ("bravo", "oz", "compgov", "agora", "aave3", "auto")


@dataclass(frozen=True, slots=True)
class GovernorSpec:
    """One DAO's governor and the tokens whose votes count.

    Attributes:
        slug: the directory slug the row belongs to ("uniswap").
        chain: the chain both live on ("ethereum", "arbitrum", "optimism").
        kind: one of :data:`KINDS`.
        governor: the governor contract (lower case).
        tokens: the voting tokens (lower case), the governance token first.
        label: the governor's name for sentences ("GovernorBravo").
        source: where the addresses were found.
        note: a caveat shown with the figures ("" when none).
    """

    slug: str
    chain: str
    kind: str
    governor: str
    tokens: tuple[str, ...]
    label: str
    source: str
    note: str = ""


def _spec(slug: str, chain: str, kind: str, governor: str, tokens: tuple[str, ...], label: str,
          source: str, note: str = "") -> GovernorSpec:
    return GovernorSpec(slug, chain, kind, governor.lower(), tuple(t.lower() for t in tokens),
                        label, source, note)


#: The built-in governors. Token addresses match the built-in directory (sources.protocols).
BUILTIN_GOVERNORS: tuple[GovernorSpec, ...] = (
    _spec("uniswap", "ethereum", "bravo", "0x408ED6354d4973f66138C91495F2f2FCbd8724C3",
          ("0x1f9840a85d5af5bf1d1762f925bdaddc4201f984",), "Uniswap GovernorBravo",
          "API_NOTES.md §3; GovernorBravoDelegator in kiril-lab/Bachelorarbeit "
          "src/lib/constUniswap.ts and manuvantara/project-vayua "
          "apps/platform/src/config/mock-data.ts"),
    _spec("compound-v3", "ethereum", "compgov", "0x309a862bbC1A00e45506cB8A802D1ff10004c8C0",
          ("0xc00e94cb662c3520282e6f5717214004a7f26888",), "CompoundGovernor",
          "compound-finance/comet@d5a30b0 deployments/relations.ts (the governor at this "
          "address is read with token(), the others with comp()) and its mainnet migrations' "
          "Tally links (govId=eip155:1:0x309a…c8C0); the contract: compound-finance/"
          "compound-governance@5e013be contracts/CompoundGovernor.sol (GovernorVotesComp, "
          "GovernorSettableFixedQuorum, GovernorCountingFractional), which replaced "
          "GovernorBravo 0xc0Da…6529 (script/CompoundGovernorConstants.sol)"),
    _spec("aave", "ethereum", "aave3", "0x9AEE0B04504CeF83A65AC3f0e838D0593BCb2BC7",
          ("0x7fc66500c84a76ad7e9c93437bfc5ac33e2ddae9",
           "0x4da27a545c0c5B758a6BA100e3a049001de870f5",
           "0xA700b4eB416Be35b2911fd5Dee80678ff64fF6C9"), "Aave Governance v3",
          "bgd-labs/aave-governance-v3 README (Deployed Addresses: Governance, Ethereum); "
          "stkAAVE = AaveSafetyModule.STK_AAVE and aAAVE = AaveV3Ethereum ASSETS.AAVE.A_TOKEN "
          "in bgd-labs/aave-address-book (as used by bgd-labs/aave-governance-ui-helpers)",
          note="Level 1 (short executor) thresholds; Level 2 proposals need more"),
    _spec("ens", "ethereum", "oz", "0x323A76393544d5ecca80cd6ef2A560C6a395b7E3",
          ("0xc18360217d8f7ab5e7c516566761ea12ce7f9d72",), "ENS Governor",
          "blockful/anticapture apps/dashboard/lib/dao-constants/ens.ts (governor and token)"),
    _spec("arbitrum", "arbitrum", "oz", "0xf07DeD9dC292157749B6Fd268E37DF6EA38395B9",
          ("0x912ce59144191c1204e64559fe8253a0e49e6548",), "Arbitrum core governor",
          "l2beat/l2beat packages/config/src/projects/arbitrum/arbitrum/diffHistory.md "
          "(CoreGovernor, 4.5% quorum); ArbitrumFoundation governance DeployConstants "
          "(L2_CORE_GOVERNOR, L2_ARB_TOKEN_ADDRESS)",
          note="constitutional proposals (core governor); treasury proposals need 3%"),
    _spec("optimism", "optimism", "agora", "0xcDF27F107725988f2261Ce2256bDfCdE8B382B10",
          ("0x4200000000000000000000000000000000000042",), "Optimism governor (Agora)",
          "API_NOTES.md §3; DefiLlama governanceID eip155:10:0xcDF2…2B10 (DefiLlama-Adapters "
          "chain list); Agora's optimism tenant config (GOVERNOR, TOKEN)",
          note="quorum is per proposal (30% of votable supply by default); read as the "
               "governor's current fraction of its votable supply"),
)


def governor_for(record: ProtocolRecord) -> GovernorSpec | None:
    """The governor of ``record``: the built-in row for its slug (or its token), else one
    built from DefiLlama's ``eip155:<id>:0x…`` governor with the record's token (kind
    ``"auto"``), else ``None`` (no on-chain governor known)."""
    token = (record.token_address or "").lower()
    for spec in BUILTIN_GOVERNORS:
        if spec.slug == record.slug or (token and spec.tokens[0] == token):
            return spec
    text = record.onchain_governance.strip().lower()
    if not text.startswith("eip155:") or not token:
        return None
    _, chain_id, address = ([*text.split(":"), "", ""])[:3]
    chain = CHAIN_IDS.get(int(chain_id)) if chain_id.isdigit() else None
    if chain is None or not address.startswith("0x") or len(address) != 42:
        return None
    if record.chain and record.chain != chain:
        return None  # the token lives elsewhere: its votes are not on the governor's chain
    return GovernorSpec(record.slug, chain, "auto", address, (token,),
                        f"{record.name} governor", "DefiLlama governanceID")
