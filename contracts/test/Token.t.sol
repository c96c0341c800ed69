// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./utils/Vm.sol";
import {IntelligenceToken} from "../src/IntelligenceToken.sol";

contract TokenTest is TestBase {
    IntelligenceToken internal token;
    address internal alice = address(0xA11CE);

    function setUp() public {
        token = new IntelligenceToken(address(this));
    }

    function test_metadata() public view {
        assertEq(token.decimals(), 18, "decimals");
        assertEq(token.CAP(), 21_000_000 ether, "cap");
        assertEq(token.minter(), address(this), "minter");
        assertTrue(keccak256(bytes(token.symbol())) == keccak256("INTL"), "symbol");
    }

    function test_mint_byMinter_increasesSupply() public {
        token.mint(alice, 5 ether);
        assertEq(token.balanceOf(alice), 5 ether, "balance");
        assertEq(token.totalMinted(), 5 ether, "minted");
    }

    function test_mint_byOther_reverts() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IntelligenceToken.NotMinter.selector, alice));
        token.mint(alice, 1);
    }

    function test_mint_pastCap_reverts() public {
        token.mint(alice, 21_000_000 ether - 1);
        vm.expectRevert(abi.encodeWithSelector(IntelligenceToken.CapExceeded.selector, 2, 1));
        token.mint(alice, 2);
        token.mint(alice, 1);
        assertEq(token.totalSupply(), 21_000_000 ether, "supply at cap");
    }

    function test_burn_doesNotFreeRoomUnderCap() public {
        token.mint(alice, 21_000_000 ether);
        vm.prank(alice);
        token.burn(1 ether);
        assertEq(token.totalSupply(), 21_000_000 ether - 1 ether, "supply");
        vm.expectRevert(abi.encodeWithSelector(IntelligenceToken.CapExceeded.selector, 1, 0));
        token.mint(alice, 1);
    }

    function testFuzz_mint_neverExceedsCap(uint256 a, uint256 b) public {
        a = a % (22_000_000 ether);
        b = b % (22_000_000 ether);
        if (a <= 21_000_000 ether) token.mint(alice, a);
        else return;
        if (b > 21_000_000 ether - a) {
            vm.expectRevert();
            token.mint(alice, b);
        } else {
            token.mint(alice, b);
        }
        assertLe(token.totalSupply(), token.CAP(), "supply <= cap");
    }
}
