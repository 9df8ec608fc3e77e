using System.Buffers.Binary;
using FastPath.Engine.Memory;
using FastPath.Engine.Runtime;
using FastPath.Wire.Checksums;

namespace FastPath.Engine.Stack;

/// <summary>
/// Rebuilds fragmented IPv4 datagrams (RFC 791 section 3.2, RFC 815), keyed by source, destination,
/// protocol and identification. Each datagram in progress has a buffer made once with the stack (the largest
/// datagram fits) and a bitmap of the 8-byte units received, so fragments may come in any order, duplicated,
/// or overlapping: overlapping bytes must agree, or the datagram is dropped (the reasoning of RFC 5722, and
/// Linux's since 2018: overlaps that disagree are an attack on whoever inspects the fragments, never a network's
/// doing). Bounded by the number of datagrams and by the bytes held (each fragment is charged its payload and
/// a fixed overhead, so a flood of tiny fragments is bounded too); the oldest datagram is evicted to make room.
/// Fragment frames are freed as soon as they are copied.
/// </summary>
internal sealed class Ipv4Reassembler : ITimerHandler
{
    /// <summary>Charged per fragment on top of its payload, like a kernel's per-skb truesize.</summary>
    internal const int FragmentOverhead = 64;

    private const int HeaderArea = 60;
    private const int MaximumPayload = 65535 - 20;
    private const int Units = (MaximumPayload + 7) / 8;

    private readonly NetworkStack _stack;
    private readonly long _timeoutNanoseconds;
    private readonly int _memoryLimit;
    private readonly Slot[] _slots;
    private int _heldBytes;

    public Ipv4Reassembler(NetworkStack stack, int maxDatagrams, int memoryLimit, long timeoutNanoseconds)
    {
        _stack = stack;
        _memoryLimit = memoryLimit;
        _timeoutNanoseconds = timeoutNanoseconds;
        _slots = new Slot[maxDatagrams];
        for (int i = 0; i < maxDatagrams; i++) _slots[i] = new Slot();
    }

    /// <summary>Datagrams in progress.</summary>
    public int Active
    {
        get
        {
            int active = 0;
            foreach (Slot slot in _slots) active += slot.InUse ? 1 : 0;
            return active;
        }
    }

    /// <summary>Bytes charged to the datagrams in progress.</summary>
    public int HeldBytes => _heldBytes;

    /// <summary>Takes one fragment (its datagram span, to the total length). The frame is freed either way.</summary>
    public void Receive(in Packet packet, Span<byte> fragment, int headerLength, Delivery delivery)
    {
        _stack.Counters.FragmentsReceived++;
        ushort flagsAndOffset = BinaryPrimitives.ReadUInt16BigEndian(fragment[6..]);
        int offset = (flagsAndOffset & 0x1FFF) * 8;
        bool more = (flagsAndOffset & 0x2000) != 0;
        Span<byte> payload = fragment[headerLength..];
        int length = payload.Length;
        // Every fragment but the last carries a multiple of 8 bytes (RFC 791), and none ends past 65535 bytes.
        if ((more && (length == 0 || (length & 7) != 0)) || offset + length > MaximumPayload)
        {
            _stack.Drop(packet, StackDropReason.FragmentInvalid);
            return;
        }
        if (_slots.Length == 0)
        {
            _stack.Drop(packet, StackDropReason.ReassemblyOverflow);
            return;
        }
        uint source = BinaryPrimitives.ReadUInt32BigEndian(fragment[12..]);
        uint destination = BinaryPrimitives.ReadUInt32BigEndian(fragment[16..]);
        ushort identification = BinaryPrimitives.ReadUInt16BigEndian(fragment[4..]);
        byte protocol = fragment[9];
        Slot? slot = Find(source, destination, identification, protocol) ?? Open(source, destination, identification, protocol, delivery);
        if (slot is null)
        {
            _stack.Drop(packet, StackDropReason.ReassemblyOverflow);
            return;
        }

        int charge = length + FragmentOverhead;
        while (_heldBytes + charge > _memoryLimit)
        {
            Slot? oldest = Oldest(except: slot);
            if (oldest is null)
            {
                // This datagram alone exceeds the bound.
                Abandon(slot, StackDropReason.ReassemblyOverflow);
                _stack.Context.Pool.Free(packet);
                return;
            }
            Abandon(oldest, StackDropReason.ReassemblyOverflow);
        }

        int end = offset + length;
        if (!more)
        {
            if ((slot.Total >= 0 && slot.Total != end) || slot.HasUnitsFrom((end + 7) / 8))
            {
                Abandon(slot, StackDropReason.FragmentInvalid);
                _stack.Context.Pool.Free(packet);
                return;
            }
            slot.Total = end;
        }
        else if (slot.Total >= 0 && end > slot.Total)
        {
            Abandon(slot, StackDropReason.FragmentInvalid);
            _stack.Context.Pool.Free(packet);
            return;
        }

        Span<byte> data = slot.Buffer.AsSpan(HeaderArea);
        int firstUnit = offset / 8;
        int endUnit = (end + 7) / 8;
        bool overlapped = false;
        for (int unit = firstUnit; unit < endUnit; unit++)
        {
            if (!slot.Has(unit)) continue;
            overlapped = true;
            int from = unit * 8, to = Math.Min(unit * 8 + 8, end);
            if (slot.Total >= 0) to = Math.Min(to, slot.Total);
            if (!data[from..to].SequenceEqual(payload[(from - offset)..(to - offset)]))
            {
                Abandon(slot, StackDropReason.FragmentOverlap);
                _stack.Context.Pool.Free(packet);
                return;
            }
        }
        if (overlapped) _stack.Counters.FragmentsOverlapping++;
        payload.CopyTo(data[offset..]);
        for (int unit = firstUnit; unit < endUnit; unit++)
        {
            if (slot.Set(unit)) slot.ReceivedUnits++;
        }
        if (offset == 0 && slot.HeaderLength == 0)
        {
            fragment[..headerLength].CopyTo(slot.Buffer.AsSpan(HeaderArea - headerLength));
            slot.HeaderLength = headerLength;
        }
        slot.Charged += charge;
        _heldBytes += charge;
        _stack.Context.Pool.Free(packet);

        if (slot.Total >= 0 && slot.HeaderLength != 0 && slot.ReceivedUnits == (slot.Total + 7) / 8) Complete(slot);
    }

    /// <summary>Frees every datagram in progress (shutdown).</summary>
    public void Clear()
    {
        foreach (Slot slot in _slots)
        {
            if (slot.InUse) Release(slot);
        }
    }

    void ITimerHandler.OnTimer(long cookie, long nowNanoseconds)
    {
        Slot slot = _slots[(int)(cookie & 0xFFFF)];
        if (!slot.InUse || slot.Generation != (int)(cookie >> 32)) return;
        slot.Timer = default;
        // RFC 792/1122 section 3.3.2: time exceeded (reassembly), only if the first fragment arrived (it is quoted).
        if (slot.HeaderLength != 0 && slot.Delivery == Delivery.Unicast)
        {
            int quoted = Math.Min(slot.HeaderLength + 8, slot.HeaderLength + ContiguousFromStart(slot));
            _stack.SendTimeExceededReassembly(slot.Buffer.AsSpan(HeaderArea - slot.HeaderLength, quoted));
        }
        Abandon(slot, StackDropReason.FragmentTimeout);
    }

    private void Complete(Slot slot)
    {
        int headerLength = slot.HeaderLength;
        Span<byte> datagram = slot.Buffer.AsSpan(HeaderArea - headerLength, headerLength + slot.Total);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[2..], (ushort)datagram.Length);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[6..], 0);
        datagram[10] = 0;
        datagram[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(datagram[10..], InternetChecksum.Compute(datagram[..headerLength]));
        _stack.Counters.Reassembled++;
        Delivery delivery = slot.Delivery;
        // Released after delivery: the protocols read the buffer synchronously, and nothing reuses the slot meanwhile.
        try
        {
            _stack.DeliverDatagram(default, false, datagram, headerLength, delivery);
        }
        finally
        {
            Release(slot);
        }
    }

    private static int ContiguousFromStart(Slot slot)
    {
        int unit = 0;
        while (unit < Units && slot.Has(unit)) unit++;
        return unit * 8;
    }

    private Slot? Find(uint source, uint destination, ushort identification, byte protocol)
    {
        foreach (Slot slot in _slots)
        {
            if (slot.InUse && slot.Source == source && slot.Destination == destination && slot.Identification == identification && slot.Protocol == protocol)
                return slot;
        }
        return null;
    }

    private Slot? Open(uint source, uint destination, ushort identification, byte protocol, Delivery delivery)
    {
        Slot? slot = null;
        foreach (Slot candidate in _slots)
        {
            if (!candidate.InUse)
            {
                slot = candidate;
                break;
            }
        }
        if (slot is null)
        {
            slot = Oldest(except: null)!;
            Abandon(slot, StackDropReason.ReassemblyOverflow);
        }
        slot.InUse = true;
        slot.Source = source;
        slot.Destination = destination;
        slot.Identification = identification;
        slot.Protocol = protocol;
        slot.Delivery = delivery;
        slot.Total = -1;
        slot.HeaderLength = 0;
        slot.ReceivedUnits = 0;
        slot.Charged = 0;
        slot.Generation++;
        slot.Started = _stack.Now;
        int index = Array.IndexOf(_slots, slot);
        slot.Timer = _stack.Context.Timers.Schedule(slot.Started + _timeoutNanoseconds, this, (long)slot.Generation << 32 | (uint)index);
        if (!slot.Timer.IsValid)
        {
            // No timer, no timeout: refuse rather than hold memory that nothing would free.
            Release(slot);
            return null;
        }
        return slot;
    }

    private Slot? Oldest(Slot? except)
    {
        Slot? oldest = null;
        foreach (Slot slot in _slots)
        {
            if (slot.InUse && slot != except && (oldest is null || slot.Started < oldest.Started)) oldest = slot;
        }
        return oldest;
    }

    private void Abandon(Slot slot, StackDropReason reason)
    {
        _stack.CountDrop(reason);
        Release(slot);
    }

    private void Release(Slot slot)
    {
        _stack.Context.Timers.Cancel(slot.Timer);
        slot.Timer = default;
        _heldBytes -= slot.Charged;
        slot.Charged = 0;
        slot.ClearUnits();
        slot.InUse = false;
        slot.Generation++;
    }

    private sealed class Slot
    {
        public readonly byte[] Buffer = new byte[HeaderArea + MaximumPayload];
        private readonly ulong[] _units = new ulong[(Units + 63) / 64];
        private int _highestWord = -1;
        public bool InUse;
        public uint Source;
        public uint Destination;
        public ushort Identification;
        public byte Protocol;
        public Delivery Delivery;
        public int Total;
        public int HeaderLength;
        public int ReceivedUnits;
        public int Charged;
        public int Generation;
        public long Started;
        public TimerHandle Timer;

        public bool Has(int unit) => (_units[unit >> 6] & (1UL << unit)) != 0;

        /// <summary>Sets the unit's bit; true if it was clear.</summary>
        public bool Set(int unit)
        {
            ulong bit = 1UL << unit;
            ref ulong word = ref _units[unit >> 6];
            if ((word & bit) != 0) return false;
            word |= bit;
            _highestWord = Math.Max(_highestWord, unit >> 6);
            return true;
        }

        /// <summary>True if any unit at or after <paramref name="unit"/> is set (data past a last fragment's end).</summary>
        public bool HasUnitsFrom(int unit)
        {
            for (int word = unit >> 6; word <= _highestWord; word++)
            {
                ulong bits = _units[word];
                if (word == unit >> 6) bits &= ~0UL << (unit & 63);
                if (bits != 0) return true;
            }
            return false;
        }

        public void ClearUnits()
        {
            if (_highestWord >= 0) Array.Clear(_units, 0, _highestWord + 1);
            _highestWord = -1;
        }
    }
}
