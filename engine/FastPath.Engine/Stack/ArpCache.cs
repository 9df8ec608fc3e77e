using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>
/// IPv4 to MAC translations learned by ARP, bounded. Entries expire a fixed time after they were last
/// learned or confirmed. When full, a clock hand picks the entry to replace, skipping the gateway's: a flood
/// of new senders can churn the rest of the table but never cuts the host off its default route. Preallocated
/// (the dictionary is created with its final capacity, so adding and removing allocate nothing).
/// </summary>
internal sealed class ArpCache
{
    private readonly Dictionary<uint, int> _index;
    private readonly uint[] _addresses;
    private readonly MacAddress[] _macs;
    private readonly long[] _expiries;
    private readonly int[] _free;
    private readonly long _lifetimeNanoseconds;
    private int _freeCount;
    private int _hand;

    public ArpCache(int capacity, long lifetimeNanoseconds)
    {
        _index = new Dictionary<uint, int>(capacity);
        _addresses = new uint[capacity];
        _macs = new MacAddress[capacity];
        _expiries = new long[capacity];
        _free = new int[capacity];
        for (int i = 0; i < capacity; i++) _free[i] = capacity - 1 - i;
        _freeCount = capacity;
        _lifetimeNanoseconds = lifetimeNanoseconds;
    }

    /// <summary>The address whose entry is never replaced to make room (the gateway), or 0.</summary>
    public uint Protected { get; set; }

    public int Count => _index.Count;

    public int Capacity => _addresses.Length;

    /// <summary>The MAC for <paramref name="address"/> if an entry exists and has not expired (an expired one is removed).</summary>
    public bool TryGet(Ipv4Address address, long now, out MacAddress mac)
    {
        if (_index.TryGetValue(address.Value, out int slot))
        {
            if (_expiries[slot] > now)
            {
                mac = _macs[slot];
                return true;
            }
            Release(slot);
        }
        mac = default;
        return false;
    }

    public bool Contains(Ipv4Address address) => _index.ContainsKey(address.Value);

    /// <summary>Adds or refreshes an entry, replacing another when the table is full.</summary>
    public void Set(Ipv4Address address, MacAddress mac, long now)
    {
        if (!_index.TryGetValue(address.Value, out int slot))
        {
            slot = _freeCount > 0 ? _free[--_freeCount] : Evict();
            _index.Add(address.Value, slot);
            _addresses[slot] = address.Value;
        }
        _macs[slot] = mac;
        _expiries[slot] = now + _lifetimeNanoseconds;
    }

    /// <summary>Refreshes an existing entry only (RFC 826's merge step for ARP packets not aimed at us); false if none.</summary>
    public bool TryUpdate(Ipv4Address address, MacAddress mac, long now)
    {
        if (!_index.TryGetValue(address.Value, out int slot)) return false;
        _macs[slot] = mac;
        _expiries[slot] = now + _lifetimeNanoseconds;
        return true;
    }

    public void Remove(Ipv4Address address)
    {
        if (_index.TryGetValue(address.Value, out int slot)) Release(slot);
    }

    private int Evict()
    {
        // Full, so every slot is used; the protected address holds at most one of them (capacity is at least 2).
        while (true)
        {
            int slot = _hand;
            _hand = (_hand + 1) % _addresses.Length;
            if (_addresses[slot] == Protected && Protected != 0) continue;
            _index.Remove(_addresses[slot]);
            return slot;
        }
    }

    private void Release(int slot)
    {
        _index.Remove(_addresses[slot]);
        _free[_freeCount++] = slot;
    }
}
