using FastPath.Engine.Memory;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>
/// A UDP port bound on one worker's stack. Datagrams arrive either through the handler given to
/// <see cref="UdpSockets.Bind(ushort, UdpReceiveHandler, Ipv4Address)"/> (zero copy, during the receive) or
/// into a bounded queue that the application polls with <see cref="TryReceive"/>. Use it on the worker's
/// thread only (in the handler, or in the worker application's Receive/Poll).
/// </summary>
public sealed class UdpSocket : IDisposable
{
    private readonly UdpSockets _owner;
    private readonly UdpReceived[]? _queue;
    private int _head;
    private int _count;

    internal UdpSocket(UdpSockets owner, ushort port, Ipv4Address group, UdpReceiveHandler? handler, int queueCapacity)
    {
        _owner = owner;
        LocalPort = port;
        Group = group;
        Handler = handler;
        if (handler is null) _queue = new UdpReceived[queueCapacity];
    }

    public ushort LocalPort { get; }

    /// <summary>The group this socket is restricted to (it joined it at bind), or 0.0.0.0 for any destination.</summary>
    public Ipv4Address Group { get; }

    /// <summary>False once disposed.</summary>
    public bool IsBound { get; private set; } = true;

    /// <summary>Datagrams delivered to the socket.</summary>
    public long Received { get; internal set; }

    /// <summary>Datagrams lost because the queue was full (the stack also counts them as socket_queue_full).</summary>
    public long Dropped { get; internal set; }

    /// <summary>Datagrams handed to IPv4 for sending.</summary>
    public long Sent { get; internal set; }

    /// <summary>Datagrams waiting in the queue of a polling socket (0 for a handler socket).</summary>
    public int QueuedCount => _count;

    /// <summary>Queue capacity of a polling socket (0 for a handler socket).</summary>
    public int QueueCapacity => _queue?.Length ?? 0;

    internal UdpReceiveHandler? Handler { get; }

    /// <summary>
    /// Sends <paramref name="payload"/> from this port to <paramref name="to"/> (copied into a new frame; fragmented
    /// beyond the MTU). True once handed to IPv4, which may still wait for ARP; false when it could not be
    /// built (no free frame, no route, too large), counted in the stack's drops.
    /// </summary>
    public bool SendTo(ReadOnlySpan<byte> payload, UdpEndpoint to)
    {
        ThrowIfClosed();
        return _owner.Send(this, payload, to);
    }

    /// <summary>Takes the oldest queued datagram; false when the queue is empty (or this is a handler socket).</summary>
    public bool TryReceive(out UdpReceived received)
    {
        if (_count == 0)
        {
            received = default;
            return false;
        }
        received = _queue![_head];
        _queue[_head] = default;
        _head = _head + 1 == _queue.Length ? 0 : _head + 1;
        _count--;
        return true;
    }

    /// <summary>The payload of a received datagram, writable in place (to reply with <see cref="SendReceived"/>).</summary>
    public Span<byte> GetPayload(in UdpReceived received) => _owner.Stack.Bytes(received.Packet);

    /// <summary>Gives a received datagram's frame back to the pool. Call it exactly once per datagram not sent on.</summary>
    public void Release(in UdpReceived received) => _owner.Stack.Context.Pool.Free(received.Packet);

    /// <summary>
    /// Sends a received datagram's payload (as it is now, possibly rewritten through <see cref="GetPayload"/>) to
    /// <paramref name="to"/> from this port, in the same frame: no copy. The datagram is consumed either way.
    /// </summary>
    public bool SendReceived(in UdpReceived received, UdpEndpoint to)
    {
        ThrowIfClosed();
        return _owner.SendInPlace(this, received.Packet, to);
    }

    /// <summary>Unbinds the port, frees queued datagrams and leaves the socket's group.</summary>
    public void Dispose()
    {
        if (!IsBound) return;
        IsBound = false;
        while (TryReceive(out UdpReceived received)) Release(received);
        _owner.Unbind(this);
    }

    internal bool TryEnqueue(in Packet packet, UdpEndpoint from, Ipv4Address to)
    {
        if (_count == _queue!.Length) return false;
        int tail = _head + _count;
        if (tail >= _queue.Length) tail -= _queue.Length;
        _queue[tail] = new UdpReceived(packet, from, to);
        _count++;
        return true;
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(!IsBound, this);
}
