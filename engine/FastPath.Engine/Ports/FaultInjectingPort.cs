using FastPath.Engine.Memory;

namespace FastPath.Engine.Ports;

/// <summary>
/// Wraps a port and damages its traffic on purpose, reproducibly: seeded loss, duplication, reordering,
/// single-bit corruption and delay (what netem would do, which this kernel does not have).
/// <para>
/// Faults apply to transmitted frames by default, and to received frames too when
/// <see cref="FaultOptions.Directions"/> includes <see cref="PortDirections.Receive"/>; each direction has its
/// own random sequence (from the same seed), so the faults one direction sees do not depend on how calls to
/// the two interleave. Held frames (delayed, reordered, or refused by the inner port) go on, in order, at
/// the next Transmit, Receive or Flush once they are due. Same thread rules as the inner port.
/// </para>
/// </summary>
public sealed class FaultInjectingPort : IPacketPort
{
    private const int BurstSize = 64;
    // Any odd 64-bit constant gives the receive direction a sequence unrelated to the transmit one.
    private const ulong ReceiveSeedSalt = 0x6A09E667F3BCC909;

    private readonly IPacketPort _inner;
    private readonly TimeProvider _clock;
    private readonly FaultStage? _tx;
    private readonly FaultStage? _rx;
    private readonly Packet[] _burst = new Packet[BurstSize];
    private readonly bool _leaveInnerOpen;
    private long _txQueueFull;
    private bool _disposed;

    /// <param name="inner">The port whose traffic is damaged; disposed with this one unless <paramref name="leaveInnerOpen"/>.</param>
    /// <param name="options">Which faults, how often, and the seed.</param>
    /// <param name="leaveInnerOpen">True to keep <paramref name="inner"/> open on <see cref="Dispose"/>.</param>
    public FaultInjectingPort(IPacketPort inner, FaultOptions options, bool leaveInnerOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _inner = inner;
        _clock = options.TimeProvider;
        _leaveInnerOpen = leaveInnerOpen;
        Options = options;
        // A direction without faults is a plain pass-through: no queue, no extra copy of the burst.
        if (options.AnyFault && options.Directions.HasFlag(PortDirections.Transmit))
            _tx = new FaultStage(options, (ulong)options.Seed, inner.Pool);
        if (options.AnyFault && options.Directions.HasFlag(PortDirections.Receive))
            _rx = new FaultStage(options, (ulong)options.Seed ^ ReceiveSeedSalt, inner.Pool);
    }

    public FaultOptions Options { get; }
    public IPacketPort Inner => _inner;
    public PortInfo Info => _inner.Info;

    /// <summary>The inner port's pool: duplicates come from it, and lost frames go back to it.</summary>
    public FramePool Pool => _inner.Pool;

    /// <summary>What the faults did to transmitted frames.</summary>
    public FaultCounters TransmitFaults => _tx?.Counters ?? default;

    /// <summary>What the faults did to received frames.</summary>
    public FaultCounters ReceiveFaults => _rx?.Counters ?? default;

    /// <summary>Frames waiting inside this port (delayed, held for reordering, or refused by the inner port).</summary>
    public int Pending => (_tx?.Pending ?? 0) + (_rx?.Pending ?? 0);

    /// <summary>The inner port's link: the faults are on the frames, not on the link.</summary>
    public PortLink Link => _inner.Link;

    public PortLink CheckLink() => _inner.CheckLink();

    /// <summary>The inner port's counters, with lost frames added to TxDropped and RxDropped.</summary>
    public PortStats Stats
    {
        get
        {
            PortStats stats = _inner.Stats;
            stats.TxDropped += TransmitFaults.Lost;
            stats.RxDropped += ReceiveFaults.Lost;
            stats.TxRingFull += _txQueueFull;
            return stats;
        }
    }

    public int Transmit(ReadOnlySpan<Packet> packets)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_tx is null) return _inner.Transmit(packets);

        long now = _clock.GetTimestamp();
        SendDue(_tx, now);
        int accepted = 0;
        while (accepted < packets.Length && _tx.CanAccept) _tx.Accept(packets[accepted++], now);
        if (accepted < packets.Length) _txQueueFull++;
        SendDue(_tx, now);
        return accepted;
    }

    public int Receive(Span<Packet> packets)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long now = _tx is null && _rx is null ? 0 : _clock.GetTimestamp();
        if (_tx is not null) SendDue(_tx, now);
        if (_rx is null) return _inner.Receive(packets);

        int delivered = Deliver(_rx, now, packets);
        if (delivered < packets.Length)
        {
            Span<Packet> burst = _burst.AsSpan(0, Math.Min(_burst.Length, _rx.AcceptCapacity));
            int received = _inner.Receive(burst);
            foreach (Packet packet in burst[..received]) _rx.Accept(packet, now);
            delivered += Deliver(_rx, now, packets[delivered..]);
        }
        return delivered;
    }

    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_tx is not null) SendDue(_tx, _clock.GetTimestamp());
        _inner.Flush();
    }

    /// <summary>Frees every frame still held here to the pool (they are not sent), then disposes the inner port.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _tx?.FreeAll();
        _rx?.FreeAll();
        if (!_leaveInnerOpen) _inner.Dispose();
    }

    private void SendDue(FaultStage stage, long now)
    {
        while (true)
        {
            int due = stage.PeekDue(now, _burst);
            if (due == 0) return;
            int sent = _inner.Transmit(_burst.AsSpan(0, due));
            stage.Pop(sent);
            if (sent < due) return; // the inner port is full: the rest waits, in order, for the next call
        }
    }

    private static int Deliver(FaultStage stage, long now, Span<Packet> packets)
    {
        int due = stage.PeekDue(now, packets);
        stage.Pop(due);
        return due;
    }
}
