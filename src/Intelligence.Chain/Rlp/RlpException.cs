namespace Intelligence.Chain.Rlp;

/// <summary>Bytes that are not a valid (canonical) RLP transaction encoding.</summary>
public sealed class RlpException(string message) : ChainException(message);
