using System.Diagnostics;
using FastPath.Apps.Generator;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;

namespace FastPath.Apps.Sink;

/// <summary>What one sink worker received.</summary>
/// <param name="Packets">Frames received.</param>
/// <param name="Bytes">Their bytes, without FCS.</param>
/// <param name="Active">From the first frame to the last: the window the rate is measured over.</param>
/// <param name="Elapsed">From the start of the run to its end.</param>
/// <param name="Port">The port's own counters at the end (kernel drops among them).</param>
public readonly record struct SinkResult(long Packets, long Bytes, TimeSpan Active, TimeSpan Elapsed, PortStats Port)
{
    /// <summary>Per-stream counts from the frames' signatures (null when not looked for).</summary>
    internal SignatureStatistics? Signatures { get; init; }
}

/// <summary>
/// Receives and counts, freeing every frame at once: the far end of a generator. With signatures on, each
/// frame's last payload bytes are checked for a <see cref="FrameSignature"/>, and signed frames are counted
/// per stream (loss, reordering, duplicates, one-way latency on the host's monotonic clock).
/// </summary>
public static class PacketSink
{
    public const int BurstSize = 64;

    /// <summary>Empty polls before the loop starts yielding its core (a 2-core machine shares it with the sender).</summary>
    private const int SpinsBeforeYield = 1024;

    /// <summary>Runs until <paramref name="count"/> frames arrived (0: no limit), <paramref name="duration"/> passes or <paramref name="stop"/> is cancelled.</summary>
    public static SinkResult Run(IPacketPort port, long count, TimeSpan? duration, CancellationToken stop)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Run(port, new SinkSettings { Quota = count == 0 ? null : new SinkQuota(count), Duration = duration }, stop);
    }

    /// <summary>As above, with a count shared among workers (null: no limit).</summary>
    public static SinkResult Run(IPacketPort port, SinkQuota? quota, TimeSpan? duration, CancellationToken stop) =>
        Run(port, new SinkSettings { Quota = quota, Duration = duration }, stop);

    public static SinkResult Run(IPacketPort port, SinkSettings settings, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(settings);
        FramePool pool = port.Pool;
        FrameRegion region = pool.Region;
        SinkQuota? quota = settings.Quota;
        LiveCounters? counters = settings.Counters;
        SignatureStatistics? signatures = settings.Signatures ? new SignatureStatistics() : null;
        var burst = new Packet[BurstSize];
        long packets = 0, bytes = 0, first = 0, last = 0;
        int idle = 0;
        long start = Stopwatch.GetTimestamp();
        long deadline = settings.Duration is { } limit ? start + (long)(limit.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        while (!stop.IsCancellationRequested)
        {
            int want = quota is null ? BurstSize : quota.Claim(BurstSize);
            if (want == 0) break;
            int n = port.Receive(burst.AsSpan(0, want));
            quota?.Release(want - n);
            long now = Stopwatch.GetTimestamp();
            if (n > 0)
            {
                Span<Packet> received = burst.AsSpan(0, n);
                if (signatures is null)
                {
                    for (int i = 0; i < received.Length; i++) bytes += received[i].Length;
                }
                else
                {
                    long nowNanoseconds = FrameSignature.NowNanoseconds();
                    for (int i = 0; i < received.Length; i++)
                    {
                        Span<byte> frame = region.GetSpan(received[i]);
                        bytes += frame.Length;
                        if (FrameSignature.TryRead(frame, out SignatureRecord signature)) signatures.Record(signature, nowNanoseconds);
                    }
                }
                pool.Free(received);
                if (packets == 0) first = now;
                packets += n;
                last = now;
                idle = 0;
                counters?.PublishReceive(packets, bytes, signatures?.Lost ?? 0);
            }
            else if (++idle > SpinsBeforeYield && settings.YieldWhenIdle)
            {
                Thread.Yield();
            }
            if (now >= deadline) break;
        }
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        return new SinkResult(packets, bytes, Stopwatch.GetElapsedTime(first, last), elapsed, port.Stats) { Signatures = signatures };
    }
}
