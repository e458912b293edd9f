// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// The Compound GovernorBravo interface, from OpenZeppelin Contracts 4.9 (npm alias
// @openzeppelin/contracts-v4): ERC20VotesComp is "compatible with Compound's COMP token"
// (getCurrentVotes and getPriorVotes returning uint96, delegates, DelegateVotesChanged) and
// GovernorCompatibilityBravo adds GovernorBravo's quorumVotes() to an OZ Governor. Quorum
// and proposal threshold are fixed numbers, as in Compound's GovernorBravoDelegate.

import {ERC20} from "@openzeppelin/contracts-v4/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts-v4/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20VotesComp} from "@openzeppelin/contracts-v4/token/ERC20/extensions/ERC20VotesComp.sol";
import {IGovernor, Governor} from "@openzeppelin/contracts-v4/governance/Governor.sol";
import {GovernorCompatibilityBravo} from "@openzeppelin/contracts-v4/governance/compatibility/GovernorCompatibilityBravo.sol";
import {GovernorVotesComp} from "@openzeppelin/contracts-v4/governance/extensions/GovernorVotesComp.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts-v4/governance/extensions/GovernorTimelockControl.sol";
import {TimelockController} from "@openzeppelin/contracts-v4/governance/TimelockController.sol";
import {IERC165} from "@openzeppelin/contracts-v4/utils/introspection/IERC165.sol";

contract CompStyleToken is ERC20VotesComp {
    address private immutable _minter;

    constructor() ERC20("Lorenz Comp", "LCP") ERC20Permit("Lorenz Comp") {
        _minter = msg.sender;
    }

    function mint(address to, uint256 amount) external {
        require(msg.sender == _minter, "only the minter");
        _mint(to, amount);
    }
}

contract BravoStyleGovernor is
    Governor,
    GovernorCompatibilityBravo,
    GovernorVotesComp,
    GovernorTimelockControl
{
    uint256 private immutable _quorumVotes;
    uint256 private immutable _threshold;

    constructor(ERC20VotesComp token, TimelockController timelock, uint256 quorumVotes_,
                uint256 threshold_)
        Governor("Lorenz Bravo")
        GovernorVotesComp(token)
        GovernorTimelockControl(timelock)
    {
        _quorumVotes = quorumVotes_;
        _threshold = threshold_;
    }

    function votingDelay() public pure override returns (uint256) {
        return 1;
    }

    function votingPeriod() public pure override returns (uint256) {
        return 50400;
    }

    function quorum(uint256) public view override returns (uint256) {
        return _quorumVotes;
    }

    function proposalThreshold() public view override returns (uint256) {
        return _threshold;
    }

    // the overrides Solidity asks for when these extensions meet (as OZ's Wizard writes them)
    function state(uint256 proposalId)
        public view override(Governor, IGovernor, GovernorTimelockControl)
        returns (ProposalState)
    {
        return super.state(proposalId);
    }

    function propose(address[] memory targets, uint256[] memory values,
                     bytes[] memory calldatas, string memory description)
        public override(Governor, GovernorCompatibilityBravo, IGovernor)
        returns (uint256)
    {
        return super.propose(targets, values, calldatas, description);
    }

    function cancel(address[] memory targets, uint256[] memory values,
                    bytes[] memory calldatas, bytes32 descriptionHash)
        public override(Governor, GovernorCompatibilityBravo, IGovernor)
        returns (uint256)
    {
        return super.cancel(targets, values, calldatas, descriptionHash);
    }

    function _execute(uint256 proposalId, address[] memory targets, uint256[] memory values,
                      bytes[] memory calldatas, bytes32 descriptionHash)
        internal override(Governor, GovernorTimelockControl)
    {
        super._execute(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(address[] memory targets, uint256[] memory values,
                     bytes[] memory calldatas, bytes32 descriptionHash)
        internal override(Governor, GovernorTimelockControl)
        returns (uint256)
    {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl)
        returns (address)
    {
        return super._executor();
    }

    function supportsInterface(bytes4 interfaceId)
        public view override(Governor, IERC165, GovernorTimelockControl)
        returns (bool)
    {
        return super.supportsInterface(interfaceId);
    }
}

/// The timelock GovernorCompatibilityBravo requires (proposals queue there, as in Compound).
contract BravoStyleTimelock is TimelockController {
    constructor(address admin)
        TimelockController(2 days, new address[](0), new address[](0), admin)
    {}
}
