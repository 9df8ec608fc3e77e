namespace FastPath.Engine.Tcp;

public sealed partial class TcpConnection
{
    /// <summary>
    /// Copies what fits of <paramref name="data"/> into the send buffer and sends what the windows allow.
    /// Returns the bytes taken: fewer than offered (even 0) is back-pressure, and <see cref="SendSpaceAvailable"/>
    /// is called once there is room again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection was shut down for sending, or is closed.</exception>
    public int Send(ReadOnlySpan<byte> data)
    {
        if (_finQueued || State is TcpState.Closed or TcpState.Listen or TcpState.TimeWait or TcpState.FinWait1 or TcpState.FinWait2
            or TcpState.Closing or TcpState.LastAck)
        {
            throw new InvalidOperationException($"cannot send on a TCP connection in {State}{(_finQueued ? " after Shutdown" : "")}");
        }
        int taken = _sendBuffer.Write(data);
        if (taken < data.Length) _sendBlocked = true;
        if (taken > 0 && State is TcpState.Established or TcpState.CloseWait) _sockets.RequestOutput(this);
        return taken;
    }

    /// <summary>Free bytes in the send buffer.</summary>
    public int SendSpace => _sendBuffer.Free;

    /// <summary>
    /// Sends one byte marked urgent: it travels in the stream with the urgent pointer just after it (RFC 6093,
    /// as BSD and Linux do); the peer's socket takes it out of band. False when the send buffer is full.
    /// </summary>
    public bool SendUrgent(byte value)
    {
        ReadOnlySpan<byte> one = [value];
        if (_sendBuffer.Free == 0) return false;
        // Marked before Send, which may put the byte on the wire at once.
        bool wasUrgent = _sndUrgent;
        uint previousUp = _sndUp;
        _sndUrgent = true;
        _sndUp = SendBufferEnd + 1;
        if (Send(one) == 1) return true;
        _sndUrgent = wasUrgent;
        _sndUp = previousUp;
        return false;
    }

    /// <summary>Copies in-order received bytes into <paramref name="destination"/>; 0 when none are ready.</summary>
    public int Receive(Span<byte> destination)
    {
        int total;
        if (!_urgentSkip)
        {
            total = _receiveBuffer.Read(destination);
            _readSeq += (uint)total;
        }
        else total = ReceiveAroundUrgent(destination);
        if (total > 0 && State is not (TcpState.Closed or TcpState.TimeWait) && WindowUpdateWorthSending()) RequestAck();
        return total;
    }

    /// <summary>Reads up to the urgent byte, skips it (it went out of band), and reads on.</summary>
    private int ReceiveAroundUrgent(Span<byte> destination)
    {
        int total = 0;
        Span<byte> discard = stackalloc byte[1];
        while (total < destination.Length && _receiveBuffer.Available > 0)
        {
            int limit = destination.Length - total;
            if (_urgentSkip)
            {
                int untilUrgent = (int)(_urgentSkipSeq - _readSeq);
                if (untilUrgent == 0)
                {
                    _receiveBuffer.Read(discard);
                    _readSeq++;
                    _urgentSkip = false;
                    continue;
                }
                if (untilUrgent > 0) limit = Math.Min(limit, untilUrgent);
            }
            int read = _receiveBuffer.Read(destination.Slice(total, limit));
            if (read == 0) break;
            _readSeq += (uint)read;
            total += read;
        }
        return total;
    }

    /// <summary>In-order bytes ready to read (the urgent byte, taken out of band, not counted).</summary>
    public int Available
    {
        get
        {
            int available = _receiveBuffer.Available;
            if (_urgentSkip && TcpSequence.InRange(_urgentSkipSeq, _readSeq, _readSeq + (uint)available)) available--;
            return available;
        }
    }

    /// <summary>The peer's FIN arrived and every byte before it was read (end of stream).</summary>
    public bool IsReceiveFinished => _finReceived && Available == 0;

    /// <summary>Nagle off (RFC 1122 section 4.2.3.4): small segments go out while others are unacknowledged.</summary>
    public bool NoDelay
    {
        get => _noDelay;
        set
        {
            _noDelay = value;
            if (value && State is TcpState.Established or TcpState.CloseWait) _sockets.RequestOutput(this);
        }
    }

    /// <summary>Keepalive probes after <see cref="TcpOptions.KeepAliveIdle"/> of silence (RFC 1122 section 4.2.3.6).</summary>
    public bool KeepAlive
    {
        get => _keepAlive;
        set
        {
            _keepAlive = value;
            ArmKeepalive();
        }
    }

    /// <summary>Half-close: a FIN follows the queued data (ESTABLISHED to FIN_WAIT_1, CLOSE_WAIT to LAST_ACK); receiving goes on.</summary>
    public void Shutdown()
    {
        if (_finQueued || State is TcpState.Closed or TcpState.TimeWait) return;
        _finQueued = true;
        if (State == TcpState.Established) State = TcpState.FinWait1;
        else if (State == TcpState.CloseWait) State = TcpState.LastAck;
        if (State is TcpState.FinWait1 or TcpState.LastAck) _sockets.RequestOutput(this);
    }

    /// <summary>
    /// Closes both directions. With received data still unread the connection is reset, as Linux does;
    /// otherwise a FIN follows the queued data. The object belongs to the stack afterwards: no more callbacks.
    /// </summary>
    public void Close()
    {
        if (_released && _known) return;
        bool unread = _receiveBuffer.Available > 0;
        ReleaseByApplication();
        switch (State)
        {
            case TcpState.Closed:
                ReturnIfUnused();
                return;
            case TcpState.SynSent:
                Finish(TcpError.Aborted, notify: false);
                return;
            case TcpState.TimeWait:
                DetachBuffers();
                return;
            case TcpState.FinWait2:
                ArmOrphanTimeout();
                return;
        }
        if (unread)
        {
            SendResetNow();
            Finish(TcpError.Aborted, notify: false);
            return;
        }
        Shutdown();
    }

    /// <summary>Sends a RST now (unless no SYN was answered yet); the connection is CLOSED with <see cref="TcpError.Aborted"/>.</summary>
    public void Abort()
    {
        if (State is not (TcpState.Closed or TcpState.SynSent or TcpState.TimeWait)) SendResetNow();
        if (State != TcpState.Closed)
        {
            Error = TcpError.Aborted;
            Finish(TcpError.Aborted);
        }
        ReleaseByApplication();
        ReturnIfUnused();
    }

    public TcpConnectionStatistics GetStatistics() => new(
        TimeSpan.FromTicks(_rtt.SmoothedRtt / 100), TimeSpan.FromTicks(_rtt.RttVariance / 100), TimeSpan.FromTicks(_rtt.Rto / 100),
        _congestion.CongestionWindow, _congestion.SlowStartThreshold, _peerMss, _sndWnd, _bytesSent, _bytesAcked, _bytesReceived,
        _segmentsSent, _segmentsReceived, _retransmissions, _fastRetransmits, _timeouts, _duplicateSegments, _outOfOrderSegments);

    private void ReleaseByApplication()
    {
        _released = true;
        _known = true;
        Connected = null;
        DataReceived = null;
        SendSpaceAvailable = null;
        UrgentReceived = null;
        Closed = null;
    }

    /// <summary>The listener handed this connection to the application.</summary>
    internal void OnAccepted()
    {
        _known = true;
        _released = false;
    }

    /// <summary>The listener went away before the application accepted this connection: reset it.</summary>
    internal void AbortUnaccepted()
    {
        if (State == TcpState.Closed) return;
        if (State != TcpState.TimeWait) SendResetNow();
        Finish(TcpError.Aborted, notify: false);
    }

    /// <summary>The stack stops: CLOSED with <see cref="TcpError.StackStopped"/>, nothing sent.</summary>
    internal void StopByStack()
    {
        if (State == TcpState.Closed) return;
        Error = State == TcpState.TimeWait ? Error : TcpError.StackStopped;
        Finish(TcpError.StackStopped);
    }
}
