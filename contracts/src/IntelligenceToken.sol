// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";

/// @title IntelligenceToken
/// @notice The network's ERC-20 (18 decimals). A hard cap of 21,000,000 tokens; only the network
///         contract (the minter, fixed at construction) can mint, and it mints only what its
///         emission schedule has accrued. Anyone may burn their own tokens (registration burns).
contract IntelligenceToken is ERC20, ERC20Burnable {
    /// @notice Hard cap on total issuance, in base units.
    uint256 public constant CAP = 21_000_000 ether;

    /// @notice The only address allowed to mint: the Network contract.
    address public immutable minter;

    /// @notice Tokens minted so far (burns do not give room back under the cap).
    uint256 public totalMinted;

    /// @notice A caller other than the minter tried to mint.
    error NotMinter(address caller);
    /// @notice A mint would take total issuance past the cap.
    error CapExceeded(uint256 requested, uint256 remaining);

    /// @param minter_ The network contract that owns emission.
    constructor(address minter_) ERC20("Intelligence", "INTL") {
        minter = minter_;
    }

    /// @notice Mints `amount` to `to`; only the minter, and never past the cap.
    function mint(address to, uint256 amount) external {
        if (msg.sender != minter) revert NotMinter(msg.sender);
        uint256 minted = totalMinted;
        if (amount > CAP - minted) revert CapExceeded(amount, CAP - minted);
        totalMinted = minted + amount;
        _mint(to, amount);
    }
}
