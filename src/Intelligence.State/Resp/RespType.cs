namespace Intelligence.State.Resp;

/// <summary>The kind of a RESP2/RESP3 value, named after its leading type byte.</summary>
public enum RespType : byte
{
    /// <summary>RESP2/3 simple string (<c>+</c>).</summary>
    SimpleString,
    /// <summary>RESP2/3 simple error (<c>-</c>) or RESP3 bulk error (<c>!</c>).</summary>
    Error,
    /// <summary>RESP2/3 integer (<c>:</c>).</summary>
    Integer,
    /// <summary>RESP2/3 bulk string (<c>$</c>).</summary>
    BulkString,
    /// <summary>RESP2/3 array (<c>*</c>).</summary>
    Array,
    /// <summary>Null: RESP3 <c>_</c>, or RESP2 <c>$-1</c> / <c>*-1</c>.</summary>
    Null,
    /// <summary>RESP3 double (<c>,</c>).</summary>
    Double,
    /// <summary>RESP3 boolean (<c>#</c>).</summary>
    Boolean,
    /// <summary>RESP3 big number (<c>(</c>), kept as its decimal text.</summary>
    BigNumber,
    /// <summary>RESP3 verbatim string (<c>=</c>); the value holds the text after the 4-byte format prefix.</summary>
    VerbatimString,
    /// <summary>RESP3 map (<c>%</c>): items alternate key, value.</summary>
    Map,
    /// <summary>RESP3 set (<c>~</c>).</summary>
    Set,
    /// <summary>RESP3 out-of-band push (<c>&gt;</c>), e.g. pub/sub messages.</summary>
    Push,
}
