namespace Intelligence.Consensus.Tests;

public class FixedPointTests
{
    [Fact]
    public void MulQ_FloorsAndHandlesOneTimesOne()
    {
        Assert.Equal(FixedPoint.One, FixedPoint.MulQ(FixedPoint.One, FixedPoint.One));
        Assert.Equal(1UL << 30, FixedPoint.MulQ(1UL << 31, 1UL << 31));
        // 3 * 3 / 2^32 floors to 0.
        Assert.Equal(0UL, FixedPoint.MulQ(3, 3));
        // (2^32 - 1)^2 / 2^32 = 2^32 - 2 + 1/2^32 -> 2^32 - 2.
        Assert.Equal(FixedPoint.One - 2, FixedPoint.MulQ(FixedPoint.One - 1, FixedPoint.One - 1));
    }

    [Fact]
    public void DivQ_FloorsAndReturnsOneWhenAllOfTheSum()
    {
        Assert.Equal(FixedPoint.One, FixedPoint.DivQ(FixedPoint.One, FixedPoint.One));
        Assert.Equal(FixedPoint.One, FixedPoint.DivQ(7, 7));
        // 1/3 of 2^32 = 1431655765.33 -> 1431655765.
        Assert.Equal(1431655765UL, FixedPoint.DivQ(1, 3));
    }

    [Fact]
    public void NormalizeInPlace_ZeroSumStaysZero_OtherwiseFloors()
    {
        var zeros = new ulong[] { 0, 0 };
        FixedPoint.NormalizeInPlace(zeros);
        Assert.Equal([0UL, 0UL], zeros);
        var thirds = new ulong[] { 1, 1, 1 };
        FixedPoint.NormalizeInPlace(thirds);
        Assert.Equal([1431655765UL, 1431655765UL, 1431655765UL], thirds);
    }

    [Fact]
    public void AmountToQ_UsesFullPrecisionOfLargeStakes()
    {
        UInt128 total = UInt128.One << 95;
        Assert.Equal(1UL << 31, FixedPoint.AmountToQ(total / 2, total));
        Assert.Equal(0UL, FixedPoint.AmountToQ(5, UInt128.Zero));
        // 600 / 1000 of 2^32 = 2576980377.6 -> 2576980377.
        Assert.Equal(2576980377UL, FixedPoint.AmountToQ(600, 1000));
    }

    [Theory]
    [InlineData(0UL, "0")]
    [InlineData(4294967296UL, "1")]
    [InlineData(2147483648UL, "0.5")]
    [InlineData(1UL, "0.00000000023283064365386962890625")]
    [InlineData(4294967295UL, "0.99999999976716935634613037109375")]
    public void ToDecimalString_IsExact(ulong q, string expected) => Assert.Equal(expected, FixedPoint.ToDecimalString(q));

    [Fact]
    public void ToDecimalString_RejectsMoreThanOne() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FixedPoint.ToDecimalString(FixedPoint.One + 1));
}
