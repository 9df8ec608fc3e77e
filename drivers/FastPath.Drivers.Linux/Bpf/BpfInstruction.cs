using System.Runtime.InteropServices;

namespace FastPath.Drivers.Linux.Bpf;

/// <summary>
/// struct bpf_insn: an 8-bit opcode, the destination register in the low nibble and the source register in
/// the high nibble of the second byte (the little-endian bit-field order), a signed 16-bit offset and a
/// signed 32-bit immediate.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
internal readonly struct BpfInstruction : IEquatable<BpfInstruction>
{
    public readonly byte Code;
    public readonly byte Registers;
    public readonly short Offset;
    public readonly int Immediate;

    public BpfInstruction(byte code, BpfRegister destination, BpfRegister source, short offset, int immediate)
    {
        Code = code;
        Registers = (byte)((int)destination | ((int)source << 4));
        Offset = offset;
        Immediate = immediate;
    }

    public BpfRegister Destination => (BpfRegister)(Registers & 0xf);
    public BpfRegister Source => (BpfRegister)(Registers >> 4);

    /// <summary>The same instruction with another offset (a resolved jump).</summary>
    public BpfInstruction WithOffset(short offset) => new(Code, Destination, Source, offset, Immediate);

    public bool Equals(BpfInstruction other) =>
        Code == other.Code && Registers == other.Registers && Offset == other.Offset && Immediate == other.Immediate;

    public override bool Equals(object? obj) => obj is BpfInstruction other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(Code, Registers, Offset, Immediate);
    public override string ToString() => $"code 0x{Code:x2} dst r{Registers & 0xf} src r{Registers >> 4} off {Offset} imm {Immediate}";
}
