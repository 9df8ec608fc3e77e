namespace FastPath.Wire.Ethernet;

/// <summary>
/// The tag control information (TCI) of an IEEE 802.1Q tag: priority code point (3 bits), drop eligible
/// indicator (1 bit) and VLAN identifier (12 bits), as the 16 bits that follow the TPID on the wire.
/// </summary>
public readonly struct VlanTag : IEquatable<VlanTag>
{
    public const ushort MaxVlanId = 4095;
    public const byte MaxPriority = 7;

    private readonly ushort _tci;

    private VlanTag(ushort tci) => _tci = tci;

    /// <param name="vlanId">0..4095. 0 means "priority tagged, no VLAN" and 4095 is reserved (802.1Q table 9-2); both are representable because both occur on the wire.</param>
    /// <param name="priority">PCP, 0..7.</param>
    /// <param name="dropEligible">DEI (formerly CFI).</param>
    public VlanTag(ushort vlanId, byte priority = 0, bool dropEligible = false)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vlanId, MaxVlanId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, MaxPriority);
        _tci = (ushort)(priority << 13 | (dropEligible ? 1 << 12 : 0) | vlanId);
    }

    /// <summary>Every 16-bit value is a valid TCI, so this never fails.</summary>
    public static VlanTag FromTci(ushort tci) => new(tci);

    public ushort Tci => _tci;
    public ushort VlanId => (ushort)(_tci & 0x0FFF);
    public byte Priority => (byte)(_tci >> 13);
    public bool DropEligible => (_tci & 0x1000) != 0;

    public override string ToString() => $"vlan {VlanId} pcp {Priority}{(DropEligible ? " dei" : "")}";

    public bool Equals(VlanTag other) => _tci == other._tci;
    public override bool Equals(object? obj) => obj is VlanTag other && Equals(other);
    public override int GetHashCode() => _tci;
    public static bool operator ==(VlanTag left, VlanTag right) => left._tci == right._tci;
    public static bool operator !=(VlanTag left, VlanTag right) => left._tci != right._tci;
}
