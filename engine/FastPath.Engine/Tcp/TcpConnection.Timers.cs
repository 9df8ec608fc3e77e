using FastPath.Engine.Runtime;

using static FastPath.Engine.Tcp.TcpSequence;

namespace FastPath.Engine.Tcp;

public sealed partial class TcpConnection
{
    private TimerWheel Timers => _stack.Context.Timers;

    /// <summary>
    /// One wheel timer per connection, set for the earliest deadline; a later deadline waits for it to fire and re-arm.
    /// A deadline that moves later or goes away (an ACK clears the RTO, a segment out pays the delayed ACK) leaves the
    /// wheel timer where it is: it fires early, finds nothing due and re-arms for what is left. On a request/response
    /// connection that is one wheel operation per few milliseconds instead of a cancel and a schedule per segment.
    /// </summary>
    private void ArmTimer()
    {
        long earliest = long.MaxValue;
        if (_rtoDeadline != 0) earliest = _rtoDeadline;
        if (_probeDeadline != 0 && _probeDeadline < earliest) earliest = _probeDeadline;
        if (_delayedAckDeadline != 0 && _delayedAckDeadline < earliest) earliest = _delayedAckDeadline;
        if (_persistDeadline != 0 && _persistDeadline < earliest) earliest = _persistDeadline;
        if (_keepaliveDeadline != 0 && _keepaliveDeadline < earliest) earliest = _keepaliveDeadline;
        if (_timeWaitDeadline != 0 && _timeWaitDeadline < earliest) earliest = _timeWaitDeadline;
        if (_timer.IsValid && _timerDeadline <= earliest) return;
        if (earliest == long.MaxValue) return;
        if (_timer.IsValid) Timers.Cancel(_timer);
        _timer = Timers.Schedule(earliest, _timerCallback, _incarnation);
        _timerDeadline = earliest;
    }

    private void CancelTimer()
    {
        if (_timer.IsValid) Timers.Cancel(_timer);
        _timer = default;
        _timerDeadline = 0;
    }

    private void OnTimer(long now)
    {
        if (State == TcpState.Closed) return;
        if (_timeWaitDeadline != 0 && now >= _timeWaitDeadline)
        {
            _timeWaitDeadline = 0;
            Finish(TcpError.None, notify: false);
            return;
        }
        if (_rtoDeadline != 0 && now >= _rtoDeadline)
        {
            _rtoDeadline = 0;
            OnRetransmissionTimeout();
            if (State == TcpState.Closed) return;
        }
        if (_probeDeadline != 0 && now >= _probeDeadline)
        {
            _probeDeadline = 0;
            OnProbeTimeout();
        }
        if (_persistDeadline != 0 && now >= _persistDeadline)
        {
            _persistDeadline = 0;
            OnPersist();
        }
        if (_delayedAckDeadline != 0 && now >= _delayedAckDeadline)
        {
            _delayedAckDeadline = 0;
            if (_unackedBytes > 0 || _ackNow)
            {
                _sockets.Counters.DelayedAcks++;
                SendAckNow();
            }
        }
        if (_keepaliveDeadline != 0 && now >= _keepaliveDeadline)
        {
            _keepaliveDeadline = 0;
            OnKeepalive(now);
            if (State == TcpState.Closed) return;
        }
        ArmTimer();
    }

    /// <summary>RFC 6298 5.4-5.7: retransmit the earliest segment, back the timer off; RFC 5681 3.1: cwnd to one segment.</summary>
    private void OnRetransmissionTimeout()
    {
        bool handshake = State is TcpState.SynSent or TcpState.SynReceived;
        if (!handshake && _sndUna == _sndMax) return;
        _timeouts++;
        _sockets.Counters.Timeouts++;
        _retransmits++;
        if (_retransmits > (handshake ? _options.MaxSynRetransmissions : _options.MaxRetransmissions))
        {
            Finish(TcpError.TimedOut);
            return;
        }
        _rtt.Backoff();
        _rttTiming = false;
        if (handshake)
        {
            _sockets.Counters.Retransmissions++;
            _retransmissions++;
            SendSyn();
            return;
        }
        _congestion.OnRetransmitTimeout((int)(_sndMax - _sndUna), Now);
        _inRecovery = false;
        _recoveryInflation = 0;
        _dupAcks = 0;
        // RFC 6675 5.1 allows keeping the scoreboard; clearing it copes with a receiver that reneged.
        _scoreboard.Clear();
        _sndNxt = _sndUna;
        _rtoDeadline = Now + _rtt.Rto;
        Output();
    }

    /// <summary>
    /// RFC 8985 section 7 (tail loss probe): data is outstanding and no ACK came for two smoothed RTTs (at least
    /// 10 ms). Send one segment, new data if the windows allow, else the last one again, so the peer's ACK (with
    /// SACK) reveals a tail loss without waiting for the RTO.
    /// </summary>
    private void OnProbeTimeout()
    {
        if (_sndUna == _sndMax || _inRecovery || _probeSent || !_sackOk
            || State is not (TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck))
        {
            return;
        }
        _probeSent = true;
        uint end = SendBufferEnd;
        uint sentBefore = _sndMax;
        if (LessThan(_sndNxt, end) && _sndWnd > (int)(_sndNxt - _sndUna))
        {
            _forceOneSegment = true;
            Output();
            if (sentBefore != _sndMax) return;
        }
        uint dataEnd = Min(_sndMax, end);
        int length = Math.Min(MaxPayload, (int)(dataEnd - _sndUna));
        if (length <= 0) return;
        SendData(dataEnd - (uint)length, ref length, fin: false);
    }

    /// <summary>Arms the tail loss probe after new data went out or an ACK left data outstanding.</summary>
    private void ArmProbe()
    {
        if (!_sackOk || _inRecovery || _probeSent || _sndUna == _sndMax || !_options.TailLossProbes) return;
        long timeout = Math.Max(2 * _rtt.SmoothedRtt, 10_000_000);
        long deadline = Now + timeout;
        if (_rtoDeadline != 0 && deadline >= _rtoDeadline) return;
        _probeDeadline = deadline;
        ArmTimer();
    }

    /// <summary>The persist timer (RFC 9293 3.8.6.1): send what a small window allows, or a probe that makes the peer re-announce its window.</summary>
    private void OnPersist()
    {
        if (State is not (TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.LastAck or TcpState.Closing)) return;
        _persistBackoff++;
        if (_sndWnd > 0)
        {
            _forceOneSegment = true;
            Output();
            return;
        }
        // Linux's zero-window probe: an old sequence number, no data; the peer answers with an ACK carrying its window.
        SendSegment(_sndUna - 1, 0, Wire.Tcp.TcpFlags.Ack);
        _persistDeadline = Now + PersistInterval;
    }

    private void ArmKeepalive()
    {
        if (_keepAlive && State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.FinWait2)
        {
            _keepaliveDeadline = _lastReceiveTime + Nanoseconds(_options.KeepAliveIdle);
            ArmTimer();
        }
        else _keepaliveDeadline = 0;
    }

    /// <summary>RFC 1122 4.2.3.6: after the idle time a probe (SND.UNA - 1, no data) every interval; count unanswered ones end the connection.</summary>
    private void OnKeepalive(long now)
    {
        if (!_keepAlive || State is not (TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.FinWait2)) return;
        long idleUntil = _lastReceiveTime + Nanoseconds(_options.KeepAliveIdle);
        if (_keepaliveProbes == 0 && now < idleUntil)
        {
            _keepaliveDeadline = idleUntil;
            return;
        }
        if (_keepaliveProbes >= _options.KeepAliveCount)
        {
            _sockets.Counters.KeepaliveTimeouts++;
            SendResetNow();
            Finish(TcpError.KeepaliveTimedOut);
            return;
        }
        if (_sndUna == _sndMax) SendSegment(_sndUna - 1, 0, Wire.Tcp.TcpFlags.Ack);
        _keepaliveProbes++;
        _keepaliveDeadline = now + Nanoseconds(_options.KeepAliveInterval);
    }

    /// <summary>
    /// A FIN_WAIT_2 connection nobody holds would wait forever for a peer that never closes: like Linux
    /// (tcp_fin_timeout, 60 s) it is dropped after 2 MSL. The TIME_WAIT deadline serves, as Linux's timewait timer does.
    /// </summary>
    private void ArmOrphanTimeout()
    {
        if (State != TcpState.FinWait2 || !_released || _timeWaitDeadline != 0) return;
        ArmTimeWait();
    }

    /// <summary>The 2 MSL wait of TIME_WAIT (RFC 9293 section 3.6), also the orphaned FIN_WAIT_2's limit.</summary>
    private void ArmTimeWait()
    {
        _timeWaitDeadline = Now + 2 * Nanoseconds(_options.MaximumSegmentLifetime);
        ArmTimer();
    }

    private void ScheduleDelayedAck()
    {
        if (_delayedAckDeadline != 0) return;
        _delayedAckDeadline = Now + Nanoseconds(_options.DelayedAckTimeout);
        ArmTimer();
    }
}
