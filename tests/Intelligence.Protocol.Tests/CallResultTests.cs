using Grpc.Core;
using Intelligence.Protocol.Client;

namespace Intelligence.Protocol.Tests;

/// <summary>
/// A CallResult over grpc-dotnet's metadata answers GetMetadata without building its dictionaries, and must give what
/// the dictionaries give: trailers before headers, repeated keys joined in order, "-bin" values as base64, any case.
/// </summary>
public sealed class CallResultTests
{
    private static (CallResult Lazy, CallResult Built) Pair(Status status)
    {
        var headers = new Metadata { { "x-both", "from-headers" }, { "x-head", "h1" }, { "x-head", "h2" }, { "x-blob-bin", new byte[] { 1, 2, 250 } } };
        var trailers = new Metadata { { "x-both", "from-trailers" }, { "x-sig", "0xabc" }, { "x-sig", "0xdef" } };
        var lazy = new CallResult(status, TimeSpan.FromMilliseconds(3), [], headers, trailers);
        var built = new CallResult(status, TimeSpan.FromMilliseconds(3), [], headers, trailers);
        _ = built.Headers;
        _ = built.Trailers;
        return (lazy, built);
    }

    [Theory]
    [InlineData("x-both")]
    [InlineData("X-Both")]
    [InlineData("x-head")]
    [InlineData("x-sig")]
    [InlineData("x-blob-bin")]
    [InlineData("grpc-status")]
    [InlineData("grpc-message")]
    [InlineData("x-absent")]
    public void GetMetadata_SameAnswerWithAndWithoutTheDictionaries(string key)
    {
        var (lazy, built) = Pair(new Status(StatusCode.ResourceExhausted, "slow down"));
        Assert.Equal(built.GetMetadata(key), lazy.GetMetadata(key));
    }

    [Fact]
    public void Dictionaries_HoldWhatArrived()
    {
        var (lazy, _) = Pair(new Status(StatusCode.OK, ""));
        Assert.Equal("from-trailers", lazy.GetMetadata("x-both"));
        Assert.Equal("h1,h2", lazy.Headers["x-head"]);
        Assert.Equal("0xabc,0xdef", lazy.Trailers["x-sig"]);
        Assert.Equal(Wire.GrpcMetadata.EncodeBinary([1, 2, 250]), lazy.Headers["X-BLOB-BIN"]);
        Assert.Equal("0", lazy.Trailers["grpc-status"]);
        Assert.False(lazy.Trailers.ContainsKey("grpc-message"));
        Assert.True(lazy.Status.IsOk);
    }

    [Fact]
    public void NoHeaders_EmptyHeadersAndTrailersStillAnswer()
    {
        var result = new CallResult(new Status(StatusCode.Unavailable, "gone"), TimeSpan.Zero, [], null, new Metadata());
        Assert.Empty(result.Headers);
        Assert.Null(result.GetMetadata("x-sig"));
        Assert.Equal("14", result.GetMetadata("grpc-status"));
        Assert.Equal("gone", result.Trailers["grpc-message"]);
    }
}
