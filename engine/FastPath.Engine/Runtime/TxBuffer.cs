using FastPath.Engine.Memory;
using FastPath.Engine.Ports;

namespace FastPath.Engine.Runtime;

/// <summary>
/// A worker's outgoing packets, gathered during a loop iteration and handed to the port in one burst at its
/// end (DPDK's rte_eth_tx_buffer). What the port does not take stays, in order, for the next drain; a
/// packet that does not fit is refused and stays the caller's (it frees it and counts the drop).
/// </summary>
public sealed class TxBuffer
{
    private readonly Packet[] _packets;
    private int _count;

    public TxBuffer(int capacity = 512)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _packets = new Packet[capacity];
    }

    public int Count => _count;

    public int Capacity => _packets.Length;

    /// <summary>Packets refused because the buffer was full (the caller freed them).</summary>
    public long Refused { get; private set; }

    /// <summary>Queues <paramref name="packet"/>; false when full (the packet is still the caller's).</summary>
    public bool TryEnqueue(in Packet packet)
    {
        if (_count == _packets.Length)
        {
            Refused++;
            return false;
        }
        _packets[_count++] = packet;
        return true;
    }

    /// <summary>Transmits what the port takes, kicks it, and keeps the rest in order; returns how many were sent.</summary>
    public int Drain(IPacketPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return Drain<IPacketPort>(port);
    }

    /// <summary>The worker loop's drain: generic, so a struct port is called directly, never boxed.</summary>
    internal int Drain<TPort>(TPort port) where TPort : IPacketPort
    {
        if (_count == 0)
        {
            port.Flush();
            return 0;
        }
        int sent = port.Transmit(_packets.AsSpan(0, _count));
        if (sent < _count) _packets.AsSpan(sent, _count - sent).CopyTo(_packets);
        _count -= sent;
        port.Flush();
        return sent;
    }

    /// <summary>Frees every queued packet (shutdown).</summary>
    public void Clear(FramePool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        pool.Free(_packets.AsSpan(0, _count));
        _count = 0;
    }
}
