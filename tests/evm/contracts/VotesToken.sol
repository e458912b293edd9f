// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// An OpenZeppelin ERC20Votes token, as ENS/ARB/OP-style DAOs deploy it: checkpoints per
// delegate (getVotes, getPastVotes, getPastTotalSupply), delegates(), DelegateVotesChanged.
// Only the deployer mints (the tests build the holders' history themselves).

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

contract VotesToken is ERC20, ERC20Votes {
    address private immutable _minter;

    constructor() ERC20("Lorenz Votes", "LVT") EIP712("Lorenz Votes", "1") {
        _minter = msg.sender;
    }

    function mint(address to, uint256 amount) external {
        require(msg.sender == _minter, "only the minter");
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value)
        internal
        override(ERC20, ERC20Votes)
    {
        super._update(from, to, value);
    }
}
