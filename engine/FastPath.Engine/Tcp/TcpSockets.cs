using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastPath.Engine.Memory;
using FastPath.Engine.Stack;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;
using Microsoft.Extensions.ObjectPool;

namespace FastPath.Engine.Tcp;

/// <summary>
/// The TCP of one stack (<see cref="NetworkStack.Tcp"/>): listeners, the connection table, pooled connection
/// objects and the segments that belong to no connection (RSTs to closed ports, SYN cookies). Per worker,
/// single-threaded: every call, callbacks included, happens on the worker's thread.
/// </summary>
public sealed partial class TcpSockets
{
    private readonly NetworkStack _stack;
    private readonly TcpOptions _options;
    private readonly TcpCounters _counters = new();
    private readonly TcpConnectionTable _table;
    private readonly Dictionary<ushort, TcpListener> _listeners = [];
    private readonly ObjectPool<TcpConnection> _pool;
    // Connections with something to send, flushed once per receive burst (one ACK for many segments) and per poll.
    private readonly TcpConnection[] _pendingOutput;
    private int _pendingCount;
    // Buffers of connections that ended (or wait in TIME_WAIT): the next connection takes them instead of allocating.
    private readonly Stack<TcpSendBuffer> _freeSendBuffers = new();
    private readonly Stack<TcpReceiveBuffer> _freeReceiveBuffers = new();
    private const int MaxFreeBuffers = 256;
    private bool _inReceive;
    private ushort _nextEphemeral;

    internal TcpSockets(NetworkStack stack, TcpOptions options)
    {
        _stack = stack;
        _options = options;
        _table = new TcpConnectionTable(options.MaxConnections);
        _pendingOutput = new TcpConnection[options.MaxConnections];
        _pool = new TcpConnectionPool(new ConnectionPolicy(this), Math.Min(options.MaxConnections, 1024));
        _nextEphemeral = (ushort)(options.FirstEphemeralPort + Random.Shared.Next(options.LastEphemeralPort - options.FirstEphemeralPort + 1));
    }

    internal NetworkStack Stack => _stack;

    /// <summary>Shared, always empty: what a TIME_WAIT entry holds instead of its own buffers (never written: TIME_WAIT takes no data).</summary>
    internal TcpSendBuffer EmptySendBuffer { get; } = new(1);

    internal TcpReceiveBuffer EmptyReceiveBuffer { get; } = new(1, 0);

    internal void RentBuffers(out TcpSendBuffer send, out TcpReceiveBuffer receive)
    {
        send = _freeSendBuffers.TryPop(out TcpSendBuffer? freeSend)
            ? freeSend
            : new TcpSendBuffer((int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)_options.SendBufferSize));
        receive = _freeReceiveBuffers.TryPop(out TcpReceiveBuffer? freeReceive)
            ? freeReceive
            : new TcpReceiveBuffer(_options.ReceiveBufferSize, _options.MaxOutOfOrderRanges);
    }

    internal void ReturnBuffers(TcpSendBuffer send, TcpReceiveBuffer receive)
    {
        if (_freeSendBuffers.Count >= MaxFreeBuffers) return;
        _freeSendBuffers.Push(send);
        _freeReceiveBuffers.Push(receive);
    }

    internal TcpOptions Options => _options;

    internal TcpCounters Counters => _counters;

    internal uint LocalAddress => _stack.Address.Value;

    /// <summary>Every connection in the table, TIME_WAIT included.</summary>
    public int ConnectionCount => _table.Count;

    /// <summary>A snapshot of the stack-wide TCP counters.</summary>
    public TcpCountersSnapshot GetCounters() => _counters.Snapshot(_stack.Counters);

    /// <summary>
    /// Listens on <paramref name="port"/>. With <paramref name="reuseAddress"/> the port may still have connections
    /// in TIME_WAIT (Linux SO_REUSEADDR for servers).
    /// </summary>
    /// <exception cref="InvalidOperationException">A listener has the port, or (without reuseAddress) a TIME_WAIT connection does.</exception>
    public TcpListener Listen(ushort port, bool reuseAddress = false)
    {
        ArgumentOutOfRangeException.ThrowIfZero(port);
        if (_listeners.ContainsKey(port) || (!reuseAddress && _table.AnyOnLocalPort(port, timeWaitOnly: true)))
            throw new InvalidOperationException($"TCP port {port} is already in use");
        var listener = new TcpListener(this, port, _options.AcceptBacklog);
        _listeners.Add(port, listener);
        return listener;
    }

    /// <summary>
    /// Active open to <paramref name="remote"/>:<paramref name="remotePort"/>: the SYN goes out now (ARP resolves the
    /// next hop as needed). <see cref="TcpConnection.Connected"/> says when the handshake is done.
    /// </summary>
    /// <param name="remote">The peer's address.</param>
    /// <param name="remotePort">The peer's port.</param>
    /// <param name="localPort">0 picks a free ephemeral port.</param>
    /// <exception cref="InvalidOperationException">The table is full, no port is free, or the 4-tuple is in use.</exception>
    public TcpConnection Connect(Ipv4Address remote, ushort remotePort, ushort localPort = 0)
    {
        _stack.EnsureRunning();
        ArgumentOutOfRangeException.ThrowIfZero(remotePort);
        if (remote.IsUnspecified || remote.IsMulticast || remote.IsBroadcast) throw new ArgumentException($"{remote} is not a unicast address", nameof(remote));
        if (_table.IsFull) throw new InvalidOperationException($"the TCP connection table is full ({_options.MaxConnections} connections)");
        if (localPort == 0) localPort = FreeEphemeralPort(remote.Value, remotePort);
        ulong key = TcpConnectionTable.Key(remote.Value, remotePort, localPort);
        if (_table.Find(key) is not null) throw new InvalidOperationException($"TCP {localPort} -> {remote}:{remotePort} is already in use");
        TcpConnection connection = _pool.Get();
        HoldClock();
        try
        {
            connection.Initialize(remote.Value, remotePort, localPort, null);
            _table.TryAdd(key, connection);
            _counters.ActiveOpens++;
            connection.OpenActive(NextIsn(remote.Value, remotePort, localPort));
        }
        finally
        {
            ReleaseClock();
        }
        return connection;
    }

    private ushort FreeEphemeralPort(uint remote, ushort remotePort)
    {
        int range = _options.LastEphemeralPort - _options.FirstEphemeralPort + 1;
        for (int tries = 0; tries < range; tries++)
        {
            ushort candidate = _nextEphemeral;
            _nextEphemeral = candidate >= _options.LastEphemeralPort ? _options.FirstEphemeralPort : (ushort)(candidate + 1);
            if (!_listeners.ContainsKey(candidate) && _table.Find(TcpConnectionTable.Key(remote, remotePort, candidate)) is null) return candidate;
        }
        throw new InvalidOperationException($"every ephemeral TCP port ({_options.FirstEphemeralPort}-{_options.LastEphemeralPort}) is in use towards {new Ipv4Address(remote)}:{remotePort}");
    }

    internal void RemoveListener(TcpListener listener)
    {
        if (_listeners.TryGetValue(listener.LocalPort, out TcpListener? current) && ReferenceEquals(current, listener)) _listeners.Remove(listener.LocalPort);
        if (listener.HalfOpen == 0) return;
        var connections = new TcpConnection[_table.Count];
        int count = _table.CopyTo(connections);
        for (int i = 0; i < count; i++)
        {
            if (ReferenceEquals(connections[i].Listener, listener)) connections[i].AbortUnaccepted();
        }
    }

    /// <summary>A segment addressed to us (RFC 9293 section 3.10.7: to a connection, a listener, or a closed port).</summary>
    internal void Receive(in Packet packet, bool inFrame, Span<byte> datagram, int headerLength, Delivery delivery)
    {
        Span<byte> segment = datagram[headerLength..];
        if (segment.Length < TcpPacket.MinimumHeaderLength)
        {
            _stack.DropDatagram(packet, inFrame, StackDropReason.Truncated);
            return;
        }
        int dataOffset = (segment[12] >> 4) * 4;
        if (dataOffset < TcpPacket.MinimumHeaderLength || dataOffset > segment.Length)
        {
            _stack.DropDatagram(packet, inFrame, StackDropReason.BadHeader);
            return;
        }
        // RFC 1122 section 4.2.3.10: a segment to a broadcast or group address is silently discarded.
        if (delivery != Delivery.Unicast)
        {
            _stack.DropDatagram(packet, inFrame, StackDropReason.NotForUs);
            return;
        }
        ref byte ip = ref MemoryMarshal.GetReference(datagram);
        uint source = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref ip, 12)));
        if (!InternetChecksum.IsValidWithPseudoHeader(new Ipv4Address(source), _stack.Address, IpProtocol.Tcp, segment))
        {
            _stack.DropDatagram(packet, inFrame, StackDropReason.BadChecksum);
            return;
        }
        if (!TcpSegment.TryParse(segment, dataOffset, out TcpSegment parsed))
        {
            _stack.DropDatagram(packet, inFrame, StackDropReason.BadHeader);
            return;
        }
        _counters.SegmentsReceived++;
        TcpConnection? connection = _table.Find(TcpConnectionTable.Key(source, parsed.SourcePort, parsed.DestinationPort));
        bool wasInReceive = _inReceive;
        _inReceive = true;
        try
        {
            if (connection is not null && connection.Input(ref parsed)) { }
            else if (_listeners.TryGetValue(parsed.DestinationPort, out TcpListener? listener)) ListenInput(listener, source, ref parsed);
            else ClosedInput(source, ref parsed);
        }
        finally
        {
            _inReceive = wasInReceive;
            _stack.Consumed(packet, inFrame);
        }
    }

    /// <summary>RFC 9293 section 3.10.7.1: CLOSED. A RST is never answered; anything else gets one.</summary>
    internal void ClosedInput(uint source, ref TcpSegment segment)
    {
        _stack.CountDrop(StackDropReason.NoSocket);
        if (segment.Rst) return;
        if (segment.Ack) SendReset(source, segment.SourcePort, segment.DestinationPort, segment.Acknowledgment, 0, withAck: false);
        else SendReset(source, segment.SourcePort, segment.DestinationPort, 0, segment.Sequence + (uint)segment.Length, withAck: true);
    }

    /// <summary>A bare RST (or RST+ACK), not tied to a connection object.</summary>
    internal void SendReset(uint remote, ushort remotePort, ushort localPort, uint sequence, uint acknowledgment, bool withAck)
    {
        if (!_stack.TryAllocateForTransport(out Packet packet)) return;
        Span<byte> segment = _stack.WritableBytes(packet);
        WriteHeader(segment, localPort, remotePort, sequence, withAck ? acknowledgment : 0, TcpFlags.Rst | (withAck ? TcpFlags.Ack : 0), 0, TcpPacket.MinimumHeaderLength);
        _counters.ResetsSent++;
        FinishSegment(packet, segment, TcpPacket.MinimumHeaderLength, remote);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void WriteHeader(Span<byte> segment, ushort localPort, ushort remotePort, uint sequence, uint acknowledgment, TcpFlags flags,
        ushort window, int headerLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(segment, localPort);
        BinaryPrimitives.WriteUInt16BigEndian(segment[2..], remotePort);
        BinaryPrimitives.WriteUInt32BigEndian(segment[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(segment[8..], acknowledgment);
        segment[12] = (byte)(headerLength / 4 << 4);
        segment[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(segment[14..], window);
        BinaryPrimitives.WriteUInt32BigEndian(segment[16..], 0); // checksum and urgent pointer
    }

    /// <summary>Checksums the segment (software: AF_XDP has no TX offload) and hands it to IPv4.</summary>
    internal void FinishSegment(Packet packet, Span<byte> segment, int length, uint remote)
    {
        new TcpPacket(segment[..length]).FillChecksum(_stack.Address, new Ipv4Address(remote));
        packet.Length = (ushort)length;
        _counters.SegmentsSent++;
        _stack.SendIpv4(packet, new Ipv4Address(remote), IpProtocol.Tcp);
    }

    /// <summary>Asks for <paramref name="connection"/>'s output: now when called by the application, at the end of the burst when called while receiving.</summary>
    internal void RequestOutput(TcpConnection connection)
    {
        if (!_inReceive)
        {
            HoldClock();
            try
            {
                connection.Output();
            }
            finally
            {
                ReleaseClock();
            }
            return;
        }
        if (connection.OutputQueued) return;
        connection.OutputQueued = true;
        _pendingOutput[_pendingCount++] = connection;
    }

    /// <summary>Sends what the connections of this burst have pending: data, and one ACK for many segments.</summary>
    internal void Flush()
    {
        for (int i = 0; i < _pendingCount; i++)
        {
            TcpConnection connection = _pendingOutput[i];
            _pendingOutput[i] = null!;
            connection.OutputQueued = false;
            connection.Output();
        }
        _pendingCount = 0;
    }

    internal bool TryAdd(TcpConnection connection) => _table.TryAdd(connection.Key, connection);

    /// <summary>Takes a finished connection out of the table and returns it to the pool once the application let go too.</summary>
    internal void Remove(TcpConnection connection)
    {
        _table.Remove(connection.Key, connection);
    }

    internal void Return(TcpConnection connection) => _pool.Return(connection);

    /// <summary>Aborts every connection (Error = StackStopped) and closes every listener.</summary>
    internal void OnStop()
    {
        var connections = new TcpConnection[_table.Count];
        int count = _table.CopyTo(connections);
        for (int i = 0; i < count; i++) connections[i].StopByStack();
        foreach (TcpListener listener in _listeners.Values.ToArray()) listener.Dispose();
        for (int i = 0; i < _pendingCount; i++)
        {
            _pendingOutput[i].OutputQueued = false;
            _pendingOutput[i] = null!;
        }
        _pendingCount = 0;
    }

    private sealed class ConnectionPolicy(TcpSockets sockets) : PooledObjectPolicy<TcpConnection>
    {
        public override TcpConnection Create() => new(sockets);

        public override bool Return(TcpConnection obj)
        {
            obj.ResetForPool();
            return true;
        }
    }
}
