using System.Buffers.Binary;

namespace FastPath.Fuzz.Tests.Mutation;

/// <summary>
/// Structure-aware mutations of one frame: each finds the headers of the frame as it stands
/// (<see cref="FrameLayout"/>) and aims at them, so that mutants reach past the first length check. A
/// mutant gets one to four mutations, then, for a share of them, its IPv4 total length fitted to the frame
/// and its checksums fixed (otherwise the stack would drop nearly all of them at the checksum).
/// </summary>
internal sealed class Mutator(Random random, IReadOnlyList<byte[]> seeds)
{
    private static readonly byte[] InterestingBytes = [0, 1, 2, 3, 4, 5, 7, 8, 0x0F, 0x10, 0x3F, 0x40, 0x7F, 0x80, 0xFE, 0xFF];
    private static readonly byte[] IpOptionKinds = [0, 1, 7, 68, 148, 131, 137, 130, 25, 0x44];
    private static readonly byte[] TcpOptionKinds = [0, 1, 2, 3, 4, 5, 8, 30, 34, 254];

    private readonly Random _random = random;

    /// <summary>The kinds of mutation, for the statistics.</summary>
    public static readonly string[] Names =
    [
        "bit_flips", "byte_sets", "truncation", "extension", "length_field", "ihl", "tcp_data_offset", "ip_options", "tcp_options",
        "splice", "vlan", "field_word", "type_swap", "fragment_bits",
    ];

    public long[] Counts { get; } = new long[Names.Length];

    /// <summary>Mutates <paramref name="mutant"/> in place.</summary>
    public void Mutate(Mutant mutant)
    {
        int mutations = 1 + (_random.Next(8) switch { < 4 => 0, < 6 => 1, 6 => 2, _ => 3 });
        for (int i = 0; i < mutations; i++)
        {
            int kind = _random.Next(Names.Length);
            Counts[kind]++;
            Apply(kind, mutant);
        }
        if (_random.Next(3) == 0) Checksums.FitTotalLength(mutant.Bytes);
        if (_random.Next(3) != 0) Checksums.Fix(mutant.Bytes);
    }

    private void Apply(int kind, Mutant mutant)
    {
        switch (kind)
        {
            case 0: FlipBits(mutant); break;
            case 1: SetBytes(mutant); break;
            case 2: mutant.Length = _random.Next(mutant.Length + 1); break;
            case 3: Extend(mutant); break;
            case 4: LengthField(mutant); break;
            case 5: HeaderLength(mutant); break;
            case 6: TcpDataOffset(mutant); break;
            case 7: IpOptions(mutant); break;
            case 8: TcpOptions(mutant); break;
            case 9: Splice(mutant); break;
            case 10: Vlan(mutant); break;
            case 11: FieldWord(mutant); break;
            case 12: TypeSwap(mutant); break;
            default: FragmentBits(mutant); break;
        }
    }

    /// <summary>A position, most often inside the headers (the first 80 bytes) where the parsers look.</summary>
    private int Position(int length) => length == 0 ? 0 : _random.Next(4) != 0 ? _random.Next(Math.Min(length, 80)) : _random.Next(length);

    private void FlipBits(Mutant mutant)
    {
        if (mutant.Length == 0) return;
        int bits = 1 + _random.Next(8);
        for (int i = 0; i < bits; i++) mutant.Buffer[Position(mutant.Length)] ^= (byte)(1 << _random.Next(8));
    }

    private void SetBytes(Mutant mutant)
    {
        if (mutant.Length == 0) return;
        int count = 1 + _random.Next(4);
        for (int i = 0; i < count; i++) mutant.Buffer[Position(mutant.Length)] = Interesting();
    }

    private byte Interesting() => _random.Next(4) == 0 ? (byte)_random.Next(256) : InterestingBytes[_random.Next(InterestingBytes.Length)];

    private void Extend(Mutant mutant)
    {
        int count = 1 + _random.Next(_random.Next(4) == 0 ? 1500 : 64);
        int at = mutant.Length;
        if (!mutant.Insert(at, Math.Min(count, Mutant.Capacity - at))) return;
        if (_random.Next(2) == 0) _random.NextBytes(mutant.Buffer.AsSpan(at, mutant.Length - at));
    }

    /// <summary>A value for a length field: 0, small, maximal, one off the truth, past the end, or anything.</summary>
    private int LengthValue(int truth, int toEnd, int maximum) => _random.Next(8) switch
    {
        0 => 0,
        1 => 1 + _random.Next(8),
        2 => maximum,
        3 => Math.Max(truth - 1, 0),
        4 => Math.Min(truth + 1, maximum),
        5 => Math.Min(toEnd + 1 + _random.Next(16), maximum),
        6 => Math.Clamp(toEnd, 0, maximum),
        _ => _random.Next(maximum + 1),
    };

    private void LengthField(Mutant mutant)
    {
        Span<byte> frame = mutant.Bytes;
        FrameLayout layout = FrameLayout.Of(frame);
        if (layout.Arp >= 0)
        {
            // ARP hlen or plen (bytes 4 and 5).
            int at = layout.Arp + 4 + _random.Next(2);
            if (at < frame.Length) frame[at] = (byte)LengthValue(at == layout.Arp + 4 ? 6 : 4, frame.Length - layout.Arp, 255);
            return;
        }
        if (layout.Ip < 0) return;
        int transport = layout.Transport;
        int choice = _random.Next(3);
        if (choice == 0 || transport < 0)
        {
            int total = BinaryPrimitives.ReadUInt16BigEndian(frame[(layout.Ip + 2)..]);
            BinaryPrimitives.WriteUInt16BigEndian(frame[(layout.Ip + 2)..], (ushort)LengthValue(total, frame.Length - layout.Ip, ushort.MaxValue));
            return;
        }
        int toEnd = frame.Length - transport;
        switch (layout.Protocol)
        {
            case FrameLayout.Udp when toEnd >= 6:
                int length = BinaryPrimitives.ReadUInt16BigEndian(frame[(transport + 4)..]);
                BinaryPrimitives.WriteUInt16BigEndian(frame[(transport + 4)..], (ushort)LengthValue(length, toEnd, ushort.MaxValue));
                break;
            case FrameLayout.Igmp when toEnd >= 12:
                // v3 query: number of sources (bytes 10-11); v3 report: number of records (6-7), or a record's
                // aux length and number of sources (bytes 9 and 10-11 of the first record).
                int field = frame[transport] == 0x22 ? (_random.Next(2) == 0 ? 6 : 10) : 10;
                if (field == 10 && frame[transport] == 0x22 && _random.Next(2) == 0)
                {
                    frame[transport + 9] = (byte)LengthValue(0, toEnd / 4, 255);
                    break;
                }
                int count = BinaryPrimitives.ReadUInt16BigEndian(frame[(transport + field)..]);
                BinaryPrimitives.WriteUInt16BigEndian(frame[(transport + field)..], (ushort)LengthValue(count, toEnd / 4, ushort.MaxValue));
                break;
            case FrameLayout.Icmp when toEnd >= 8:
                // RFC 4884: byte 5 of unreachable/time exceeded is the length of the quoted datagram in words.
                frame[transport + 5] = (byte)LengthValue(frame[transport + 5], toEnd / 4, 255);
                break;
            case FrameLayout.Tcp when toEnd >= 20:
                // TCP has no length field: the urgent pointer is the nearest thing (an offset into the data).
                int urgent = BinaryPrimitives.ReadUInt16BigEndian(frame[(transport + 18)..]);
                BinaryPrimitives.WriteUInt16BigEndian(frame[(transport + 18)..], (ushort)LengthValue(urgent, toEnd, ushort.MaxValue));
                frame[transport + 13] |= 0x20;
                break;
        }
    }

    private void HeaderLength(Mutant mutant)
    {
        FrameLayout layout = FrameLayout.Of(mutant.Bytes);
        if (layout.Ip < 0) return;
        int ihl = _random.Next(3) switch { 0 => _random.Next(5), 1 => 15, _ => _random.Next(16) };
        ref byte versionIhl = ref mutant.Buffer[layout.Ip];
        versionIhl = (byte)((_random.Next(8) == 0 ? _random.Next(16) : 4) << 4 | ihl);
    }

    private void TcpDataOffset(Mutant mutant)
    {
        FrameLayout layout = FrameLayout.Of(mutant.Bytes);
        if (layout.Transport < 0 || layout.Protocol != FrameLayout.Tcp || layout.Transport + 13 > mutant.Length) return;
        int offset = _random.Next(3) switch { 0 => _random.Next(5), 1 => 15, _ => _random.Next(16) };
        ref byte field = ref mutant.Buffer[layout.Transport + 12];
        field = (byte)(offset << 4 | (field & 0xF));
    }

    /// <summary>Fills an options area with options whose lengths are 0, 1, 2, 255, past the area, or right.</summary>
    private void FillOptions(Span<byte> area, byte[] kinds, Func<byte, int> rightLength)
    {
        int at = 0;
        while (at < area.Length)
        {
            byte kind = _random.Next(6) == 0 ? (byte)_random.Next(256) : kinds[_random.Next(kinds.Length)];
            area[at++] = kind;
            if (kind <= 1 || at >= area.Length) continue;
            int length = _random.Next(7) switch
            {
                0 => 0,
                1 => 1,
                2 => 2,
                3 => 255,
                4 => area.Length - at + 2 + _random.Next(8),
                _ => rightLength(kind),
            };
            area[at++] = (byte)length;
            int data = Math.Clamp(length - 2, 0, area.Length - at);
            _random.NextBytes(area.Slice(at, data));
            at += data;
        }
    }

    private void IpOptions(Mutant mutant)
    {
        FrameLayout layout = FrameLayout.Of(mutant.Bytes);
        if (layout.Ip < 0) return;
        int current = Math.Clamp(layout.IpHeaderLength, 20, 60);
        int words = 1 + _random.Next(10);
        int wanted = 20 + words * 4;
        int at = layout.Ip + 20;
        if (wanted > current && !mutant.Insert(layout.Ip + current, wanted - current)) return;
        if (wanted < current) mutant.Remove(layout.Ip + wanted, current - wanted);
        if (at + words * 4 > mutant.Length) return;
        FillOptions(mutant.Buffer.AsSpan(at, words * 4), IpOptionKinds, kind => kind switch { 148 => 4, 7 or 131 or 137 => 3 + 4 * _random.Next(9), 68 => 4 + 4 * _random.Next(9), _ => 2 + _random.Next(10) });
        mutant.Buffer[layout.Ip] = (byte)(0x40 | (wanted / 4));
        int total = BinaryPrimitives.ReadUInt16BigEndian(mutant.Buffer.AsSpan(layout.Ip + 2));
        BinaryPrimitives.WriteUInt16BigEndian(mutant.Buffer.AsSpan(layout.Ip + 2), (ushort)Math.Min(total + wanted - current, ushort.MaxValue));
    }

    private void TcpOptions(Mutant mutant)
    {
        FrameLayout layout = FrameLayout.Of(mutant.Bytes);
        if (layout.Transport < 0 || layout.Protocol != FrameLayout.Tcp || layout.Transport + 20 > mutant.Length) return;
        int transport = layout.Transport;
        int current = Math.Clamp((mutant.Buffer[transport + 12] >> 4) * 4, 20, 60);
        current = Math.Min(current, mutant.Length - transport);
        int wanted = 20 + 4 * _random.Next(11);
        if (wanted > current && !mutant.Insert(transport + current, wanted - current)) return;
        if (wanted < current) mutant.Remove(transport + wanted, current - wanted);
        FillOptions(mutant.Buffer.AsSpan(transport + 20, wanted - 20), TcpOptionKinds,
            kind => kind switch { 2 => 4, 3 => 3, 4 => 2, 5 => 2 + 8 * (1 + _random.Next(4)), 8 => 10, _ => 2 + _random.Next(8) });
        mutant.Buffer[transport + 12] = (byte)((wanted / 4) << 4 | (mutant.Buffer[transport + 12] & 0xF));
        int total = BinaryPrimitives.ReadUInt16BigEndian(mutant.Buffer.AsSpan(layout.Ip + 2));
        BinaryPrimitives.WriteUInt16BigEndian(mutant.Buffer.AsSpan(layout.Ip + 2), (ushort)Math.Clamp(total + wanted - current, 0, ushort.MaxValue));
    }

    private void Splice(Mutant mutant)
    {
        byte[] other = seeds[_random.Next(seeds.Count)];
        if (other.Length == 0) return;
        int at = _random.Next(mutant.Length + 1);
        int from = _random.Next(other.Length);
        int count = Math.Min(other.Length - from, Mutant.Capacity - at);
        other.AsSpan(from, count).CopyTo(mutant.Buffer.AsSpan(at));
        mutant.Length = at + count;
    }

    private void Vlan(Mutant mutant)
    {
        if (mutant.Length < 14) return;
        int tags = 1 + _random.Next(2);
        if (!mutant.Insert(12, 4 * tags)) return;
        Span<byte> frame = mutant.Bytes;
        // The original EtherType moved to 12 + 4 * tags; write the TPIDs and TCIs in front of it.
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], tags == 2 ? (ushort)0x88A8 : (ushort)0x8100);
        BinaryPrimitives.WriteUInt16BigEndian(frame[14..], (ushort)_random.Next(65536));
        if (tags == 2)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame[16..], _random.Next(4) == 0 ? (ushort)_random.Next(65536) : (ushort)0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(frame[18..], (ushort)_random.Next(65536));
        }
    }

    private void FieldWord(Mutant mutant)
    {
        if (mutant.Length < 2) return;
        int at = Position(mutant.Length - 1);
        BinaryPrimitives.WriteUInt16BigEndian(mutant.Buffer.AsSpan(at), _random.Next(3) switch
        {
            0 => 0,
            1 => 0xFFFF,
            _ => (ushort)_random.Next(65536),
        });
    }

    private void TypeSwap(Mutant mutant)
    {
        Span<byte> frame = mutant.Bytes;
        FrameLayout layout = FrameLayout.Of(frame);
        if (layout.Ip >= 0 && _random.Next(2) == 0)
        {
            byte[] protocols = [1, 2, 6, 17, 0, 4, 41, 47, 255];
            frame[layout.Ip + 9] = protocols[_random.Next(protocols.Length)];
            return;
        }
        if (layout.EtherTypeOffset < 0) return;
        ushort[] types = [0x0800, 0x0806, 0x8100, 0x88A8, 0x86DD, 0x0600, 0x05DC, 0x8035];
        BinaryPrimitives.WriteUInt16BigEndian(frame[layout.EtherTypeOffset..], types[_random.Next(types.Length)]);
    }

    private void FragmentBits(Mutant mutant)
    {
        FrameLayout layout = FrameLayout.Of(mutant.Bytes);
        if (layout.Ip < 0) return;
        int offset = _random.Next(4) switch { 0 => 0, 1 => 8191, 2 => 8192 - 1 - _random.Next(16), _ => _random.Next(8192) };
        int flags = _random.Next(8) << 13;
        BinaryPrimitives.WriteUInt16BigEndian(mutant.Buffer.AsSpan(layout.Ip + 6), (ushort)(flags | offset));
    }
}
