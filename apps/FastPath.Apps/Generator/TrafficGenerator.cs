using System.Diagnostics;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;

namespace FastPath.Apps.Generator;

/// <summary>What one generator worker sent.</summary>
/// <param name="Packets">Frames the port took (and, once drained, handed to the kernel).</param>
/// <param name="Bytes">Their bytes, without FCS.</param>
/// <param name="Elapsed">From the first burst to the end of the drain.</param>
/// <param name="Port">The port's own counters at the end.</param>
public readonly record struct GeneratorResult(long Packets, long Bytes, TimeSpan Elapsed, PortStats Port);

/// <summary>
/// Sends one UDP stream as fast as a port takes it. Every frame in the pool is written once before the run,
/// so the loop only hands frame handles to the port: a frame that comes back from the completion ring still
/// holds the same bytes, as in the C reference sender (nothing else writes into this port's pool).
/// </summary>
public static class TrafficGenerator
{
    public const int BurstSize = 64;

    /// <summary>How long the drain waits for the kernel to complete what the port took.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs until <paramref name="count"/> frames are sent (0: no limit), <paramref name="duration"/> passes
    /// (null: no limit) or <paramref name="stop"/> is cancelled; then drains the port so that every frame
    /// counted has left.
    /// </summary>
    public static GeneratorResult Run(IPacketPort port, UdpStream stream, long count, TimeSpan? duration, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (stream.FindProblem(port.Info.Mtu) is { } problem) throw new ArgumentException(problem, nameof(stream));

        FramePool pool = port.Pool;
        StampEveryFreeFrame(pool, stream);
        int idleInUse = pool.InUse;
        ushort length = (ushort)stream.FrameSize;

        var burst = new Packet[BurstSize];
        long sent = 0;
        long start = Stopwatch.GetTimestamp();
        long deadline = duration is { } limit ? start + (long)(limit.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        while (!stop.IsCancellationRequested)
        {
            int want = count == 0 ? BurstSize : (int)Math.Min(BurstSize, count - sent);
            if (want == 0) break;
            Span<Packet> packets = burst.AsSpan(0, pool.AllocateBurst(burst.AsSpan(0, want)));
            for (int i = 0; i < packets.Length; i++) packets[i].Length = length;
            int accepted = port.Transmit(packets);
            if (accepted < packets.Length) pool.Free(packets[accepted..]);
            sent += accepted;
            port.Flush();
            if (Stopwatch.GetTimestamp() >= deadline) break;
        }
        Drain(port, pool, idleInUse);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        return new GeneratorResult(sent, sent * length, elapsed, port.Stats);
    }

    /// <summary>Writes the stream's frame into every frame the pool holds now.</summary>
    private static void StampEveryFreeFrame(FramePool pool, UdpStream stream)
    {
        var all = new Packet[pool.Available];
        int n = pool.AllocateBurst(all);
        foreach (Packet packet in all.AsSpan(0, n))
        {
            Packet sized = packet;
            sized.Length = (ushort)stream.FrameSize;
            stream.Emit(pool.Region.GetWritableSpan(sized));
        }
        pool.Free(all.AsSpan(0, n));
    }

    /// <summary>Kicks the port until the frames it took are back in the pool (sent), or the timeout.</summary>
    private static void Drain(IPacketPort port, FramePool pool, int idleInUse)
    {
        long giveUp = Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (pool.InUse > idleInUse && Stopwatch.GetTimestamp() < giveUp)
        {
            port.Flush();
            Thread.SpinWait(64);
        }
    }
}
