using FastPath.Engine.Stack;
using FastPath.Wire.Tcp;
using static FastPath.Engine.Tcp.TcpSequence;

namespace FastPath.Engine.Tcp;

public sealed partial class TcpConnection
{
    /// <summary>
    /// RFC 9293 section 3.10.7: a segment for this connection. False when the connection does not take it
    /// (a new SYN that ends a TIME_WAIT): the stack then offers it to the listener.
    /// </summary>
    internal bool Input(ref TcpSegment segment)
    {
        _segmentsReceived++;
        switch (State)
        {
            case TcpState.SynSent:
                SynSentInput(ref segment);
                return true;
            case TcpState.TimeWait when segment.Syn && !segment.Ack && !segment.Rst && GreaterThan(segment.Sequence, _rcvNxt):
                // RFC 6191 / Linux: a new incarnation may start from TIME_WAIT if its ISN is above the old stream.
                Finish(TcpError.None, notify: false);
                return false;
            case TcpState.TimeWait when segment.Fin && !segment.Rst && segment.Sequence + (uint)segment.Payload.Length + 1 == _rcvNxt:
                // The peer's FIN again (our ACK was lost): ACK it and restart the 2 MSL wait (RFC 9293 3.10.7.4,
                // eighth step; Linux tcp_timewait_state_process). It sits just below the window, so the check below would only ACK it.
                ArmTimeWait();
                RequestAck();
                return true;
            case TcpState.Closed:
                return false;
        }
        _lastReceiveTime = Now;
        _keepaliveProbes = 0;

        // RFC 7323 section 5: PAWS. A segment whose timestamp is older than TS.Recent is a duplicate from an earlier wrap.
        if (_timestampsOk && segment.HasTimestamps && !segment.Rst && LessThan(segment.TimestampValue, _tsRecent))
        {
            _stack.CountDrop(StackDropReason.TcpOutOfWindow);
            _duplicateSegments++;
            RequestAck();
            return true;
        }

        // First: is the sequence number acceptable (RFC 9293 3.10.7.4, the four cases)?
        int window = ReceiveWindow;
        int length = segment.Length;
        bool acceptable = length == 0
            ? window == 0 ? segment.Sequence == _rcvNxt : InRange(segment.Sequence, _rcvNxt, _rcvNxt + (uint)window)
            : window != 0 && (InRange(segment.Sequence, _rcvNxt, _rcvNxt + (uint)window)
                || InRange(segment.Sequence + (uint)length - 1, _rcvNxt, _rcvNxt + (uint)window));
        // With a zero window the ACK, URG and RST of a segment at RCV.NXT still count (3.10.7.4's special allowance).
        bool zeroWindowProbe = !acceptable && window == 0 && segment.Sequence == _rcvNxt;
        if (!acceptable && !zeroWindowProbe)
        {
            if (!segment.Rst)
            {
                if (length > 0) _duplicateSegments++;
                RequestAck();
            }
            _stack.CountDrop(StackDropReason.TcpOutOfWindow);
            return true;
        }

        // Second: RST. RFC 5961 section 3.2: only an exact RCV.NXT resets, anything else in the window is challenged.
        if (segment.Rst)
        {
            if (segment.Sequence != _rcvNxt)
            {
                SendChallengeAck();
                return true;
            }
            _sockets.Counters.ResetsReceived++;
            if (State == TcpState.SynReceived && Listener is not null && !_known)
            {
                // A passive open goes back to LISTEN: for us that is simply forgetting the half-open connection.
                Finish(TcpError.Reset, notify: false);
                return true;
            }
            Finish(State == TcpState.SynReceived ? TcpError.Refused : TcpError.Reset);
            return true;
        }

        // Fourth: a SYN in a synchronized state is challenged (RFC 5961 section 4), never obeyed.
        if (segment.Syn)
        {
            SendChallengeAck();
            return true;
        }

        // Fifth: the ACK field.
        if (!segment.Ack)
        {
            _stack.CountDrop(StackDropReason.TcpInvalidSegment);
            return true;
        }
        if (State == TcpState.SynReceived)
        {
            if (!InRange(segment.Acknowledgment, _sndUna + 1, _sndMax + 1))
            {
                _sockets.SendReset(_remoteAddress, RemotePort, LocalPort, segment.Acknowledgment, 0, withAck: false);
                _stack.CountDrop(StackDropReason.TcpInvalidSegment);
                return true;
            }
            if (!CompleteHandshake(ref segment)) return true;
        }
        if (!ProcessAck(ref segment)) return true;
        if (State == TcpState.Closed) return true;

        // Sixth: URG. Seventh: the text. Eighth: FIN.
        bool delivered = false;
        if (segment.Payload.Length > 0 && !zeroWindowProbe && State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
            delivered = ProcessText(ref segment);
        else if (segment.Payload.Length > 0)
        {
            if (zeroWindowProbe) RequestAck();
            _stack.CountDrop(zeroWindowProbe ? StackDropReason.TcpOutOfWindow : StackDropReason.TcpInvalidSegment);
        }
        if (segment.Fin && !zeroWindowProbe && !_finReceived && State is not (TcpState.TimeWait or TcpState.Closed))
        {
            uint finSequence = segment.Sequence + (uint)segment.Payload.Length;
            if (finSequence == _rcvNxt)
            {
                ProcessFin();
                delivered = true;
            }
            else if (InRange(finSequence, _rcvNxt, _rcvNxt + (uint)ReceiveWindow + 1))
            {
                // RFC 9293 3.10.7.4: a FIN beyond a hole is processed when the hole fills (Linux keeps it in the out-of-order queue).
                _finPending = true;
                _finPendingSeq = finSequence;
            }
        }
        if (_finPending && !_finReceived && _rcvNxt == _finPendingSeq && State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
        {
            _finPending = false;
            ProcessFin();
            delivered = true;
        }
        if (delivered && State != TcpState.Closed) DataReceived?.Invoke(this);
        // Closed comes after the last DataReceived: the FIN that ends FIN_WAIT_2 may carry the stream's last bytes.
        NotifyTimeWait();
        return true;
    }

    /// <summary>RCV.WND: the space we can accept, never less than what we already advertised (no shrinking).</summary>
    private int ReceiveWindow
    {
        get
        {
            int window = _receiveBuffer.Window;
            return GreaterThan(_lastAdvertisedEdge, _rcvNxt) ? Math.Max(window, (int)(_lastAdvertisedEdge - _rcvNxt)) : window;
        }
    }

    /// <summary>RFC 9293 3.10.7.3: SYN-SENT.</summary>
    private void SynSentInput(ref TcpSegment segment)
    {
        bool ackAcceptable = false;
        if (segment.Ack)
        {
            if (LessOrEqual(segment.Acknowledgment, _iss) || GreaterThan(segment.Acknowledgment, _sndMax))
            {
                if (!segment.Rst) _sockets.SendReset(_remoteAddress, RemotePort, LocalPort, segment.Acknowledgment, 0, withAck: false);
                _stack.CountDrop(StackDropReason.TcpInvalidSegment);
                return;
            }
            ackAcceptable = true;
        }
        if (segment.Rst)
        {
            if (ackAcceptable)
            {
                _sockets.Counters.ResetsReceived++;
                Finish(TcpError.Refused);
            }
            else _stack.CountDrop(StackDropReason.TcpInvalidSegment);
            return;
        }
        if (!segment.Syn)
        {
            _stack.CountDrop(StackDropReason.TcpInvalidSegment);
            return;
        }
        _irs = segment.Sequence;
        _rcvNxt = _irs + 1;
        _readSeq = _rcvNxt;
        _lastAdvertisedEdge = _rcvNxt;
        ApplySynOptions(ref segment, ourOptionsSent: true);
        _lastReceiveTime = Now;
        if (ackAcceptable)
        {
            _sndUna = segment.Acknowledgment;
            _sndWnd = segment.Window;      // RFC 7323 2.2: the window of a SYN is never scaled
            _maxSndWnd = _sndWnd;
            _sndWl1 = segment.Sequence;
            _sndWl2 = segment.Acknowledgment;
            if (_rttTiming && !_timestampsOk)
            {
                _rtt.AddSample(Now - _rttStart);
                _rttTiming = false;
            }
            else if (_timestampsOk && segment.TimestampEcho != 0) TakeTimestampSample(segment.TimestampEcho);
            _retransmits = 0;
            _rtoDeadline = 0;
            State = TcpState.Established;
            _congestion.Reset(_peerMss);
            ArmKeepalive();
            if (_finQueued) State = TcpState.FinWait1;
            RequestAck();
            Connected?.Invoke(this);
            if (State != TcpState.Closed)
            {
                if (segment.Payload.Length > 0 || segment.Fin)
                {
                    // Data on a SYN-ACK is rare but legal: take it as ESTABLISHED would.
                    segment.Sequence++;
                    segment.Flags &= ~TcpFlags.Syn;
                    bool delivered = segment.Payload.Length > 0 && ProcessText(ref segment);
                    if (segment.Fin && segment.Sequence + (uint)segment.Payload.Length == _rcvNxt)
                    {
                        ProcessFin();
                        delivered = true;
                    }
                    if (delivered) DataReceived?.Invoke(this);
                    NotifyTimeWait();
                }
                _sockets.RequestOutput(this);
            }
            return;
        }
        // Simultaneous open (RFC 9293 3.5 figure 7): SYN-RECEIVED, SYN-ACK with our ISN again.
        State = TcpState.SynReceived;
        _sndWnd = segment.Window;
        _maxSndWnd = _sndWnd;
        _sndWl1 = segment.Sequence;
        _sndWl2 = segment.Acknowledgment;
        SendSyn();
    }

    /// <summary>SYN-RECEIVED to ESTABLISHED on the ACK of our SYN (passive or simultaneous open).</summary>
    private bool CompleteHandshake(ref TcpSegment segment)
    {
        if (Listener is { } listener && !_known)
        {
            if (listener.IsDisposed || listener.AcceptQueueFull)
            {
                // Linux tcp_abort_on_overflow=0: drop the ACK, the SYN-ACK timer tries again later.
                _sockets.Counters.ListenOverflows++;
                _stack.CountDrop(StackDropReason.TcpListenOverflow);
                return false;
            }
        }
        _sndWnd = segment.Window << _sndShift;
        _maxSndWnd = Math.Max(_maxSndWnd, _sndWnd);
        _sndWl1 = segment.Sequence;
        _sndWl2 = segment.Acknowledgment;
        State = _finQueued ? TcpState.FinWait1 : TcpState.Established;
        _congestion.Reset(_peerMss);
        ArmKeepalive();
        if (Listener is { } owner && !_known)
        {
            if (_halfOpenCounted)
            {
                owner.HalfOpen--;
                _halfOpenCounted = false;
            }
            owner.Deliver(this);
        }
        else Connected?.Invoke(this);
        return State != TcpState.Closed;
    }

    /// <summary>Reads MSS, window scale, SACK-permitted and timestamps from a SYN and settles what both sides use.</summary>
    private void ApplySynOptions(ref TcpSegment segment, bool ourOptionsSent)
    {
        int ourMss = _sockets.OurMss;
        _peerMss = Math.Min(segment.Mss != 0 ? segment.Mss : 536, ourMss);
        _windowScaleOk = _options.WindowScaling && segment.WindowScale >= 0 && ourOptionsSent;
        if (_windowScaleOk)
        {
            _sndShift = segment.WindowScale;
            _rcvShift = OurWindowShift;
        }
        else _sndShift = _rcvShift = 0;
        _sackOk = _options.SelectiveAcknowledgements && segment.SackPermitted;
        _timestampsOk = _options.Timestamps && segment.HasTimestamps;
        if (_timestampsOk) _tsRecent = segment.TimestampValue;
    }

    /// <summary>Fifth step for synchronized states: what the ACK acknowledges, the window, duplicate ACKs and recovery.</summary>
    private bool ProcessAck(ref TcpSegment segment)
    {
        uint ack = segment.Acknowledgment;
        if (GreaterThan(ack, _sndMax))
        {
            // An ACK of something not yet sent: ACK back and drop (RFC 9293; RFC 5961 5.2 rate-limits it).
            SendChallengeAck();
            return false;
        }
        // RFC 5961 section 5.2: an ACK far below SND.UNA (more than the largest window back) is suspect.
        if (LessThan(ack, _sndUna - (uint)Math.Max(_maxSndWnd, 1)))
        {
            SendChallengeAck();
            return false;
        }
        if (_timestampsOk && segment.HasTimestamps && LessOrEqual(segment.Sequence, _rcvNxt) && GreaterOrEqual(segment.TimestampValue, _tsRecent))
            _tsRecent = segment.TimestampValue;

        int flightBefore = (int)(_sndMax - _sndUna);
        if (_sackOk && segment.SackBlocks.Count > 0)
        {
            Span<TcpSackBlock> blocks = stackalloc TcpSackBlock[TcpSackBlocks.MaxCount];
            for (int i = 0; i < segment.SackBlocks.Count; i++) blocks[i] = segment.SackBlocks[i];
            _scoreboard.Update(_sndUna, blocks[..segment.SackBlocks.Count]);
        }

        if (GreaterThan(ack, _sndUna))
        {
            int acked = (int)(ack - _sndUna);
            AcknowledgeUpTo(ack);
            if (_timestampsOk && segment.HasTimestamps && segment.TimestampEcho != 0) TakeTimestampSample(segment.TimestampEcho);
            else if (_rttTiming && GreaterThan(ack, _rttSeq))
            {
                _rtt.AddSample(Now - _rttStart);
                _rttTiming = false;
            }
            _retransmits = 0;
            _rtt.ResetBackoff();
            if (_inRecovery)
            {
                if (GreaterOrEqual(ack, _recoveryPoint))
                {
                    _inRecovery = false;
                    _recoveryInflation = 0;
                    _congestion.OnExitRecovery(Now);
                }
                else
                {
                    // RFC 6582 3.2 step 5: a partial ACK. Deflate by what it acknowledged, retransmit the next hole.
                    _recoveryInflation = Math.Max(0, _recoveryInflation - acked + _peerMss);
                    if (!_sackOk) RetransmitFirstUnacknowledged();
                    if (LessThan(_recoveryNext, _sndUna)) _recoveryNext = _sndUna;
                }
            }
            else _congestion.OnAck(acked, flightBefore, _rtt.SmoothedRtt, Now);
            _dupAcks = 0;
            _rtoDeadline = _sndUna == _sndMax ? 0 : Now + _rtt.Rto;
            _probeSent = false;
            _probeDeadline = 0;
            ArmProbe();
            if (_sndUna == _sndMax) _persistBackoff = 0;
            ArmTimer();
        }
        else if (ack == _sndUna && segment.Payload.Length == 0 && !segment.Fin && _sndMax != _sndUna
            && (segment.Window << _sndShift) == _sndWnd)
        {
            _dupAcks++;
            if (!_inRecovery && (_dupAcks == 3 || (_sackOk && _scoreboard.IsLost(_sndUna, _peerMss))))
                EnterRecovery();
            else if (_inRecovery && !_sackOk) _recoveryInflation += _peerMss;
        }

        // RFC 6675 5 (and Linux): with SACK, loss is known from the scoreboard whatever the ACK carries; in a
        // bidirectional transfer almost every ACK has data and would never count as a duplicate.
        // After a tail loss probe any SACK means the data below it was lost (RFC 8985 7.4: the probe's ACK starts recovery).
        if (_sackOk && !_inRecovery && _sndMax != _sndUna && _scoreboard.HasSacks && (_scoreboard.IsLost(_sndUna, _peerMss) || _probeSent))
            EnterRecovery();

        // RFC 9293 3.10.7.4: the window is taken from the newest segment (SND.WL1, SND.WL2).
        if (LessThan(_sndWl1, segment.Sequence) || (_sndWl1 == segment.Sequence && LessOrEqual(_sndWl2, ack)))
        {
            int window = segment.Window << _sndShift;
            bool opened = _sndWnd == 0 && window > 0;
            _sndWnd = window;
            _maxSndWnd = Math.Max(_maxSndWnd, window);
            _sndWl1 = segment.Sequence;
            _sndWl2 = ack;
            if (opened)
            {
                _persistDeadline = 0;
                _persistBackoff = 0;
            }
        }

        switch (State)
        {
            case TcpState.FinWait1 when FinAcknowledged:
                State = TcpState.FinWait2;
                ArmOrphanTimeout();
                break;
            case TcpState.Closing when FinAcknowledged:
                EnterTimeWait();
                return false;
            case TcpState.LastAck when FinAcknowledged:
                Finish(TcpError.None);
                return false;
        }
        if (_sendBlocked && _sendBuffer.Free >= _sendBuffer.Capacity / 4 && State is TcpState.Established or TcpState.CloseWait)
        {
            _sendBlocked = false;
            SendSpaceAvailable?.Invoke(this);
        }
        _sockets.RequestOutput(this);
        return true;
    }

    /// <summary>SND.UNA moves to <paramref name="ack"/>: acknowledged data leaves the send buffer; a FIN or SYN counts one.</summary>
    private void AcknowledgeUpTo(uint ack)
    {
        if (GreaterThan(ack, _bufferSeq))
        {
            int data = Math.Min((int)(ack - _bufferSeq), _sendBuffer.Count);
            _sendBuffer.Consume(data);
            _bufferSeq += (uint)data;
            _bytesAcked += data;
        }
        _sndUna = ack;
        if (LessThan(_sndNxt, _sndUna)) _sndNxt = _sndUna;
        if (_sndUrgent && GreaterOrEqual(_sndUna, _sndUp)) _sndUrgent = false;
        _scoreboard.AdvanceTo(ack);
    }

    private bool FinAcknowledged => _finQueued && _sndUna == SendBufferEnd + 1 && _sendBuffer.Count == 0;

    private void TakeTimestampSample(uint echo)
    {
        long rttMs = (long)(uint)(TimestampNow - echo);
        if (rttMs is >= 0 and < 1_000_000) _rtt.AddSample(rttMs * 1_000_000);
        _rttTiming = false;
    }

    /// <summary>Fast retransmit (RFC 5681 3.2, RFC 6675 5): enter recovery and resend the first unacknowledged segment.</summary>
    private void EnterRecovery()
    {
        _inRecovery = true;
        _probeDeadline = 0;
        _recoveryPoint = _sndMax;
        _recoveryNext = _sndUna;
        _congestion.OnEnterRecovery((int)(_sndMax - _sndUna), Now);
        _recoveryInflation = _sackOk ? 0 : 3 * _peerMss;
        _fastRetransmits++;
        _sockets.Counters.FastRetransmits++;
        _rttTiming = false;
        int retransmitted = RetransmitFirstUnacknowledged();
        if (_sackOk) _recoveryNext = _sndUna + (uint)retransmitted;
        _recoveryRoundEnd = _sndMax;
    }

    /// <summary>Seventh step: payload into the receive buffer (out of order allowed, bounded); the ACK it calls for.</summary>
    private bool ProcessText(ref TcpSegment segment)
    {
        Span<byte> payload = segment.Payload;
        uint sequence = segment.Sequence + (segment.Syn ? 1u : 0u);
        int offset = (int)(sequence - _rcvNxt);
        if (offset < 0)
        {
            if (-offset >= payload.Length)
            {
                _duplicateSegments++;
                RequestAck();
                return false;
            }
            payload = payload[-offset..];
            sequence = _rcvNxt;
            offset = 0;
        }
        // Urgent (RFC 6093): the pointer names the byte after the urgent one; that byte is taken out of band.
        byte urgentByte = 0;
        bool urgentArrived = false;
        if (segment.Urg && segment.UrgentPointer > 0)
        {
            uint urgentSeq = segment.Sequence + segment.UrgentPointer - 1;
            if (GreaterOrEqual(urgentSeq, _readSeq) && (!_rcvUrgentPending || GreaterThan(urgentSeq, _rcvUrgentSeq)))
            {
                _rcvUrgentPending = true;
                _rcvUrgentSeq = urgentSeq;
            }
        }
        if (_rcvUrgentPending && InRange(_rcvUrgentSeq, sequence, sequence + (uint)payload.Length))
        {
            urgentByte = payload[(int)(_rcvUrgentSeq - sequence)];
            urgentArrived = true;
        }

        bool hadHoles = _receiveBuffer.OutOfOrderRangeCount > 0;
        if (!_receiveBuffer.Write(offset, payload, out int advanced))
        {
            // The out-of-order set is full: drop this one, the peer sends it again (a SACK tells it what we hold).
            _stack.CountDrop(StackDropReason.TcpOutOfWindow);
            _ackNow = true;
            _sockets.RequestOutput(this);
            return false;
        }
        if (offset > 0)
        {
            _outOfOrderSegments++;
            _sockets.Counters.OutOfOrderSegments++;
            // RFC 5681 4.2: a duplicate ACK per out-of-order segment. Without SACK the sender counts them to find
            // the loss, so they cannot wait for the burst's one ACK; with SACK the blocks say it all, batched.
            if (!_sackOk) SendAckNow();
            else RequestAck();
            if (urgentArrived) DeliverUrgent(urgentByte);
            return false;
        }
        if (advanced == 0)
        {
            _duplicateSegments++;
            RequestAck();
            return false;
        }
        _rcvNxt += (uint)advanced;
        _bytesReceived += advanced;
        if (urgentArrived) DeliverUrgent(urgentByte);
        // RFC 5681 4.2: ACK at least every second full-sized segment, at once when a hole is filled.
        _unackedBytes += advanced;
        if (hadHoles || _unackedBytes >= 2 * _peerMss) RequestAck();
        else ScheduleDelayedAck();
        return true;
    }

    private void DeliverUrgent(byte value)
    {
        _rcvUrgentPending = false;
        _urgentSkip = true;
        _urgentSkipSeq = _rcvUrgentSeq;
        UrgentReceived?.Invoke(this, value);
    }

    /// <summary>Eighth step: the peer's FIN, after every byte before it.</summary>
    private void ProcessFin()
    {
        _rcvNxt++;
        _finReceived = true;
        RequestAck();
        switch (State)
        {
            case TcpState.SynReceived:
            case TcpState.Established:
                State = TcpState.CloseWait;
                break;
            case TcpState.FinWait1:
                if (FinAcknowledged) EnterTimeWait(notify: false);
                else State = TcpState.Closing;
                break;
            case TcpState.FinWait2:
                EnterTimeWait(notify: false);
                break;
        }
    }

    /// <summary>RFC 5961 section 7: challenge ACKs are rate limited (stack-wide, like Linux tcp_challenge_ack_limit).</summary>
    private void SendChallengeAck()
    {
        _stack.CountDrop(StackDropReason.TcpInvalidSegment);
        if (!_sockets.TryTakeChallengeAck()) return;
        _sockets.Counters.ChallengeAcks++;
        SendAckNow();
    }
}
