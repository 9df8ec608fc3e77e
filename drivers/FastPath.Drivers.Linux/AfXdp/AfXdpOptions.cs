using FastPath.Drivers.Linux.Bpf;

namespace FastPath.Drivers.Linux.AfXdp;

/// <summary>How to open an <see cref="AfXdpPort"/>.</summary>
public sealed record AfXdpOptions
{
    /// <summary>The interface queue to bind (one port per queue).</summary>
    public int Queue { get; init; }

    /// <summary>Frames in the port's UMEM (its <see cref="AfXdpPort.Pool"/>).</summary>
    public int FrameCount { get; init; } = 4096;

    /// <summary>Bytes per frame: 2048 or 4096. A received frame starts 256 bytes in (XDP_PACKET_HEADROOM).</summary>
    public int FrameSize { get; init; } = 2048;

    /// <summary>
    /// Entries in the RX, TX and completion rings, and frames the port keeps in the kernel for receiving; a
    /// power of two. The fill ring gets twice as many entries (see XskSocket).
    /// </summary>
    public int RingSize { get; init; } = 2048;

    /// <summary>
    /// Where the redirect program runs. Every port of a process on one interface shares one program; the
    /// first port's mode decides, and a later port asking for a different explicit mode is refused.
    /// </summary>
    public XdpAttachMode Attach { get; init; } = XdpAttachMode.Auto;

    /// <summary>Zero-copy or copy.</summary>
    public XdpBindMode Bind { get; init; } = XdpBindMode.Auto;

    internal void Validate()
    {
        if (Queue < 0) throw new ArgumentOutOfRangeException(nameof(Queue), Queue, "queue must not be negative");
        if (FrameSize is not (2048 or 4096)) throw new ArgumentOutOfRangeException(nameof(FrameSize), FrameSize, "frame size must be 2048 or 4096");
        if (RingSize < 2 || !int.IsPow2(RingSize)) throw new ArgumentOutOfRangeException(nameof(RingSize), RingSize, "ring size must be a power of two");
        if (FrameCount < RingSize) throw new ArgumentOutOfRangeException(nameof(FrameCount), FrameCount, $"need at least as many frames as ring entries ({RingSize})");
    }
}
