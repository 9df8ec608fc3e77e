using System.Runtime.InteropServices;

namespace FastPath.Apps.Ping;

/// <summary>What kind of answer a <see cref="PingEvent"/> reports.</summary>
public enum PingEventKind : byte
{
    Reply,
    Duplicate,
    Error,
}

/// <summary>
/// One answer, handed from the worker to the thread that prints (an unmanaged value on a single-producer
/// ring, so the worker neither allocates nor waits on the console).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct PingEvent(
    PingEventKind Kind,
    ushort Sequence,
    byte Ttl,
    byte IcmpType,
    byte IcmpCode,
    uint Source,
    int Bytes,
    long RoundTripNanoseconds);
