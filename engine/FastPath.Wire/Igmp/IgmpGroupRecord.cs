using System.Buffers.Binary;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Igmp;

/// <summary>
/// One group record of an IGMPv3 report (RFC 3376 section 4.2.4), as
/// <see cref="IgmpGroupRecordEnumerator"/> yields it after checking that the whole record fits.
/// </summary>
public readonly ref struct IgmpGroupRecord
{
    /// <summary>Record type, aux data length, number of sources and multicast address.</summary>
    public const int FixedLength = 8;

    private readonly ReadOnlySpan<byte> _record;

    /// <param name="record">Exactly the record's bytes, validated by the enumerator.</param>
    internal IgmpGroupRecord(ReadOnlySpan<byte> record) => _record = record;

    /// <summary>The record's size from its own fields: fixed part, sources and auxiliary data.</summary>
    internal static int LengthOf(int numberOfSources, int auxDataWords) =>
        FixedLength + numberOfSources * Ipv4Address.Length + auxDataWords * 4;

    /// <summary>The type byte; may be outside <see cref="IgmpGroupRecordType"/>, and then MUST be ignored.</summary>
    public IgmpGroupRecordType RecordType => (IgmpGroupRecordType)_record[0];

    /// <summary>The auxiliary data length in bytes (the field counts 32-bit words). IGMPv3 hosts send none.</summary>
    public int AuxDataLength => _record[1] * 4;

    public int NumberOfSources => BinaryPrimitives.ReadUInt16BigEndian(_record[2..]);

    public Ipv4Address MulticastAddress => new(_record.Slice(4, Ipv4Address.Length));

    public IgmpSourceEnumerator Sources => new(_record.Slice(FixedLength, NumberOfSources * Ipv4Address.Length));

    public Ipv4Address GetSource(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, NumberOfSources);
        return new Ipv4Address(_record.Slice(FixedLength + index * Ipv4Address.Length, Ipv4Address.Length));
    }

    public ReadOnlySpan<byte> AuxData => _record.Slice(FixedLength + NumberOfSources * Ipv4Address.Length, AuxDataLength);

    /// <summary>The record's size in bytes.</summary>
    public int Length => _record.Length;
}
