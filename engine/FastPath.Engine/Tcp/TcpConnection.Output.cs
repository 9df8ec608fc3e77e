using System.Buffers.Binary;
using FastPath.Engine.Memory;
using FastPath.Wire.Tcp;
using static FastPath.Engine.Tcp.TcpSequence;

namespace FastPath.Engine.Tcp;

public sealed partial class TcpConnection
{
    private const int TimestampOptionLength = 12;

    /// <summary>
    /// Sends what the windows allow: holes first while in SACK recovery, then queued data (Nagle and sender SWS
    /// avoidance, RFC 1122 4.2.3.4), the FIN after the last byte, and a bare ACK if one is owed and nothing
    /// else carried it. Called per burst (batched) and directly from the application's calls.
    /// </summary>
    internal void Output()
    {
        switch (State)
        {
            case TcpState.Closed:
            case TcpState.Listen:
            case TcpState.SynSent:
                return;
            case TcpState.SynReceived:
                // A duplicate SYN (our SYN-ACK was lost) or an unacceptable segment: the SYN-ACK again, as Linux
                // does; a bare ACK would leave a peer in SYN-SENT waiting for our retransmission timer.
                if (_ackNow) SendSyn();
                return;
            case TcpState.TimeWait:
                if (_ackNow) SendAckNow();
                return;
        }
        bool sent = false;
        if (_inRecovery && _sackOk)
        {
            // Lost retransmissions (the idea of RACK, RFC 8985, kept simple): once data sent after this round of
            // retransmissions is SACKed a DupThresh beyond it while holes remain, the round's retransmissions are
            // presumed lost too and the holes are walked again, instead of waiting for the RTO.
            if (GreaterOrEqual(_scoreboard.HighestSacked, _recoveryRoundEnd + (uint)(3 * _peerMss)) && GreaterThan(_recoveryNext, _sndUna)
                && _scoreboard.TryNextHole(_sndUna, _recoveryNext, _peerMss, out _, out _))
            {
                _recoveryNext = _sndUna;
                _recoveryRoundEnd = _sndMax;
            }
            while (Pipe < CongestionWindow && _scoreboard.TryNextHole(_recoveryNext, _sndMax, _peerMss, out uint start, out int length))
            {
                length = Math.Min(length, MaxPayload);
                if (!SendData(start, ref length, fin: false)) break;
                // RFC 6675 HighRxt: by what actually went (SACK blocks may have shortened it).
                _recoveryNext = start + (uint)length;
                sent = true;
            }
        }
        uint end = SendBufferEnd;
        bool forced = _forceOneSegment;
        _forceOneSegment = false;
        while (true)
        {
            int queued = Math.Max(0, (int)(end - _sndNxt));
            bool finPending = _finQueued && LessOrEqual(_sndNxt, end);
            if (queued == 0 && !finPending) break;
            if (queued > 0 && _sndUna == _sndMax && Now - _lastSendTime > _rtt.Rto && _bytesSent > 0) _congestion.OnIdleRestart(Now);
            int maxPayload = MaxPayload;
            int sendWindowLeft = (int)(_sndUna + (uint)_sndWnd - _sndNxt);
            int congestionLeft = CongestionWindow - Pipe;
            int length = Math.Min(Math.Min(queued, maxPayload), Math.Min(sendWindowLeft, congestionLeft));
            if (forced && length <= 0 && _sndWnd > 0) length = Math.Min(Math.Min(queued, maxPayload), _sndWnd);
            if (length < 0) length = 0;
            bool fin = finPending && _sndNxt + (uint)length == end;
            if (length == 0 && !fin) break;
            if (length < maxPayload && !fin && !forced)
            {
                if (length < queued)
                {
                    // Sender SWS avoidance: a window-limited runt only once it is half the largest window seen.
                    if (length < _maxSndWnd / 2) break;
                }
                else if (!_noDelay && _sndNxt != _sndUna) break; // Nagle: one small segment in flight at a time
            }
            if (!SendData(_sndNxt, ref length, fin)) break;
            sent = true;
            forced = false;
        }
        if (_persistDeadline == 0 && _sndUna == _sndMax && LessThan(_sndNxt, end) && !sent)
        {
            // RFC 9293 3.8.6.1: data waits behind a closed (or too small) window with nothing in flight to
            // bring a window update: probe on the persist timer.
            _persistDeadline = Now + PersistInterval;
            ArmTimer();
        }
        if (!sent && _ackNow) SendAckNow();
    }

    private long PersistInterval
    {
        get
        {
            long interval = _rtt.Rto << Math.Min(_persistBackoff, 20);
            return Math.Min(interval, Nanoseconds(_options.MaximumRto));
        }
    }

    /// <summary>Bytes in flight: RFC 6675's pipe while in SACK recovery, else SND.NXT - SND.UNA.</summary>
    private int Pipe => _inRecovery && _sackOk
        ? Math.Max(0, (int)(_sndMax - _sndUna) - _scoreboard.SackedBytes)
        : (int)(_sndNxt - _sndUna);

    private int CongestionWindow => _congestion.CongestionWindow + _recoveryInflation;

    /// <summary>Payload per segment: the MSS less the options every segment carries (RFC 6691).</summary>
    private int MaxPayload => _peerMss - (_timestampsOk ? TimestampOptionLength : 0);

    /// <summary>The sequence number after the last queued byte: where the FIN goes once one is queued.</summary>
    private uint SendBufferEnd => _bufferSeq + (uint)_sendBuffer.Count;

    private uint TimestampNow => _sockets.TimestampNow;

    /// <summary>A data (or FIN) segment from the send buffer; bookkeeping for SND.NXT/SND.MAX, RTT timing and the RTO.</summary>
    private bool SendData(uint sequence, ref int length, bool fin)
    {
        uint end = SendBufferEnd;
        TcpFlags flags = TcpFlags.Ack;
        if (length > 0 && sequence + (uint)length == end) flags |= TcpFlags.Psh;
        if (fin) flags |= TcpFlags.Fin;
        int requested = length;
        if (!SendSegment(sequence, ref length, flags)) return false;
        // SACK blocks may have taken room from the payload: the rest (and the FIN) go in the next segment.
        if (length < requested) fin = false;
        uint next = sequence + (uint)length + (fin ? 1u : 0u);
        long now = Now;
        bool armProbe = false;
        if (LessThan(sequence, _sndMax))
        {
            _retransmissions++;
            _sockets.Counters.Retransmissions++;
        }
        if (GreaterThan(next, _sndMax))
        {
            armProbe = _probeDeadline == 0;
            int fresh = (int)(next - _sndMax) - (fin ? 1 : 0);
            if (fresh > 0) _bytesSent += fresh;
            if (!_rttTiming && !_timestampsOk)
            {
                _rttTiming = true;
                _rttSeq = sequence;
                _rttStart = now;
            }
            _sndMax = next;
        }
        if (GreaterThan(next, _sndNxt)) _sndNxt = next;
        if (_rtoDeadline == 0)
        {
            _rtoDeadline = now + _rtt.Rto;
            ArmTimer();
        }
        if (armProbe) ArmProbe();
        _lastSendTime = now;
        return true;
    }

    /// <summary>Sends the first unacknowledged segment again (fast retransmit, NewReno partial ACK); returns the data bytes sent.</summary>
    private int RetransmitFirstUnacknowledged()
    {
        uint end = SendBufferEnd;
        int length = Math.Min(MaxPayload, Math.Max(0, (int)(end - _sndUna)));
        bool fin = _finQueued && _sndUna + (uint)length == end && GreaterThan(_sndMax, end);
        if (length == 0 && !fin) return 0;
        return SendData(_sndUna, ref length, fin) ? length : 0;
    }

    /// <summary>
    /// A bare ACK now (window update, duplicate ACK, challenge ACK). Its sequence number is SND.MAX, as BSD's
    /// tcp_output does: after a timeout SND.NXT is back at SND.UNA, and a peer that already has those bytes would
    /// find an ACK at SND.NXT below its window and drop it, window update and all.
    /// </summary>
    private void SendAckNow() => SendSegment(State == TcpState.SynReceived ? _iss + 1 : _sndMax, 0, TcpFlags.Ack);

    private void RequestAck()
    {
        _ackNow = true;
        _sockets.RequestOutput(this);
    }

    private bool WindowUpdateWorthSending()
    {
        // RFC 1122 4.2.3.3 (receiver SWS avoidance): announce growth only in useful steps.
        int gain = (int)(_rcvNxt + (uint)_receiveBuffer.Window - _lastAdvertisedEdge);
        return gain >= Math.Min(_receiveBuffer.Capacity / 2, 2 * _sockets.OurMss);
    }

    private void SendResetNow() => _sockets.SendReset(_remoteAddress, RemotePort, LocalPort, _sndMax, _rcvNxt, withAck: State != TcpState.SynSent);

    /// <summary>
    /// Builds one segment straight in a frame: header, timestamps and SACK blocks, payload copied from the send
    /// buffer, checksum with the pseudo-header. Any segment carries our latest ACK and window, so the ACK debt is paid.
    /// </summary>
    private bool SendSegment(uint sequence, int length, TcpFlags flags) => SendSegment(sequence, ref length, flags);

    private bool SendSegment(uint sequence, ref int length, TcpFlags flags)
    {
        if (!_stack.TryAllocateForTransport(out Packet packet)) return false;
        Span<byte> segment = _stack.WritableBytes(packet);
        int optionsLength = 0;
        Span<byte> options = segment[TcpPacket.MinimumHeaderLength..];
        if (_timestampsOk)
        {
            BinaryPrimitives.WriteUInt32BigEndian(options, 0x0101080Au);
            BinaryPrimitives.WriteUInt32BigEndian(options[4..], TimestampNow);
            BinaryPrimitives.WriteUInt32BigEndian(options[8..], _tsRecent);
            optionsLength = TimestampOptionLength;
        }
        if (_sackOk && _receiveBuffer.OutOfOrderRangeCount > 0)
        {
            Span<TcpSackBlock> blocks = stackalloc TcpSackBlock[TcpSackBlocks.MaxCount];
            int count = _receiveBuffer.GetSackBlocks(_rcvNxt, blocks[..(_timestampsOk ? 3 : 4)]);
            if (count > 0)
            {
                Span<byte> sack = options[optionsLength..];
                BinaryPrimitives.WriteUInt32BigEndian(sack, 0x01010500u | (uint)(2 + 8 * count));
                for (int i = 0; i < count; i++)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(sack[(4 + 8 * i)..], blocks[i].Left);
                    BinaryPrimitives.WriteUInt32BigEndian(sack[(8 + 8 * i)..], blocks[i].Right);
                }
                optionsLength += 4 + 8 * count;
                if (length > _peerMss - optionsLength)
                {
                    length = _peerMss - optionsLength;
                    flags &= ~(TcpFlags.Fin | TcpFlags.Psh);
                }
            }
        }
        int headerLength = TcpPacket.MinimumHeaderLength + optionsLength;
        if (length > 0) _sendBuffer.CopyOut((int)(sequence - _bufferSeq), segment.Slice(headerLength, length));
        ushort window = AdvertisedWindow();
        TcpSockets.WriteHeader(segment, LocalPort, RemotePort, sequence, _rcvNxt, flags, window, headerLength);
        if (_sndUrgent && GreaterThan(_sndUp, sequence))
        {
            segment[13] |= (byte)TcpFlags.Urg;
            BinaryPrimitives.WriteUInt16BigEndian(segment[18..], (ushort)Math.Min(_sndUp - sequence, ushort.MaxValue));
        }
        _sockets.FinishSegment(packet, segment, headerLength + length, _remoteAddress);
        _segmentsSent++;
        _ackNow = false;
        _unackedBytes = 0;
        _delayedAckDeadline = 0;
        return true;
    }

    /// <summary>The window field: our free space, scaled; the right edge it announces is remembered (never shrunk).</summary>
    private ushort AdvertisedWindow()
    {
        int window = ReceiveWindow;
        int field = Math.Min(window >> _rcvShift, ushort.MaxValue);
        uint edge = _rcvNxt + (uint)(field << _rcvShift);
        if (GreaterThan(edge, _lastAdvertisedEdge)) _lastAdvertisedEdge = edge;
        return (ushort)field;
    }

    /// <summary>Our SYN (active open) or SYN-ACK (passive or simultaneous open) with MSS, SACK-permitted, timestamps and window scale.</summary>
    private void SendSyn()
    {
        if (!_stack.TryAllocateForTransport(out Packet packet))
        {
            ArmRetransmission();
            return;
        }
        Span<byte> segment = _stack.WritableBytes(packet);
        bool active = State == TcpState.SynSent;
        bool timestamps = active ? _options.Timestamps : _timestampsOk;
        bool sack = active ? _options.SelectiveAcknowledgements : _sackOk;
        bool scale = active ? _options.WindowScaling : _windowScaleOk;
        int optionsLength = TcpSockets.WriteSynOptions(segment[TcpPacket.MinimumHeaderLength..], _sockets.OurMss, sack, timestamps,
            TimestampNow, active ? 0 : _tsRecent, scale ? OurWindowShift : -1);
        // RFC 7323 2.2: the window of a SYN is never scaled.
        ushort window = (ushort)Math.Min(_receiveBuffer.Window, ushort.MaxValue);
        int headerLength = TcpPacket.MinimumHeaderLength + optionsLength;
        TcpSockets.WriteHeader(segment, LocalPort, RemotePort, _iss, active ? 0 : _rcvNxt, active ? TcpFlags.Syn : TcpFlags.Syn | TcpFlags.Ack,
            window, headerLength);
        _sockets.FinishSegment(packet, segment, headerLength, _remoteAddress);
        _segmentsSent++;
        _ackNow = false;
        if (!active) _lastAdvertisedEdge = _rcvNxt + window;
        _sndNxt = _iss + 1;
        if (GreaterThan(_sndNxt, _sndMax)) _sndMax = _sndNxt;
        if (_retransmits == 0 && !timestamps)
        {
            _rttTiming = true;
            _rttSeq = _iss;
            _rttStart = Now;
        }
        _lastSendTime = Now;
        ArmRetransmission();
    }

    private void ArmRetransmission()
    {
        _rtoDeadline = Now + _rtt.Rto;
        ArmTimer();
    }
}
