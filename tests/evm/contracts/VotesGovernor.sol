// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// An OpenZeppelin Governor as the OZ Contracts Wizard builds it: settings (delay, period,
// proposal threshold), simple counting (For + Abstain count towards quorum), votes from an
// ERC20Votes token and quorum as a fraction of its past total supply.

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

contract VotesGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction
{
    constructor(IVotes token, uint256 threshold, uint256 quorumPercent)
        Governor("Lorenz Governor")
        GovernorSettings(1, 50400, threshold)
        GovernorVotes(token)
        GovernorVotesQuorumFraction(quorumPercent)
    {}

    function proposalThreshold()
        public
        view
        override(Governor, GovernorSettings)
        returns (uint256)
    {
        return super.proposalThreshold();
    }
}
