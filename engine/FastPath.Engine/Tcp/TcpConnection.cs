using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Tcp;

/// <summary>
/// One TCP connection (RFC 9293), owned by its stack's worker: every call and callback happens on that thread.
/// Pooled: after <see cref="Close"/> or <see cref="Abort"/> the object belongs to the stack again.
/// </summary>
/// <remarks>
/// Split by concern: this file holds the state and the lifetime (pool, table, the one timer); Input holds
/// segment arrival (RFC 9293 section 3.10.7), Output builds segments straight into frames, Timers holds the
/// retransmission, persist, delayed-ACK, keepalive and TIME_WAIT deadlines, Api the application's calls.
/// </remarks>
public sealed partial class TcpConnection
{
    private readonly TcpSockets _sockets;
    private readonly NetworkStack _stack;
    private readonly TcpOptions _options;
    // Swapped for the stack's shared empty pair while in TIME_WAIT once the application let go, so a
    // TIME_WAIT entry is the small object alone (the buffers go back to the stack's buffer pool).
    private TcpSendBuffer _sendBuffer;
    private TcpReceiveBuffer _receiveBuffer;
    private readonly RttEstimator _rtt;
    private readonly SackScoreboard _scoreboard = new();
    private readonly TimerCallback _timerCallback;
    private ICongestionControl _congestion;
    private TcpCongestionControl _congestionKind;

    private uint _remoteAddress;
    // Incremented per use of the pooled object: a timer of an earlier life is ignored.
    private long _incarnation;
    private bool _pooled;
    private bool _released;       // the application let go (Close/Abort), or never had it
    private bool _known;          // the application holds it: active open, or accepted
    private bool _closedNotified;
    private bool _halfOpenCounted;

    // Send sequence space (RFC 9293 section 3.3.1). SND.MAX is the highest sequence number sent: after a
    // timeout SND.NXT goes back to SND.UNA (go-back-N) while SND.MAX remembers what was already out.
    private uint _iss;
    private uint _sndUna;
    private uint _sndNxt;
    private uint _sndMax;
    private uint _sndWl1;
    private uint _sndWl2;
    private uint _bufferSeq;      // sequence number of the send buffer's first byte
    private int _sndWnd;          // the peer's window, scaled, in bytes
    private int _maxSndWnd;
    private int _sndShift;        // the peer's window scale
    private int _rcvShift;        // ours
    private int _peerMss;         // data per segment without options (min of theirs and ours)
    private bool _finQueued;      // Shutdown/Close asked for a FIN after the queued data

    // Receive sequence space.
    private uint _irs;
    private uint _rcvNxt;
    private uint _readSeq;        // sequence number of the next byte the application reads
    private uint _lastAdvertisedEdge;
    private bool _finReceived;
    private bool _finPending;     // a FIN that arrived beyond a hole
    private uint _finPendingSeq;

    // Negotiated options.
    private bool _timestampsOk;
    private bool _sackOk;
    private bool _windowScaleOk;
    private uint _tsRecent;

    // ACK policy (RFC 1122 4.2.3.2, RFC 5681 4.2).
    private bool _ackNow;
    private int _unackedBytes;

    // Retransmission and recovery.
    private int _retransmits;
    private bool _rttTiming;
    private uint _rttSeq;
    private long _rttStart;
    private int _dupAcks;
    private bool _inRecovery;
    private uint _recoveryPoint;
    private uint _recoveryNext;
    private uint _recoveryRoundEnd;   // SND.MAX when the current round of hole retransmissions began
    private int _recoveryInflation;
    private int _persistBackoff;
    private long _lastSendTime;

    // Deadlines in nanoseconds, 0 when not armed; the one wheel timer is set for the earliest.
    private long _rtoDeadline;
    private long _probeDeadline;      // tail loss probe (RFC 8985 section 7)
    private bool _probeSent;
    private long _delayedAckDeadline;
    private long _persistDeadline;
    private long _keepaliveDeadline;
    private long _timeWaitDeadline;
    private TimerHandle _timer;
    private long _timerDeadline;
    private long _lastReceiveTime;
    private int _keepaliveProbes;

    // Urgent data (RFC 6093): the byte leaves the stream and goes to UrgentReceived.
    private bool _sndUrgent;
    private uint _sndUp;
    private bool _rcvUrgentPending;
    private uint _rcvUrgentSeq;
    private bool _urgentSkip;
    private uint _urgentSkipSeq;

    private bool _sendBlocked;
    private bool _forceOneSegment;
    private bool _noDelay;
    private bool _keepAlive;

    private long _bytesSent;
    private long _bytesAcked;
    private long _bytesReceived;
    private long _segmentsSent;
    private long _segmentsReceived;
    private long _retransmissions;
    private long _fastRetransmits;
    private long _timeouts;
    private long _duplicateSegments;
    private long _outOfOrderSegments;

    internal TcpConnection(TcpSockets sockets)
    {
        _sockets = sockets;
        _stack = sockets.Stack;
        _options = sockets.Options;
        sockets.RentBuffers(out _sendBuffer, out _receiveBuffer);
        _rtt = new RttEstimator(Nanoseconds(_options.InitialRto), Nanoseconds(_options.MinimumRto), Nanoseconds(_options.MaximumRto));
        _congestionKind = _options.CongestionControl;
        _congestion = CongestionControlFactory.Create(_congestionKind);
        _timerCallback = new TimerCallback(this);
    }

    public TcpState State { get; private set; }

    public TcpError Error { get; private set; }

    public Ipv4Address RemoteAddress => new(_remoteAddress);

    public ushort RemotePort { get; private set; }

    public ushort LocalPort { get; private set; }

    /// <summary>An active open reached ESTABLISHED.</summary>
    public Action<TcpConnection>? Connected { get; set; }

    /// <summary>New in-order bytes (<see cref="Available"/>) or the peer's FIN (<see cref="IsReceiveFinished"/>).</summary>
    public Action<TcpConnection>? DataReceived { get; set; }

    /// <summary>A <see cref="Send"/> took less than offered earlier, and there is room again.</summary>
    public Action<TcpConnection>? SendSpaceAvailable { get; set; }

    /// <summary>The urgent byte, out of band (not in the stream), like Linux without SO_OOBINLINE.</summary>
    public Action<TcpConnection, byte>? UrgentReceived { get; set; }

    /// <summary>The connection reached CLOSED (or TIME_WAIT) for good; <see cref="Error"/> says why.</summary>
    public Action<TcpConnection>? Closed { get; set; }

    internal ulong Key => TcpConnectionTable.Key(_remoteAddress, RemotePort, LocalPort);

    internal TcpListener? Listener { get; private set; }

    internal bool OutputQueued { get; set; }

    private int OurWindowShift => _sockets.OurWindowShift;

    private long Now => _sockets.Now;

    private static long Nanoseconds(TimeSpan time) => time.Ticks * 100;

    /// <summary>Sets up a connection object fresh from the pool for one 4-tuple.</summary>
    internal void Initialize(uint remoteAddress, ushort remotePort, ushort localPort, TcpListener? listener)
    {
        _pooled = false;
        _incarnation++;
        _remoteAddress = remoteAddress;
        RemotePort = remotePort;
        LocalPort = localPort;
        Listener = listener;
        State = TcpState.Closed;
        Error = TcpError.None;
        _released = listener is not null;
        _known = listener is null;
        _closedNotified = false;
        _halfOpenCounted = false;
        if (ReferenceEquals(_sendBuffer, _sockets.EmptySendBuffer)) _sockets.RentBuffers(out _sendBuffer, out _receiveBuffer);
        _sendBuffer.Clear();
        _receiveBuffer.Clear();
        _rtt.Reset();
        _scoreboard.Clear();
        if (_congestionKind != _options.CongestionControl)
        {
            _congestionKind = _options.CongestionControl;
            _congestion = CongestionControlFactory.Create(_congestionKind);
        }
        _iss = _sndUna = _sndNxt = _sndMax = _sndWl1 = _sndWl2 = _bufferSeq = 0;
        _sndWnd = _maxSndWnd = _sndShift = _rcvShift = 0;
        _peerMss = 536;
        _finQueued = false;
        _irs = _rcvNxt = _readSeq = _lastAdvertisedEdge = 0;
        _finReceived = _finPending = false;
        _timestampsOk = _sackOk = _windowScaleOk = _forceOneSegment = false;
        _tsRecent = 0;
        _ackNow = false;
        _unackedBytes = 0;
        _retransmits = 0;
        _rttTiming = false;
        _dupAcks = 0;
        _inRecovery = false;
        _recoveryInflation = 0;
        _persistBackoff = 0;
        _rtoDeadline = _probeDeadline = _delayedAckDeadline = _persistDeadline = _keepaliveDeadline = _timeWaitDeadline = 0;
        _probeSent = false;
        _timer = default;
        _timerDeadline = 0;
        _lastReceiveTime = _lastSendTime = Now;
        _keepaliveProbes = 0;
        _sndUrgent = _rcvUrgentPending = _urgentSkip = false;
        _sendBlocked = false;
        _noDelay = _options.NoDelay;
        _keepAlive = _options.KeepAlive;
        _bytesSent = _bytesAcked = _bytesReceived = _segmentsSent = _segmentsReceived = 0;
        _retransmissions = _fastRetransmits = _timeouts = _duplicateSegments = _outOfOrderSegments = 0;
        // OutputQueued is left alone: an object reused within one burst may still sit in the flush list, once.
    }

    internal void ResetForPool()
    {
        Connected = null;
        DataReceived = null;
        SendSpaceAvailable = null;
        UrgentReceived = null;
        Closed = null;
        Listener = null;
        _pooled = true;
    }

    /// <summary>
    /// The connection is over: out of the table, timer cancelled, the application told (unless it let go), and
    /// the object back in the pool once nobody holds it.
    /// </summary>
    private void Finish(TcpError error, bool notify = true)
    {
        if (State == TcpState.Closed) return;
        TcpState previous = State;
        State = TcpState.Closed;
        if (Error == TcpError.None) Error = error;
        CancelTimer();
        _sockets.Remove(this);
        if (previous is TcpState.SynSent or TcpState.SynReceived) _sockets.Counters.AttemptFails++;
        if (previous is TcpState.Established or TcpState.CloseWait && error == TcpError.Reset) _sockets.Counters.EstablishedResets++;
        LeaveListener();
        if (notify && _known && !_released && !_closedNotified)
        {
            _closedNotified = true;
            Closed?.Invoke(this);
        }
        ReturnIfUnused();
    }

    private void LeaveListener()
    {
        if (Listener is not { } listener) return;
        if (_halfOpenCounted)
        {
            listener.HalfOpen--;
            _halfOpenCounted = false;
        }
        if (!_known) listener.RemoveQueued(this);
    }

    private void ReturnIfUnused()
    {
        if (State == TcpState.Closed && (_released || !_known) && !_pooled) _sockets.Return(this);
    }

    /// <summary>TIME_WAIT (RFC 9293 section 3.6): the connection is done for the application; the entry stays 2 MSL to absorb stray segments.</summary>
    /// <param name="notify">
    /// False when the peer's FIN brought us here: the segment's data (and the FIN's end of stream) must reach
    /// <see cref="DataReceived"/> first, so the segment's processing calls <see cref="NotifyTimeWait"/> after it.
    /// </param>
    private void EnterTimeWait(bool notify = true)
    {
        State = TcpState.TimeWait;
        _rtoDeadline = _probeDeadline = _persistDeadline = _keepaliveDeadline = _delayedAckDeadline = 0;
        ArmTimeWait();
        if (notify) NotifyTimeWait();
    }

    /// <summary>Tells the application the connection is over for it (once), and frees the buffers of an entry nobody reads.</summary>
    private void NotifyTimeWait()
    {
        if (State != TcpState.TimeWait) return;
        if (_known && !_released && !_closedNotified)
        {
            _closedNotified = true;
            Closed?.Invoke(this);
        }
        if ((_released || !_known) && State == TcpState.TimeWait) DetachBuffers();
    }

    /// <summary>A TIME_WAIT entry nobody reads from needs no buffers: they go back to the stack for the next connection.</summary>
    private void DetachBuffers()
    {
        if (ReferenceEquals(_sendBuffer, _sockets.EmptySendBuffer)) return;
        _sockets.ReturnBuffers(_sendBuffer, _receiveBuffer);
        _sendBuffer = _sockets.EmptySendBuffer;
        _receiveBuffer = _sockets.EmptyReceiveBuffer;
    }

    private sealed class TimerCallback(TcpConnection connection) : ITimerHandler
    {
        public void OnTimer(long cookie, long nowNanoseconds)
        {
            if (cookie != connection._incarnation) return;
            connection._timer = default;
            connection._timerDeadline = 0;
            connection._sockets.HoldClock();
            try
            {
                connection.OnTimer(nowNanoseconds);
            }
            finally
            {
                connection._sockets.ReleaseClock();
            }
        }
    }
}
