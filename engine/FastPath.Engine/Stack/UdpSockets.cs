using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastPath.Engine.Memory;
using FastPath.Wire.Checksums;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>
/// The UDP binding table of one stack (<see cref="NetworkStack.Udp"/>): one socket per local port, found by
/// two array indexings (pages of 256 ports made at bind, so an idle stack does not hold 65536 slots).
/// </summary>
public sealed class UdpSockets
{
    private const int HeaderLength = 8;
    private const int PageBits = 8;
    private const ushort FirstEphemeralPort = 49152;

    private readonly NetworkStack _stack;
    private readonly UdpSocket?[]?[] _pages = new UdpSocket?[]?[1 << (16 - PageBits)];
    // A datagram too large for one frame is built here, then cut into fragments: one per stack, made once.
    private byte[]? _largeSendBuffer;
    private ushort _nextEphemeral = FirstEphemeralPort;

    internal UdpSockets(NetworkStack stack) => _stack = stack;

    internal NetworkStack Stack => _stack;

    /// <summary>
    /// Binds <paramref name="port"/> (0 picks a free port from 49152) with a handler called for each datagram,
    /// its payload in place: the zero-copy way. With a <paramref name="group"/>, the socket joins it and receives
    /// only datagrams sent to it; without, it receives unicast, broadcast and any joined group's datagrams.
    /// </summary>
    /// <exception cref="InvalidOperationException">The port is already bound.</exception>
    public UdpSocket Bind(ushort port, UdpReceiveHandler handler, Ipv4Address group = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(port, group, handler, 0);
    }

    /// <summary>
    /// Binds <paramref name="port"/> with a queue of <paramref name="queueCapacity"/> datagrams (0: the
    /// configured default) that the application drains with <see cref="UdpSocket.TryReceive"/>. A datagram
    /// arriving when the queue is full is dropped and counted; other sockets are unaffected.
    /// </summary>
    public UdpSocket Bind(ushort port, int queueCapacity = 0, Ipv4Address group = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queueCapacity);
        return Add(port, group, null, queueCapacity == 0 ? _stack.Config.UdpQueueCapacity : queueCapacity);
    }

    /// <summary>The socket bound to <paramref name="port"/>, if any.</summary>
    public bool TryGetSocket(ushort port, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out UdpSocket? socket)
    {
        socket = Find(port);
        return socket is not null;
    }

    private UdpSocket Add(ushort port, Ipv4Address group, UdpReceiveHandler? handler, int queueCapacity)
    {
        if (!group.IsUnspecified && !group.IsMulticast) throw new ArgumentException($"{group} is not a multicast group", nameof(group));
        if (port == 0) port = FreeEphemeralPort();
        if (Find(port) is not null) throw new InvalidOperationException($"UDP port {port} is already bound on this stack");
        var socket = new UdpSocket(this, port, group, handler, queueCapacity);
        (_pages[port >> PageBits] ??= new UdpSocket?[1 << PageBits])[port & ((1 << PageBits) - 1)] = socket;
        if (!group.IsUnspecified) _stack.Igmp.Join(group);
        return socket;
    }

    internal void Unbind(UdpSocket socket)
    {
        UdpSocket?[]? page = _pages[socket.LocalPort >> PageBits];
        if (page is not null && ReferenceEquals(page[socket.LocalPort & ((1 << PageBits) - 1)], socket))
            page[socket.LocalPort & ((1 << PageBits) - 1)] = null;
        if (!socket.Group.IsUnspecified) _stack.Igmp.Leave(socket.Group);
    }

    private ushort FreeEphemeralPort()
    {
        for (int tries = 0; tries < 65536 - FirstEphemeralPort; tries++)
        {
            ushort candidate = _nextEphemeral;
            _nextEphemeral = candidate == ushort.MaxValue ? FirstEphemeralPort : (ushort)(candidate + 1);
            if (Find(candidate) is null) return candidate;
        }
        throw new InvalidOperationException("every ephemeral UDP port (49152-65535) is bound");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private UdpSocket? Find(ushort port) => _pages[port >> PageBits]?[port & ((1 << PageBits) - 1)];

    internal void Receive(in Packet packet, bool inFrame, Span<byte> datagram, int headerLength, Delivery delivery)
    {
        Span<byte> message = datagram[headerLength..];
        if (message.Length < HeaderLength)
        {
            _stack.DropDatagram(packet, inFrame, StackDropReason.Truncated);
            return;
        }
        ref byte udp = ref MemoryMarshal.GetReference(message);
        int length = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref udp, 4)));
        if (length < HeaderLength || length > message.Length)
        {
            _stack.DropDatagram(packet, inFrame, StackDropReason.BadLength);
            return;
        }
        uint source = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref MemoryMarshal.GetReference(datagram), 12)));
        uint destination = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref MemoryMarshal.GetReference(datagram), 16)));
        // RFC 768: a zero checksum means the sender computed none, which IPv4 allows (RFC 1122 section 4.1.3.4).
        if (Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref udp, 6)) != 0
            && !InternetChecksum.IsValidWithPseudoHeader(new Ipv4Address(source), new Ipv4Address(destination), IpProtocol.Udp, message[..length]))
        {
            _stack.DropDatagram(packet, inFrame, StackDropReason.BadChecksum);
            return;
        }
        ushort port = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref udp, 2)));
        UdpSocket? socket = Find(port);
        if (socket is null || (socket.Group.Value != 0 && socket.Group.Value != destination))
        {
            // RFC 1122 section 4.1.3.1: port unreachable, but never about a broadcast or group datagram.
            if (delivery == Delivery.Unicast) _stack.SendDestinationUnreachable(datagram, Icmpv4UnreachableCode.PortUnreachable);
            _stack.DropDatagram(packet, inFrame, StackDropReason.NoSocket);
            return;
        }
        var from = new UdpEndpoint(new Ipv4Address(source), BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref udp)));
        Span<byte> payload = message.Slice(HeaderLength, length - HeaderLength);
        if (socket.Handler is { } handler)
        {
            socket.Received++;
            _stack.Counters.UdpReceived++;
            try
            {
                handler(socket, new UdpDatagram(payload, from, new Ipv4Address(destination), port));
            }
            finally
            {
                _stack.Consumed(packet, inFrame);
            }
            return;
        }
        Enqueue(socket, packet, inFrame, datagram, headerLength, payload.Length, from, new Ipv4Address(destination));
    }

    private void Enqueue(UdpSocket socket, Packet packet, bool inFrame, Span<byte> datagram, int headerLength, int payloadLength,
        UdpEndpoint from, Ipv4Address to)
    {
        if (socket.QueuedCount == socket.QueueCapacity)
        {
            socket.Dropped++;
            _stack.DropDatagram(packet, inFrame, StackDropReason.SocketQueueFull);
            return;
        }
        if (inFrame)
        {
            // The frame becomes the queue entry: trimmed to the payload, the headers stay behind as headroom.
            packet.TryTrimFront(NetworkStack.EthernetHeaderLength + headerLength + HeaderLength);
            packet.Length = (ushort)payloadLength;
        }
        else
        {
            // A reassembled datagram lives in a buffer the reassembler reuses: copy it into a frame if it fits one.
            if (HeaderLength + payloadLength > _stack.FrameCapacity)
            {
                socket.Dropped++;
                _stack.CountDrop(StackDropReason.DatagramTooLarge);
                return;
            }
            if (!_stack.TryAllocateForTransport(out packet)) return;
            datagram.Slice(headerLength + HeaderLength, payloadLength).CopyTo(_stack.WritableBytes(packet));
            packet.Length = (ushort)payloadLength;
        }
        socket.TryEnqueue(packet, from, to);
        socket.Received++;
        _stack.Counters.UdpReceived++;
    }

    internal bool Send(UdpSocket socket, ReadOnlySpan<byte> payload, UdpEndpoint to)
    {
        _stack.EnsureRunning();
        if (payload.Length > Ipv4Packet.MaximumLength - Ipv4Packet.MinimumHeaderLength - HeaderLength)
        {
            _stack.CountDrop(StackDropReason.DatagramTooLarge);
            return false;
        }
        if (HeaderLength + payload.Length <= _stack.FrameCapacity)
        {
            if (!_stack.TryAllocateForTransport(out Packet packet)) return false;
            payload.CopyTo(_stack.WritableBytes(packet)[HeaderLength..]);
            packet.Length = (ushort)(HeaderLength + payload.Length);
            return SendBuilt(socket, packet, to);
        }
        _largeSendBuffer ??= new byte[Ipv4Packet.MaximumLength];
        Span<byte> message = _largeSendBuffer.AsSpan(0, HeaderLength + payload.Length);
        payload.CopyTo(message[HeaderLength..]);
        WriteHeader(message, socket.LocalPort, to);
        socket.Sent++;
        _stack.Counters.UdpSent++;
        _stack.SendDatagram(message, to.Address, IpProtocol.Udp);
        return true;
    }

    internal bool SendInPlace(UdpSocket socket, Packet packet, UdpEndpoint to)
    {
        _stack.EnsureRunning();
        if (!packet.TryPrepend(HeaderLength)) throw new InvalidOperationException("the received frame lost its headroom");
        return SendBuilt(socket, packet, to);
    }

    private bool SendBuilt(UdpSocket socket, Packet packet, UdpEndpoint to)
    {
        WriteHeader(_stack.Bytes(packet), socket.LocalPort, to);
        socket.Sent++;
        _stack.Counters.UdpSent++;
        _stack.SendIpv4(packet, to.Address, IpProtocol.Udp);
        return true;
    }

    private void WriteHeader(Span<byte> message, ushort sourcePort, UdpEndpoint to)
    {
        BinaryPrimitives.WriteUInt16BigEndian(message, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], to.Port);
        BinaryPrimitives.WriteUInt16BigEndian(message[4..], (ushort)message.Length);
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], 0);
        ushort checksum = InternetChecksum.ComputeWithPseudoHeader(_stack.Address, to.Address, IpProtocol.Udp, message);
        // RFC 768: a computed zero goes out as all ones; zero on the wire means "no checksum".
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
    }

    internal void CloseAll()
    {
        foreach (UdpSocket?[]? page in _pages)
        {
            if (page is null) continue;
            foreach (UdpSocket? socket in page) socket?.Dispose();
        }
    }
}
