using static FastPath.Engine.Tcp.TcpSequence;

namespace FastPath.Engine.Tcp;

public sealed partial class TcpConnection
{
    /// <summary>Active open (RFC 9293 3.5): SYN-SENT, our SYN out now.</summary>
    internal void OpenActive(uint iss)
    {
        _iss = iss;
        _sndUna = iss;
        _sndNxt = iss;
        _sndMax = iss;
        _bufferSeq = iss + 1;
        State = TcpState.SynSent;
        SendSyn();
    }

    /// <summary>Passive open: a listener's SYN makes a SYN-RECEIVED connection that answers with SYN-ACK.</summary>
    internal void OpenPassive(ref TcpSegment syn, uint iss)
    {
        _irs = syn.Sequence;
        _rcvNxt = _irs + 1;
        _readSeq = _rcvNxt;
        _lastAdvertisedEdge = _rcvNxt;
        ApplySynOptions(ref syn, ourOptionsSent: true);
        _iss = iss;
        _sndUna = iss;
        _sndNxt = iss;
        _sndMax = iss;
        _bufferSeq = iss + 1;
        _sndWnd = syn.Window;
        _maxSndWnd = _sndWnd;
        _sndWl1 = syn.Sequence;
        State = TcpState.SynReceived;
        Listener!.HalfOpen++;
        _halfOpenCounted = true;
        _lastReceiveTime = Now;
        SendSyn();
    }

    /// <summary>
    /// A handshake ACK whose cookie validated: the SYN-RECEIVED state the cookie stood in for is rebuilt (ISS is the
    /// cookie, the MSS and options came back in it), then the ACK is processed as if the connection had waited for it.
    /// </summary>
    internal void OpenFromCookie(ref TcpSegment ack, uint iss, int mss, byte? windowScale, bool sackPermitted, bool timestamps)
    {
        _irs = ack.Sequence - 1;
        _rcvNxt = ack.Sequence;
        _readSeq = _rcvNxt;
        _iss = iss;
        _sndUna = iss;
        _sndNxt = iss + 1;
        _sndMax = iss + 1;
        _bufferSeq = iss + 1;
        _peerMss = Math.Min(mss, _sockets.OurMss);
        _windowScaleOk = _options.WindowScaling && windowScale.HasValue;
        _sndShift = _windowScaleOk ? windowScale!.Value : 0;
        _rcvShift = _windowScaleOk ? OurWindowShift : 0;
        _sackOk = _options.SelectiveAcknowledgements && sackPermitted;
        _timestampsOk = _options.Timestamps && timestamps;
        if (_timestampsOk) _tsRecent = ack.TimestampValue;
        // What the SYN-ACK announced: the unscaled window (a SYN-ACK's window is never scaled).
        _lastAdvertisedEdge = _rcvNxt + (uint)Math.Min(_receiveBuffer.Window, ushort.MaxValue);
        _sndWl1 = ack.Sequence - 1;
        State = TcpState.SynReceived;
        _lastReceiveTime = Now;
        if (!Input(ref ack) && State != TcpState.Closed) Finish(TcpError.None, notify: false);
        if (State == TcpState.SynReceived && LessOrEqual(_sndUna, _iss)) Finish(TcpError.None, notify: false);
    }
}
