using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Tests;

public sealed class WireTests
{
    [Fact]
    public void BinaryMetadata_PaddedAndUnpadded()
    {
        byte[] value = [1, 2, 3, 4];
        var unpadded = GrpcMetadata.EncodeBinary(value);
        Assert.DoesNotContain('=', unpadded);
        Assert.True(GrpcMetadata.TryDecodeBinary(unpadded, out var a));
        Assert.True(GrpcMetadata.TryDecodeBinary(Convert.ToBase64String(value), out var b));
        Assert.Equal(value, a);
        Assert.Equal(value, b);
        Assert.False(GrpcMetadata.TryDecodeBinary("!!", out _));
    }
}

