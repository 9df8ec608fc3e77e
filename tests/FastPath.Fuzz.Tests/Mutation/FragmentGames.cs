using System.Buffers.Binary;

namespace FastPath.Fuzz.Tests.Mutation;

/// <summary>
/// Cuts one datagram into a sequence of fragments and plays games with them: duplicates, overlaps with the
/// same bytes and with different bytes, fragments that end past 65535, zero-length fragments, MF cleared in
/// the middle or set on the last, lengths that are not a multiple of 8, reordering, a missing piece (so the
/// datagram times out), and two "last" fragments that disagree on the end.
/// </summary>
internal sealed class FragmentGames(Random random)
{
    public static readonly string[] Names =
    [
        "duplicate", "overlap_same", "overlap_different", "out_of_range", "zero_length", "mf_cleared", "mf_on_last", "odd_length",
        "shuffle", "missing", "two_ends", "mutated",
    ];

    private readonly Random _random = random;

    public long[] Counts { get; } = new long[Names.Length];

    private readonly record struct Piece(int Offset, byte[] Data, bool More);

    /// <summary>Fragments of the IPv4 datagram in <paramref name="whole"/> (a frame); false if it has no IPv4 header to cut.</summary>
    public bool TryPlay(ReadOnlySpan<byte> whole, Mutator mutator, List<byte[]> output)
    {
        FrameLayout layout = FrameLayout.Of(whole);
        if (layout.Ip < 0 || layout.IpHeaderLength < 20 || layout.Transport < 0) return false;
        int headerEnd = layout.Transport;
        ReadOnlySpan<byte> prefix = whole[..headerEnd];
        byte[] payload = whole[headerEnd..layout.IpEnd].ToArray();
        if (payload.Length < 16)
        {
            byte[] longer = new byte[16 + _random.Next(64)];
            payload.CopyTo(longer, 0);
            payload = longer;
        }
        var pieces = new List<Piece>();
        int offset = 0;
        int count = 2 + _random.Next(5);
        while (offset < payload.Length)
        {
            int left = payload.Length - offset;
            int size = pieces.Count == count - 1 ? left : Math.Min(left, 8 * (1 + _random.Next(Math.Max(1, payload.Length / 8 / count))));
            pieces.Add(new Piece(offset, payload.AsSpan(offset, size).ToArray(), offset + size < payload.Length));
            offset += size;
        }
        int games = 1 + _random.Next(3);
        for (int g = 0; g < games; g++)
        {
            int game = _random.Next(Names.Length - 1);
            Counts[game]++;
            Play(game, pieces, payload);
        }
        ushort identification = (ushort)_random.Next(65536);
        foreach (Piece piece in pieces)
        {
            byte[] frame = new byte[prefix.Length + piece.Data.Length];
            prefix.CopyTo(frame);
            piece.Data.CopyTo(frame, prefix.Length);
            Span<byte> ip = frame.AsSpan(layout.Ip);
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)Math.Min(frame.Length - layout.Ip, ushort.MaxValue));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], identification);
            int units = Math.Min(piece.Offset / 8, 0x1FFF);
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], (ushort)((piece.More ? 0x2000 : 0) | units));
            Checksums.Fix(frame);
            if (_random.Next(16) == 0)
            {
                Counts[^1]++;
                var mutant = new Mutant();
                mutant.Load(frame);
                mutator.Mutate(mutant);
                frame = mutant.Bytes.ToArray();
            }
            output.Add(frame);
        }
        return true;
    }

    private void Play(int game, List<Piece> pieces, byte[] payload)
    {
        int index = _random.Next(pieces.Count);
        Piece piece = pieces[index];
        switch (game)
        {
            case 0:
                pieces.Insert(_random.Next(pieces.Count + 1), piece);
                break;
            case 1 or 2:
                // Start 8 or 16 bytes earlier: the bytes before are the datagram's own, or different ones.
                int back = Math.Min(piece.Offset, 8 * (1 + _random.Next(2)));
                if (back == 0 || piece.Offset > payload.Length) break;
                byte[] data = new byte[back + piece.Data.Length];
                payload.AsSpan(piece.Offset - back, back).CopyTo(data);
                if (game == 2) data[_random.Next(back)] ^= (byte)(1 + _random.Next(255));
                piece.Data.CopyTo(data, back);
                pieces[index] = piece with { Offset = piece.Offset - back, Data = data };
                break;
            case 3:
                pieces[index] = piece with { Offset = 8 * (8191 - _random.Next(4)) };
                break;
            case 4:
                pieces.Insert(_random.Next(pieces.Count + 1), new Piece(8 * _random.Next(payload.Length / 8 + 2), [], true));
                break;
            case 5:
                pieces[index] = piece with { More = false };
                break;
            case 6:
                pieces[^1] = pieces[^1] with { More = true };
                break;
            case 7:
                if (piece.Data.Length > 1) pieces[index] = piece with { Data = piece.Data[..^(1 + _random.Next(Math.Min(7, piece.Data.Length - 1)))] };
                break;
            case 8:
                for (int i = pieces.Count - 1; i > 0; i--)
                {
                    int j = _random.Next(i + 1);
                    (pieces[i], pieces[j]) = (pieces[j], pieces[i]);
                }
                break;
            case 9:
                if (pieces.Count > 1) pieces.RemoveAt(index);
                break;
            default:
                Piece last = pieces[^1];
                pieces.Add(last with { Data = last.Data.Length > 8 ? last.Data[..^8] : [.. last.Data, .. new byte[8]], More = false });
                break;
        }
    }
}
