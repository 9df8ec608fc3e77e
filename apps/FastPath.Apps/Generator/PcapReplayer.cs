using System.Diagnostics;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;

namespace FastPath.Apps.Generator;

/// <summary>
/// Sends the frames of a capture byte for byte, at the capture's own timing, at a rate, or as fast as the
/// port takes them, once or in loops. Each frame is copied from the loaded capture into a pool frame (no
/// template: replayed frames are whatever was captured, checksums included).
/// </summary>
public static class PcapReplayer
{
    private const int BurstSize = GeneratorLoop.BurstSize;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    public static GeneratorResult Run(IPacketPort port, CapturedFrames capture, ReplaySettings settings, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(settings);
        FramePool pool = port.Pool;
        FrameRegion region = pool.Region;
        if (capture.LargestFrame > region.FrameSize - pool.Headroom)
            throw new ArgumentException($"a frame of {capture.LargestFrame} bytes does not fit the port's buffers", nameof(capture));

        var burst = new Packet[BurstSize];
        int idleInUse = pool.InUse;
        double frequency = Stopwatch.Frequency;
        double ticksPerNanosecond = frequency / 1e9;
        bool paced = !settings.RecordedTiming && !settings.Rate.IsMax;
        double ticksPerFrame = settings.Rate.Unit == RateUnit.PacketsPerSecond ? frequency / settings.Rate.Value : 0;
        double ticksPerWireBit = settings.Rate.Unit == RateUnit.BitsPerSecond ? frequency / settings.Rate.Value : 0;
        long pass = capture.PassNanoseconds;

        long start = Stopwatch.GetTimestamp();
        long deadline = settings.Duration is { } limit ? start + (long)(limit.TotalSeconds * frequency) : long.MaxValue;
        long giveUp = deadline == long.MaxValue ? long.MaxValue : deadline + (long)frequency;
        double nextDue = start;
        int index = 0;
        long loop = 0;
        long built = 0, sent = 0, bytes = 0;
        int pendingStart = 0, pendingEnd = 0;
        while (!stop.IsCancellationRequested)
        {
            if (pendingStart == pendingEnd)
            {
                bool passesDone = settings.Loops != 0 && loop >= settings.Loops;
                if (passesDone || (settings.Count != 0 && built == settings.Count)) break;
                long now = Stopwatch.GetTimestamp();
                // Paced frames that fell due before the end still go out; an unpaced replay stops at once.
                bool ending = now >= deadline;
                if (ending && !paced && !settings.RecordedTiming) break;
                if (ending) now = deadline - 1;
                int want = settings.Count == 0 ? BurstSize : (int)Math.Min(BurstSize, settings.Count - built);
                if (paced || settings.RecordedTiming) want = Math.Min(want, GeneratorLoop.PacedBurst);
                int n = 0;
                while (n < want && (settings.Loops == 0 || loop < settings.Loops))
                {
                    if (settings.RecordedTiming && start + (loop * pass + capture.OffsetNanoseconds(index)) * ticksPerNanosecond > now) break;
                    if (paced && nextDue > now) break;
                    if (!pool.TryAllocate(out Packet packet)) break;
                    ReadOnlySpan<byte> frame = capture.Frame(index);
                    frame.CopyTo(region.GetWritableSpan(packet));
                    packet.Length = (ushort)frame.Length;
                    burst[n++] = packet;
                    if (paced) nextDue += ticksPerFrame != 0 ? ticksPerFrame : TransmitRate.WireBits(frame.Length) * ticksPerWireBit;
                    if (++index == capture.Count)
                    {
                        index = 0;
                        loop++;
                    }
                }
                built += n;
                pendingStart = 0;
                pendingEnd = n;
                if (n == 0)
                {
                    if (ending) break;
                    port.Flush();
                    continue;
                }
            }
            int accepted = port.Transmit(burst.AsSpan(pendingStart, pendingEnd - pendingStart));
            for (int i = pendingStart; i < pendingStart + accepted; i++) bytes += burst[i].Length;
            pendingStart += accepted;
            sent += accepted;
            port.Flush();
            settings.Counters?.PublishTransmit(sent, bytes);
            // A port that takes nothing for a second past the end (link down, ring wedged) ends the run.
            if (accepted == 0 && Stopwatch.GetTimestamp() >= giveUp) break;
        }
        if (pendingEnd > pendingStart) pool.Free(burst.AsSpan(pendingStart, pendingEnd - pendingStart));
        long drainEnd = Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * frequency);
        while (pool.InUse > idleInUse && Stopwatch.GetTimestamp() < drainEnd)
        {
            port.Flush();
            Thread.SpinWait(64);
        }
        settings.Counters?.PublishTransmit(sent, bytes);
        return new GeneratorResult(sent, bytes, Stopwatch.GetElapsedTime(start), port.Stats);
    }
}
