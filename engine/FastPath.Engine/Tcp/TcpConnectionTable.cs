using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace FastPath.Engine.Tcp;

/// <summary>
/// One worker's connections keyed by the 4-tuple (our address is the stack's, so remote address, remote port
/// and local port): open addressing with linear probing and backward-shift deletion, as <see cref="Flows.FlowTable{TValue}"/>
/// does, but keyed by one 64-bit word. The hash is multiplied with a per-table random seed so that a peer
/// cannot choose ports that pile up in one probe run. Fixed capacity, no locks, no allocation after construction.
/// </summary>
internal sealed class TcpConnectionTable
{
    private readonly ulong[] _keys;
    private readonly TcpConnection?[] _values;
    private readonly int _mask;
    private readonly int _shift;
    private readonly ulong _seed;

    public TcpConnectionTable(int capacity)
    {
        Capacity = capacity;
        // At most half full: short probe runs for misses, which every SYN and every stray segment is.
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity * 2, 4));
        _keys = new ulong[slots];
        _values = new TcpConnection?[slots];
        _mask = slots - 1;
        _shift = 64 - BitOperations.Log2((uint)slots);
        Span<byte> seed = stackalloc byte[8];
        RandomNumberGenerator.Fill(seed);
        _seed = BitConverter.ToUInt64(seed) | 1;
    }

    public int Count { get; private set; }

    public int Capacity { get; }

    public bool IsFull => Count >= Capacity;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Key(uint remoteAddress, ushort remotePort, ushort localPort) =>
        (ulong)remoteAddress << 32 | (uint)remotePort << 16 | localPort;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(ulong key) => (int)((key ^ (key >> 29)) * _seed >> _shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TcpConnection? Find(ulong key)
    {
        int slot = Home(key);
        while (true)
        {
            TcpConnection? value = _values[slot];
            if (value is null) return null;
            if (_keys[slot] == key) return value;
            slot = (slot + 1) & _mask;
        }
    }

    public bool TryAdd(ulong key, TcpConnection connection)
    {
        if (Count >= Capacity) return false;
        int slot = Home(key);
        while (_values[slot] is not null)
        {
            if (_keys[slot] == key) return false;
            slot = (slot + 1) & _mask;
        }
        _keys[slot] = key;
        _values[slot] = connection;
        Count++;
        return true;
    }

    public bool Remove(ulong key, TcpConnection connection)
    {
        int slot = Home(key);
        while (true)
        {
            TcpConnection? value = _values[slot];
            if (value is null) return false;
            if (_keys[slot] == key && ReferenceEquals(value, connection)) break;
            slot = (slot + 1) & _mask;
        }
        // Knuth's algorithm R: pull later members of the run back so no lookup stops early at the hole.
        int hole = slot;
        int next = (hole + 1) & _mask;
        while (_values[next] is not null)
        {
            int home = Home(_keys[next]);
            // The entry at next may move to the hole unless its home lies cyclically in (hole, next].
            bool stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!stays)
            {
                _keys[hole] = _keys[next];
                _values[hole] = _values[next];
                hole = next;
            }
            next = (next + 1) & _mask;
        }
        _keys[hole] = 0;
        _values[hole] = null;
        Count--;
        return true;
    }

    /// <summary>Whether any connection uses <paramref name="localPort"/> (the ephemeral port search and the SO_REUSEADDR check walk this).</summary>
    public bool AnyOnLocalPort(ushort localPort, bool timeWaitOnly)
    {
        for (int i = 0; i < _values.Length; i++)
        {
            TcpConnection? value = _values[i];
            if (value is not null && (ushort)_keys[i] == localPort && (!timeWaitOnly || value.State == TcpState.TimeWait)) return true;
        }
        return false;
    }

    /// <summary>Copies every connection into <paramref name="destination"/> (for Stop, which mutates the table while it aborts).</summary>
    public int CopyTo(TcpConnection[] destination)
    {
        int count = 0;
        foreach (TcpConnection? value in _values)
        {
            if (value is not null) destination[count++] = value;
        }
        return count;
    }
}
