using System.CommandLine;
using System.Globalization;
using System.Numerics;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;
using Intelligence.Cli.Cli;
using Intelligence.Cli.Formatting;

namespace Intelligence.Cli.Commands;

/// <summary>Arguments and steps several operator commands share.</summary>
internal static class OperatorHelpers
{
    public static Argument<int> NetuidArgument() => new("netuid") { Description = "Subnet id (intelligence subnet list)" };

    public static ushort Netuid(ParseResult parse, Argument<int> arg)
    {
        var v = parse.GetValue(arg);
        return v is >= 0 and <= ushort.MaxValue ? (ushort)v : throw new UserErrorException($"netuid must be in 0..65535, got {v}");
    }

    public static BigInteger Amount(string text, string what) =>
        Units.TryParseTokens(text, out var v) && v > 0 ? v : throw new UserErrorException($"{what} '{text}' is not a positive INTL amount (e.g. 10 or 0.5)");

    /// <summary>Checks the coldkey holds <paramref name="needed"/> INTL (before anything is sent).</summary>
    public static async Task RequireBalanceAsync(CommandContext ctx, Address coldkey, BigInteger needed, string what, CancellationToken ct)
    {
        var balance = await ctx.Token().BalanceOfAsync(coldkey, ct).ConfigureAwait(false);
        if (balance < needed)
        {
            throw new UserErrorException($"insufficient balance for {what}: {coldkey} holds {Units.Intl(balance)}, needs {Units.Intl(needed)} (nothing was sent)");
        }
    }

    /// <summary>Approves the network to pull <paramref name="amount"/> from the sender when the allowance is short.</summary>
    public static async Task ApproveAsync(CommandContext ctx, TransactionSender sender, BigInteger amount, CancellationToken ct)
    {
        if (amount <= 0)
        {
            return;
        }
        var allowance = await ctx.Token().AllowanceAsync(sender.Address, ctx.Addresses.Network, ct).ConfigureAwait(false);
        if (allowance >= amount)
        {
            return;
        }
        await ctx.SendAsync(sender, ctx.Addresses.Token, new IntelligenceTokenContract.ApproveFunction { Spender = ctx.Addresses.Network.ToLowerHex(), Value = amount },
            $"approve the network contract to use {Units.Intl(amount)}", null, IntelligenceTokenContract.Errors, ct).ConfigureAwait(false);
    }

    public static string Block(ulong b) => b.ToString(CultureInfo.InvariantCulture);
}
