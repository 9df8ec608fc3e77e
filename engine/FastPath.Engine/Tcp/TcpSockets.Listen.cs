using System.Buffers.Binary;
using FastPath.Engine.Memory;
using FastPath.Engine.Stack;
using FastPath.Wire.Tcp;

namespace FastPath.Engine.Tcp;

public sealed partial class TcpSockets
{
    private readonly IsnGenerator _isn = new();
    private readonly SynCookies _cookies = new();
    private TokenBucket? _challengeAcks;
    private int _ourMss;

    /// <summary>Our MSS: configured, else MTU - 40, and never more than a frame holds after the headers.</summary>
    internal int OurMss
    {
        get
        {
            if (_ourMss == 0)
            {
                int mss = _options.MaximumSegmentSize != 0 ? _options.MaximumSegmentSize : _stack.Mtu - 40;
                _ourMss = Math.Min(mss, Math.Min(_stack.Mtu - 40, _stack.FrameCapacity - TcpPacket.MaximumHeaderLength));
            }
            return _ourMss;
        }
    }

    internal uint NextIsn(uint remote, ushort remotePort, ushort localPort) => _isn.Next(LocalAddress, localPort, remote, remotePort, Now);

    /// <summary>RFC 5961 section 7: at most 1000 challenge ACKs per second stack-wide (Linux tcp_challenge_ack_limit).</summary>
    internal bool TryTakeChallengeAck()
    {
        _challengeAcks ??= new TokenBucket(1000, 1000, Now);
        return _challengeAcks.TryTake(Now);
    }

    /// <summary>RFC 9293 section 3.10.7.2: LISTEN. A SYN starts a handshake (or gets a SYN cookie); an ACK may carry a cookie.</summary>
    private void ListenInput(TcpListener listener, uint source, ref TcpSegment segment)
    {
        if (segment.Rst)
        {
            _stack.CountDrop(StackDropReason.TcpInvalidSegment);
            return;
        }
        if (segment.Ack)
        {
            if (!segment.Syn && _options.SynCookies && TryOpenFromCookie(listener, source, ref segment)) return;
            _stack.CountDrop(StackDropReason.TcpInvalidSegment);
            SendReset(source, segment.SourcePort, segment.DestinationPort, segment.Acknowledgment, 0, withAck: false);
            return;
        }
        if (!segment.Syn)
        {
            _stack.CountDrop(StackDropReason.TcpInvalidSegment);
            return;
        }
        if (listener.AcceptQueueFull || _table.IsFull)
        {
            _counters.ListenOverflows++;
            _counters.ListenDrops++;
            _stack.CountDrop(StackDropReason.TcpListenOverflow);
            return;
        }
        if (listener.HalfOpen >= _options.SynBacklog)
        {
            if (_options.SynCookies)
            {
                SendCookieSynAck(source, ref segment);
                return;
            }
            _counters.ListenDrops++;
            _stack.CountDrop(StackDropReason.TcpListenOverflow);
            return;
        }
        TcpConnection connection = _pool.Get();
        connection.Initialize(source, segment.SourcePort, segment.DestinationPort, listener);
        _table.TryAdd(connection.Key, connection);
        _counters.PassiveOpens++;
        connection.OpenPassive(ref segment, NextIsn(source, segment.SourcePort, segment.DestinationPort));
    }

    private bool TryOpenFromCookie(TcpListener listener, uint source, ref TcpSegment segment)
    {
        uint cookie = segment.Acknowledgment - 1;
        uint peerIsn = segment.Sequence - 1;
        if (!_cookies.TryValidate(LocalAddress, segment.DestinationPort, source, segment.SourcePort, peerIsn, cookie, Now, out int mss))
        {
            _counters.SynCookiesRejected++;
            return false;
        }
        if (listener.AcceptQueueFull || _table.IsFull)
        {
            _counters.ListenOverflows++;
            _stack.CountDrop(StackDropReason.TcpListenOverflow);
            return true;
        }
        byte? windowScale = null;
        bool sackPermitted = false;
        bool timestamps = segment.HasTimestamps && _options.Timestamps
            && _cookies.TryDecodeTimestampOptions(segment.TimestampEcho, out windowScale, out sackPermitted);
        if (!timestamps)
        {
            windowScale = null;
            sackPermitted = false;
        }
        _counters.SynCookiesAccepted++;
        _counters.PassiveOpens++;
        TcpConnection connection = _pool.Get();
        connection.Initialize(source, segment.SourcePort, segment.DestinationPort, listener);
        _table.TryAdd(connection.Key, connection);
        connection.OpenFromCookie(ref segment, cookie, mss, windowScale, sackPermitted, timestamps);
        return true;
    }

    /// <summary>
    /// The SYN backlog is full: answer statelessly (RFC 4987 3.6). The ISS is the cookie; window scale and
    /// SACK-permitted ride in our TSval's low bits when the peer uses timestamps, as Linux does (without
    /// timestamps they are not offered).
    /// </summary>
    private void SendCookieSynAck(uint source, ref TcpSegment syn)
    {
        int mss = Math.Min(syn.Mss != 0 ? syn.Mss : 536, OurMss);
        uint iss = _cookies.Create(LocalAddress, syn.DestinationPort, source, syn.SourcePort, syn.Sequence, mss, Now);
        bool timestamps = syn.HasTimestamps && _options.Timestamps;
        bool scale = timestamps && syn.WindowScale >= 0 && _options.WindowScaling;
        bool sack = timestamps && syn.SackPermitted && _options.SelectiveAcknowledgements;
        uint tsval = timestamps
            ? _cookies.EncodeTimestampOptions(TimestampNow, scale ? (byte)syn.WindowScale : null, sack)
            : 0;
        if (!_stack.TryAllocateForTransport(out Packet packet)) return;
        Span<byte> segment = _stack.WritableBytes(packet);
        int optionsLength = WriteSynOptions(segment[TcpPacket.MinimumHeaderLength..], OurMss, sack, timestamps, tsval, syn.TimestampValue,
            scale ? OurWindowShift : -1);
        int headerLength = TcpPacket.MinimumHeaderLength + optionsLength;
        WriteHeader(segment, syn.DestinationPort, syn.SourcePort, iss, syn.Sequence + 1, TcpFlags.Syn | TcpFlags.Ack,
            (ushort)Math.Min(_options.ReceiveBufferSize, ushort.MaxValue), headerLength);
        _counters.SynCookiesSent++;
        FinishSegment(packet, segment, headerLength, source);
    }

    /// <summary>Our window scale: the smallest shift that lets the receive buffer be announced whole.</summary>
    internal int OurWindowShift
    {
        get
        {
            int shift = 0;
            while (shift < TcpRepr.MaxWindowScale && _options.ReceiveBufferSize >> shift > ushort.MaxValue) shift++;
            return shift;
        }
    }

    /// <summary>SYN options in Linux's order and padding: MSS, SACK-permitted with timestamps (or NOPs), window scale.</summary>
    internal static int WriteSynOptions(Span<byte> options, int mss, bool sackPermitted, bool timestamps, uint tsval, uint tsecr, int windowShift)
    {
        BinaryPrimitives.WriteUInt32BigEndian(options, 0x02040000u | (ushort)mss);
        int at = 4;
        if (timestamps)
        {
            BinaryPrimitives.WriteUInt32BigEndian(options[at..], sackPermitted ? 0x0402080Au : 0x0101080Au);
            BinaryPrimitives.WriteUInt32BigEndian(options[(at + 4)..], tsval);
            BinaryPrimitives.WriteUInt32BigEndian(options[(at + 8)..], tsecr);
            at += 12;
        }
        else if (sackPermitted)
        {
            BinaryPrimitives.WriteUInt32BigEndian(options[at..], 0x01010402u);
            at += 4;
        }
        if (windowShift >= 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(options[at..], 0x01030300u | (uint)windowShift);
            at += 4;
        }
        return at;
    }
}
