using System.Buffers.Binary;
using FastPath.Engine.Memory;
using FastPath.Engine.Rings;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Engine.Telemetry;
using FastPath.Wire.Icmp;

namespace FastPath.Apps.Ping;

/// <summary>
/// ping on a worker: owns a <see cref="NetworkStack"/> (ARP, IPv4, the echo client), sends echo requests on
/// the schedule of <see cref="PingSettings"/> and matches the replies, all on the worker's thread with no
/// allocation per packet. The request's data starts with its send time, read from the worker's clock just
/// before the frame goes to the port; the reply's time is taken when the stack hands it over, so a
/// busy-polling worker measures the wire and the peer, not a sleep.
/// </summary>
/// <remarks>
/// Duplicates are found as iputils finds them, with one bit per sequence number (cleared when the number
/// is sent again after wrapping). Replies are reported in the order they arrive, with their own sequence
/// number; a reply older than the newest one seen is also counted as reordered.
/// </remarks>
public sealed class Pinger : IWorkerApplication, IDisposable
{
    private readonly PingSettings _settings;
    private readonly NetworkStack _stack;
    private readonly byte[] _data;
    private readonly ulong[] _answered = new ulong[65536 / 64];
    private readonly LatencyHistogram _roundTrips = new();
    private readonly ManualResetEventSlim _finished = new();
    private WorkerContext _context = null!;
    private IClock _clock = null!;
    private long _transmitted;
    private long _received;
    private long _duplicates;
    private long _errors;
    private long _reordered;
    private long _firstSend;
    private long _lastSend;
    private long _lastReply;
    private long _nextSend;
    private long _maxRoundTrip;
    private ushort _newestAnswered;
    private bool _latestAnswered;
    private volatile bool _stopRequested;
    private volatile bool _done;

    public Pinger(PingSettings settings, InterfaceConfig config)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.DataSize is < 0 or > PingSettings.MaximumDataSize)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.DataSize, $"the data size is 0 to {PingSettings.MaximumDataSize}");
        _settings = settings;
        _stack = new NetworkStack(config);
        // iputils fills the data after the timestamp with the byte's own offset: a reply that damaged it is easy to see.
        _data = new byte[settings.DataSize];
        for (int i = 0; i < _data.Length; i++) _data[i] = (byte)i;
        _stack.EchoReplyHandler = OnAnswer;
        Events = new SpscRing<PingEvent>(4096);
    }

    /// <summary>Answers to print, in arrival order (only with <see cref="PingSettings.ReportEachReply"/>); one consumer thread.</summary>
    public SpscRing<PingEvent> Events { get; }

    /// <summary>Answers that did not fit <see cref="Events"/> (the printer fell behind); counted, never waited for.</summary>
    public long EventsDropped { get; private set; }

    /// <summary>Set once the run is over: the count was sent and answered, or the wait for the last replies ran out.</summary>
    public WaitHandle Finished => _finished.WaitHandle;

    public bool IsFinished => _done;

    public NetworkStack Stack => _stack;

    /// <summary>Asks the worker to end the run at its next loop (Ctrl-C, a deadline); the statistics stay as they are.</summary>
    public void RequestStop() => _stopRequested = true;

    /// <summary>The totals; read them after the worker has stopped (or accept values a moment old).</summary>
    public PingStatistics Statistics => new()
    {
        Transmitted = Volatile.Read(ref _transmitted),
        Received = Volatile.Read(ref _received),
        Duplicates = Volatile.Read(ref _duplicates),
        Errors = Volatile.Read(ref _errors),
        Reordered = Volatile.Read(ref _reordered),
        FirstSendNanoseconds = _firstSend,
        LastSendNanoseconds = _lastSend,
        LastReplyNanoseconds = _lastReply,
        Timed = _settings.DataSize >= PingSettings.TimestampLength,
        RoundTrips = _roundTrips,
    };

    public void Start(WorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _clock = context.Clock;
        _stack.Start(context);
        _nextSend = _clock.NowNanoseconds;
    }

    public void Receive(Span<Packet> packets) => _stack.Receive(packets);

    public void Poll(long nowNanoseconds)
    {
        _stack.Poll(nowNanoseconds);
        if (_done) return;
        if (_stopRequested)
        {
            Finish();
            return;
        }
        bool allSent = _settings.Count > 0 && _transmitted >= _settings.Count;
        if (!allSent)
        {
            // Flood: as soon as the newest request is answered; otherwise (and always) on the interval.
            if (nowNanoseconds >= _nextSend || (_settings.Flood && _latestAnswered)) Send();
            return;
        }
        if (_received >= _settings.Count)
        {
            Finish();
            return;
        }
        // iputils' linger after the last request: twice the longest round trip once anything came back (at
        // least one interval), the -W timeout when nothing did.
        long linger = _received > 0
            ? Math.Max(2 * _maxRoundTrip, _settings.Interval.Ticks * 100)
            : _settings.Timeout.Ticks * 100;
        if (nowNanoseconds - _lastSend >= linger) Finish();
    }

    public void Stop()
    {
        _stack.Stop();
        Finish();
    }

    public void Dispose() => _finished.Dispose();

    private void Send()
    {
        ushort sequence = (ushort)(_transmitted + 1);
        _answered[sequence >> 6] &= ~(1UL << (sequence & 63));
        long now = _clock.NowNanoseconds;
        if (_data.Length >= PingSettings.TimestampLength) BinaryPrimitives.WriteInt64LittleEndian(_data, now);
        // A request the stack could not build (no free frame) still counts as sent: it is lost, as iputils counts a failed sendmsg.
        _stack.SendEchoRequest(_settings.Destination, _settings.Identifier, sequence, _data, _settings.Ttl);
        // Out now rather than at the next loop's drain: the time in the data is the time it leaves.
        _context.Tx.Drain(_context.Port);
        if (_transmitted == 0) _firstSend = now;
        _lastSend = now;
        _nextSend = now + _settings.Interval.Ticks * 100;
        _latestAnswered = false;
        Volatile.Write(ref _transmitted, _transmitted + 1);
    }

    private void OnAnswer(IcmpEchoReply reply)
    {
        if (reply.Identifier != _settings.Identifier || _done) return;
        ushort sequence = reply.SequenceNumber;
        if (reply.IsError)
        {
            Volatile.Write(ref _errors, _errors + 1);
            Report(new PingEvent(PingEventKind.Error, sequence, reply.Ttl, (byte)reply.Type, reply.Code, reply.Source.Value, 0, -1));
            return;
        }
        if (reply.Source != _settings.Destination) return;
        long roundTrip = -1;
        if (reply.Payload.Length >= PingSettings.TimestampLength)
            roundTrip = reply.ReceivedNanoseconds - BinaryPrimitives.ReadInt64LittleEndian(reply.Payload);
        ref ulong word = ref _answered[sequence >> 6];
        ulong bit = 1UL << (sequence & 63);
        int bytes = reply.Payload.Length + Icmpv4Packet.MinimumHeaderLength;
        if ((word & bit) != 0)
        {
            Volatile.Write(ref _duplicates, _duplicates + 1);
            Report(new PingEvent(PingEventKind.Duplicate, sequence, reply.Ttl, 0, 0, reply.Source.Value, bytes, roundTrip));
            return;
        }
        word |= bit;
        if (_received > 0 && (short)(sequence - _newestAnswered) < 0) Volatile.Write(ref _reordered, _reordered + 1);
        else _newestAnswered = sequence;
        if (roundTrip >= 0)
        {
            _roundTrips.Record(roundTrip);
            if (roundTrip > _maxRoundTrip) _maxRoundTrip = roundTrip;
        }
        _lastReply = reply.ReceivedNanoseconds;
        if (sequence == (ushort)_transmitted) _latestAnswered = true;
        Volatile.Write(ref _received, _received + 1);
        Report(new PingEvent(PingEventKind.Reply, sequence, reply.Ttl, 0, 0, reply.Source.Value, bytes, roundTrip));
    }

    private void Report(in PingEvent answer)
    {
        if (!_settings.ReportEachReply) return;
        if (!Events.TryEnqueue(answer)) EventsDropped++;
    }

    private void Finish()
    {
        if (_done) return;
        _done = true;
        _finished.Set();
    }
}
