namespace FastPath.Drivers.Linux.Bpf;

/// <summary>
/// Opcode bits (include/uapi/linux/bpf_common.h and bpf.h): instruction class in the low 3 bits; for loads
/// and stores the size and mode above it, for ALU and jumps the source (K immediate, X register) and the
/// operation.
/// </summary>
internal static class BpfOpcodes
{
    // Classes
    internal const byte Ld = 0x00;
    internal const byte Ldx = 0x01;
    internal const byte St = 0x02;
    internal const byte Stx = 0x03;
    internal const byte Alu = 0x04;
    internal const byte Jmp = 0x05;
    internal const byte Alu64 = 0x07;

    // Sizes
    internal const byte W = 0x00;
    internal const byte H = 0x08;
    internal const byte B = 0x10;
    internal const byte DW = 0x18;

    // Modes
    internal const byte Imm = 0x00;
    internal const byte Mem = 0x60;

    // Sources
    internal const byte K = 0x00;
    internal const byte X = 0x08;

    // ALU operations
    internal const byte Add = 0x00;
    internal const byte Mov = 0xb0;

    // Jump operations
    internal const byte Ja = 0x00;
    internal const byte Jeq = 0x10;
    internal const byte Jgt = 0x20;
    internal const byte Jge = 0x30;
    internal const byte Jne = 0x50;
    internal const byte Call = 0x80;
    internal const byte Exit = 0x90;

    /// <summary>src_reg of a two-slot ld_imm64 whose immediate is a map fd the verifier swaps for the map's address.</summary>
    internal const byte PseudoMapFd = 1;
}
