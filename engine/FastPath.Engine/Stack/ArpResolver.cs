using FastPath.Engine.Memory;
using FastPath.Engine.Runtime;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>
/// Next hops being resolved: per destination, a bounded queue of packets (Ethernet header written, the
/// destination MAC still zero) and the retry timer. A reply sends the queue in order; the last unanswered
/// retry drops it. Slots and queues are preallocated.
/// </summary>
internal sealed class ArpResolver : ITimerHandler
{
    private readonly NetworkStack _stack;
    private readonly Dictionary<uint, int> _index;
    private readonly uint[] _addresses;
    private readonly Packet[] _queues;
    private readonly int[] _heads;
    private readonly int[] _counts;
    private readonly int[] _requestsLeft;
    private readonly int[] _generations;
    private readonly TimerHandle[] _timers;
    private readonly int[] _free;
    private readonly int _queueLength;
    private readonly int _retries;
    private readonly long _retryNanoseconds;
    private int _freeCount;

    public ArpResolver(NetworkStack stack, int destinations, int queueLength, int retries, long retryNanoseconds)
    {
        _stack = stack;
        _index = new Dictionary<uint, int>(destinations);
        _addresses = new uint[destinations];
        _queues = new Packet[destinations * queueLength];
        _heads = new int[destinations];
        _counts = new int[destinations];
        _requestsLeft = new int[destinations];
        _generations = new int[destinations];
        _timers = new TimerHandle[destinations];
        _free = new int[destinations];
        for (int i = 0; i < destinations; i++) _free[i] = destinations - 1 - i;
        _freeCount = destinations;
        _queueLength = queueLength;
        _retries = retries;
        _retryNanoseconds = retryNanoseconds;
    }

    /// <summary>Destinations waiting for a reply now.</summary>
    public int Pending => _index.Count;

    public bool IsPending(Ipv4Address address) => _index.ContainsKey(address.Value);

    /// <summary>Frames waiting in every destination's queue (a free slot's count is zero): for frame accounting in tests.</summary>
    public int QueuedFrames
    {
        get
        {
            int frames = 0;
            foreach (int count in _counts) frames += count;
            return frames;
        }
    }

    /// <summary>Holds <paramref name="packet"/> until <paramref name="nextHop"/> resolves; asks for it if nobody has yet.</summary>
    public void Enqueue(Ipv4Address nextHop, in Packet packet)
    {
        if (!_index.TryGetValue(nextHop.Value, out int slot))
        {
            if (_freeCount == 0)
            {
                _stack.Drop(packet, StackDropReason.ArpQueueFull);
                return;
            }
            slot = _free[--_freeCount];
            _index.Add(nextHop.Value, slot);
            _addresses[slot] = nextHop.Value;
            _heads[slot] = 0;
            _counts[slot] = 0;
            _requestsLeft[slot] = _retries - 1;
            _generations[slot]++;
            _stack.SendArpRequest(nextHop);
            if (!Arm(slot))
            {
                Release(slot);
                _stack.Drop(packet, StackDropReason.NoArpEntry);
                return;
            }
        }
        int count = _counts[slot];
        int baseIndex = slot * _queueLength;
        if (count == _queueLength)
        {
            // Linux's arp_queue drops the oldest packet: the newest data is the one still worth sending.
            _stack.Drop(_queues[baseIndex + _heads[slot]], StackDropReason.ArpQueueFull);
            _heads[slot] = (_heads[slot] + 1) % _queueLength;
            count--;
        }
        _queues[baseIndex + (_heads[slot] + count) % _queueLength] = packet;
        _counts[slot] = count + 1;
    }

    /// <summary>Sends every packet waiting for <paramref name="address"/> to <paramref name="mac"/>; false if none waited.</summary>
    public bool Resolve(Ipv4Address address, MacAddress mac)
    {
        if (!_index.TryGetValue(address.Value, out int slot)) return false;
        _stack.Context.Timers.Cancel(_timers[slot]);
        int baseIndex = slot * _queueLength;
        for (int i = 0; i < _counts[slot]; i++)
        {
            Packet packet = _queues[baseIndex + (_heads[slot] + i) % _queueLength];
            mac.CopyTo(_stack.Bytes(packet));
            _stack.Transmit(packet);
        }
        Release(slot);
        return true;
    }

    void ITimerHandler.OnTimer(long cookie, long nowNanoseconds)
    {
        int slot = (int)(cookie & 0xFFFF_FFFF);
        if (_generations[slot] != (int)(cookie >> 32) || !_index.ContainsKey(_addresses[slot])) return;
        if (_requestsLeft[slot] > 0)
        {
            _requestsLeft[slot]--;
            _stack.SendArpRequest(new Ipv4Address(_addresses[slot]));
            if (Arm(slot)) return;
        }
        DropQueue(slot, StackDropReason.NoArpEntry);
        Release(slot);
    }

    /// <summary>Frees every waiting packet (shutdown), counted as unresolved.</summary>
    public void Clear()
    {
        for (int slot = 0; slot < _addresses.Length; slot++)
        {
            if (!_index.TryGetValue(_addresses[slot], out int owner) || owner != slot) continue;
            _stack.Context.Timers.Cancel(_timers[slot]);
            DropQueue(slot, StackDropReason.NoArpEntry);
            Release(slot);
        }
    }

    /// <summary>False when the timer wheel is full: the caller gives up on the destination rather than wait forever.</summary>
    private bool Arm(int slot)
    {
        long cookie = (long)_generations[slot] << 32 | (uint)slot;
        _timers[slot] = _stack.Context.Timers.Schedule(_stack.Now + _retryNanoseconds, this, cookie);
        return _timers[slot].IsValid;
    }

    private void DropQueue(int slot, StackDropReason reason)
    {
        int baseIndex = slot * _queueLength;
        for (int i = 0; i < _counts[slot]; i++) _stack.Drop(_queues[baseIndex + (_heads[slot] + i) % _queueLength], reason);
        _counts[slot] = 0;
    }

    private void Release(int slot)
    {
        _index.Remove(_addresses[slot]);
        _counts[slot] = 0;
        _timers[slot] = default;
        _free[_freeCount++] = slot;
    }
}
