namespace FastPath.Wire.Tcp;

/// <summary>TCP option kinds (IANA "TCP Option Kind Numbers") that FastPath interprets.</summary>
public enum TcpOptionKind : byte
{
    /// <summary>RFC 9293: ends the option list; the rest of the options area is padding.</summary>
    EndOfOptionList = 0,
    /// <summary>RFC 9293: one byte of padding, used to align the next option.</summary>
    NoOperation = 1,
    /// <summary>RFC 9293 section 3.7.1: length 4, the largest segment the sender of the SYN can receive.</summary>
    MaxSegmentSize = 2,
    /// <summary>RFC 7323 section 2: length 3, a shift count for the window field.</summary>
    WindowScale = 3,
    /// <summary>RFC 2018: length 2, only on SYN.</summary>
    SackPermitted = 4,
    /// <summary>RFC 2018: length 2 + 8n, n left/right edge pairs of received blocks.</summary>
    Sack = 5,
    /// <summary>RFC 7323 section 3: length 10, TSval and TSecr.</summary>
    Timestamps = 8,
}
