"""Built-in facts: addresses whose category is known, each with where the fact comes from.

These are the burn sinks and the treasury / timelock / vesting / staking / bridge contracts
of the protocols Lorenz supports out of the box. Every row names its source (repository,
path and commit, or the label data set) so a reader can check it. An address that is not
here, in a live label, or in a user label file stays "unlabeled" — we never guess.

Keys are lower-case; ``chain="*"`` means the fact holds on every EVM chain (burn sinks).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.categories import Category

log = logging.getLogger(__name__)

_ADAPTERS = "DefiLlama/DefiLlama-Adapters"
_BL = "brianleect/etherscan-labels@923aba72 data"
_BRIANLEECT = f"{_BL}/etherscan/combined/combinedAccountLabels.json"
_BRIANLEECT_ARB = f"{_BL}/arbiscan/combined/combinedAccountLabels.json"
_BRIANLEECT_OP = f"{_BL}/optimism/combined/combinedAccountLabels.json"
_DAWSBOT_BURN = "dawsbot/eth-labels@acbebef6 data/Etherscan/burn.json"
_DAWSBOT_AAVE = "dawsbot/eth-labels@acbebef6 data/Etherscan/aave.json"
_UNI_TREASURY = f"{_ADAPTERS}@0e312be4 projects/treasury/uniswap.js"
_AAVE_TREASURY = f"{_ADAPTERS}@10b67423 projects/treasury/aave.js"
_LIDO_TREASURY = f"{_ADAPTERS}@23dafab7 projects/treasury/lido.js"
_ENS_TREASURY = f"{_ADAPTERS}@1f24c7d8 projects/treasury/ens.js"
_CRV_TREASURY = f"{_ADAPTERS}@0748004f projects/treasury/curve.js"
_MKR_TREASURY = f"{_ADAPTERS}@04db0fd4 projects/treasury/maker.js"


@dataclass(frozen=True, slots=True)
class KnownAddress:
    """One built-in fact: ``address`` on ``chain`` is a ``category`` holder of ``protocol``."""

    chain: str
    address: str
    protocol: str
    category: Category
    label: str
    source: str


KNOWN_ADDRESSES: tuple[KnownAddress, ...] = (
    # Burn sinks (every chain).
    KnownAddress("*", "0x0000000000000000000000000000000000000000", "*", Category.BURN,
                 "Null address 0x0", _DAWSBOT_BURN),
    KnownAddress("*", "0x0000000000000000000000000000000000000001", "*", Category.BURN,
                 "Null address 0x…001", _DAWSBOT_BURN),
    KnownAddress("*", "0x000000000000000000000000000000000000dead", "*", Category.BURN,
                 "Burn address 0x…dEaD", _DAWSBOT_BURN),
    KnownAddress("*", "0xdead000000000000000042069420694206942069", "*", Category.BURN,
                 "Burn address 0xdead…2069", _DAWSBOT_BURN),
    # The largest centralised-exchange wallets (hold for their customers).
    KnownAddress("ethereum", "0xf977814e90da44bfa03b6295a0616a897441acec", "*", Category.EXCHANGE,
                 "Binance 8", _BRIANLEECT),
    KnownAddress("ethereum", "0x28c6c06298d514db089934071355e5743bf21d60", "*", Category.EXCHANGE,
                 "Binance 14", _BRIANLEECT),
    KnownAddress("ethereum", "0x21a31ee1afc51d94c2efccaa2092ad1028285549", "*", Category.EXCHANGE,
                 "Binance 15", _BRIANLEECT),
    KnownAddress("ethereum", "0xdfd5293d8e347dfe59e90efd55b2956a1343963d", "*", Category.EXCHANGE,
                 "Binance 16", _BRIANLEECT),
    KnownAddress("ethereum", "0x56eddb7aa87536c09ccc2793473599fd21a8b17f", "*", Category.EXCHANGE,
                 "Binance 17", _BRIANLEECT),
    KnownAddress("ethereum", "0x5a52e96bacdabb82fd05763e25335261b270efcb", "*", Category.EXCHANGE,
                 "Binance 28", _BRIANLEECT),
    KnownAddress("ethereum", "0x47ac0fb4f2d84898e4d9e7b4dab3c24507a6d503", "*", Category.EXCHANGE,
                 "Binance: Binance-Peg tokens", _BRIANLEECT),
    KnownAddress("ethereum", "0xbe0eb53f46cd790cd13851d5eff43d12404d33e8", "*", Category.EXCHANGE,
                 "Binance 7 (cold wallet)", _BRIANLEECT),
    KnownAddress("ethereum", "0x71660c4005ba85c37ccec55d0c4493e66fe775d3", "*", Category.EXCHANGE,
                 "Coinbase 1", _BRIANLEECT),
    KnownAddress("ethereum", "0x503828976d22510aad0201ac7ec88293211d23da", "*", Category.EXCHANGE,
                 "Coinbase 2", _BRIANLEECT),
    KnownAddress("ethereum", "0x3cd751e6b0078be393132286c442345e5dc49699", "*", Category.EXCHANGE,
                 "Coinbase 4", _BRIANLEECT),
    KnownAddress("ethereum", "0xa9d1e08c7793af67e9d92fe308d5697fb81d3e43", "*", Category.EXCHANGE,
                 "Coinbase 10", _BRIANLEECT),
    KnownAddress("ethereum", "0x5f65f7b609678448494de4c87521cdf6cef1e932", "*", Category.EXCHANGE,
                 "Gemini 4", _BRIANLEECT),
    # Uniswap (UNI).
    KnownAddress("ethereum", "0x1a9c8182c09f50c8318d769245bea52c32be35bc", "uniswap",
                 Category.TREASURY, "Uniswap treasury (governance timelock)", _UNI_TREASURY),
    KnownAddress("ethereum", "0x4b4e140d1f131fdad6fb59c13af796fd194e4135", "uniswap",
                 Category.TREASURY, "Uniswap treasury (uniTreasury2)", _UNI_TREASURY),
    KnownAddress("ethereum", "0x3d30b1ab88d487b0f3061f40de76845bec3f1e94", "uniswap",
                 Category.TREASURY, "Uniswap treasury (uniTreasury3)", _UNI_TREASURY),
    KnownAddress("ethereum", "0x1d42064fc4beb5f8aaf85f4617ae8b3b5b8bd801", "uniswap",
                 Category.UNDISTRIBUTED, "Uniswap: UNI token distributor",
                 "CryptoZach/Tokenomics-as-Systems-Engineering…@7c2503de "
                 "depin-thesis/scripts/task_1_corrected_governance.py"),
    # Aave (AAVE).
    KnownAddress("ethereum", "0x4da27a545c0c5b758a6ba100e3a049001de870f5", "aave",
                 Category.STAKING, "Aave: Staked Aave (stkAAVE)", _BRIANLEECT),
    KnownAddress("ethereum", "0xa700b4eb416be35b2911fd5dee80678ff64ff6c9", "aave",
                 Category.LENDING, "aEthAAVE (Aave v3 aToken)", _AAVE_TREASURY),
    KnownAddress("ethereum", "0xffc97d72e13e01096502cb8eb52dee56f74dad7b", "aave",
                 Category.LENDING, "Aave: aAAVE token V2", _DAWSBOT_AAVE),
    KnownAddress("ethereum", "0x25f2226b597e8f9514b3f68f00f494cf4f286491", "aave",
                 Category.TREASURY, "Aave Ecosystem Reserve", _AAVE_TREASURY),
    KnownAddress("ethereum", "0x464c71f6c2f760dda6093dcb91c24c39e5d6e18c", "aave",
                 Category.TREASURY, "Aave V2 Collector", _AAVE_TREASURY),
    KnownAddress("ethereum", "0xe3d9988f676457123c5fd01297605efdd0cba1ae", "aave",
                 Category.TREASURY, "Aave V1 Treasury", _AAVE_TREASURY),
    KnownAddress("ethereum", "0x89c51828427f70d77875c6747759fb17ba10ceb0", "aave",
                 Category.TREASURY, "Aave Grants DAO", _AAVE_TREASURY),
    KnownAddress("ethereum", "0xd784927ff2f95ba542bfc824c8a8a98f3495f6b5", "aave",
                 Category.UNDISTRIBUTED, "Aave V2 Incentives Controller", _AAVE_TREASURY),
    KnownAddress("ethereum", "0x317625234562b1526ea2fac4030ea499c5291de4", "aave",
                 Category.UNDISTRIBUTED, "Aave: LEND to AAVE migrator (unclaimed AAVE)",
                 _DAWSBOT_AAVE),
    KnownAddress("arbitrum", "0x053d55f9b5af8694c503eb288a1b7e552f590710", "aave",
                 Category.TREASURY, "Aave: Treasury V3 (Arbitrum)", _BRIANLEECT_ARB),
    # Compound (COMP).
    KnownAddress("ethereum", "0x6d903f6003cca6255d85cca4d3b5e5146dc33925", "compound",
                 Category.TREASURY, "Compound: Timelock", _BRIANLEECT),
    KnownAddress("ethereum", "0x3d9819210a31b4961b30ef54be2aed79b9c9cd3b", "compound",
                 Category.UNDISTRIBUTED, "Compound: Comptroller (undistributed COMP rewards)",
                 _BRIANLEECT),
    # Maker (MKR).
    KnownAddress("ethereum", "0xbe8e3e3618f7474f8cb1d074a26affef007e98fb", "maker",
                 Category.TREASURY, "Maker: MCD Pause Proxy (treasury)", _MKR_TREASURY),
    KnownAddress("ethereum", "0x0a3f6849f78076aefadf113f5bed87720274ddc0", "maker",
                 Category.STAKING, "Maker: Governance contract (DSChief, MKR locked to vote)",
                 _BRIANLEECT),
    # Curve (CRV).
    KnownAddress("ethereum", "0x5f3b5dfeb7b28cdbd7faba78963ee202a494e2a2", "curve",
                 Category.STAKING, "Curve.fi: Voting Escrow (veCRV)", _BRIANLEECT),
    KnownAddress("ethereum", "0x575ccd8e2d300e2377b43478339e364000318e2c", "curve",
                 Category.VESTING, "Curve.fi: Vesting Escrow", _BRIANLEECT),
    KnownAddress("ethereum", "0x6508ef65b0bd57eabd0f1d52685a70433b2d290b", "curve",
                 Category.TREASURY, "Curve treasury", _CRV_TREASURY),
    KnownAddress("ethereum", "0xe3997288987e6297ad550a69b31439504f513267", "curve",
                 Category.TREASURY, "Curve community fund", _CRV_TREASURY),
    # Lido (LDO).
    KnownAddress("ethereum", "0x3e40d73eb977dc6a537af587d48316fee66e9c8c", "lido",
                 Category.TREASURY, "Lido treasury (Aragon agent)", _LIDO_TREASURY),
    # ENS.
    KnownAddress("ethereum", "0xfe89cc7abb2c4183683ab71653c4cdc9b02d44b7", "ens",
                 Category.TREASURY, "ENS DAO wallet (treasury)", _ENS_TREASURY),
    KnownAddress("ethereum", "0xd7a029db2585553978190db5e85ec724aa4df23f", "ens",
                 Category.VESTING, "ENS token timelock (vesting)", _ENS_TREASURY),
    # Optimism (OP): the bridges that hold tokens for users on the other side.
    KnownAddress("ethereum", "0x99c9fc46f92e8a1c0dec1b1747d010903e884be1", "optimism",
                 Category.BRIDGE, "Optimism: L1 standard bridge (gateway)", _BRIANLEECT),
    KnownAddress("optimism", "0x4200000000000000000000000000000000000010", "optimism",
                 Category.BRIDGE, "Optimism: L2 standard bridge", _BRIANLEECT_OP),
    # Arbitrum (ARB): the L1 gateways that escrow bridged tokens.
    KnownAddress("ethereum", "0xa3a7b6f88361f48403514059f1f16c8e78d60eec", "arbitrum",
                 Category.BRIDGE, "Arbitrum One: L1 ERC20 gateway", _BRIANLEECT),
    KnownAddress("ethereum", "0xcee284f754e854890e311e3280b767f80797180d", "arbitrum",
                 Category.BRIDGE, "Arbitrum One: L1 custom gateway", _BRIANLEECT),
    KnownAddress("ethereum", "0x8315177ab297ba92a06054ce80a67ed4dbd7ed3a", "arbitrum",
                 Category.BRIDGE, "Arbitrum: bridge", _BRIANLEECT),
)


def known_address(address: str, chain: str = "ethereum") -> KnownAddress | None:
    """The built-in fact for ``address`` on ``chain`` (case-insensitive), if any."""
    key = address.lower()
    return _BY_CHAIN.get((chain.lower(), key)) or _BY_CHAIN.get(("*", key))


_BY_CHAIN: dict[tuple[str, str], KnownAddress] = {
    (k.chain, k.address): k for k in KNOWN_ADDRESSES
}
