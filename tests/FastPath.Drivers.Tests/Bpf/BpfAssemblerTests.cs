using System.Runtime.InteropServices;
using FastPath.Drivers.Linux.Bpf;

namespace FastPath.Drivers.Tests.Bpf;

/// <summary>
/// Each instruction's 8 bytes against the kernel's encoding (Documentation/bpf/standardization/
/// instruction-set.rst; the same bytes llvm-objdump prints): opcode = class | size/source | mode/operation,
/// then dst in the low nibble and src in the high nibble, a little-endian 16-bit offset and 32-bit immediate.
/// </summary>
public sealed class BpfAssemblerTests
{
    [Fact]
    public void Mov64_immediate_is_alu64_mov_k()
    {
        // BPF_ALU64 0x07 | BPF_MOV 0xb0 | BPF_K 0x00 = 0xb7; r3 = 2 (XDP_PASS).
        AssertBytes(new BpfAssembler().Mov64(BpfRegister.R3, 2), "b7 03 00 00 02 00 00 00");
        AssertBytes(new BpfAssembler().Mov64(BpfRegister.R0, -1), "b7 00 00 00 ff ff ff ff");
    }

    [Fact]
    public void Mov64_register_is_alu64_mov_x_with_src_in_the_high_nibble()
    {
        // 0x07 | 0xb0 | BPF_X 0x08 = 0xbf; r2 = r10 -> regs byte 0xa2.
        AssertBytes(new BpfAssembler().Mov64(BpfRegister.R2, BpfRegister.R10), "bf a2 00 00 00 00 00 00");
    }

    [Fact]
    public void Add64_immediate()
    {
        // 0x07 | BPF_ADD 0x00 | BPF_K = 0x07; r2 += -4.
        AssertBytes(new BpfAssembler().Add64(BpfRegister.R2, -4), "07 02 00 00 fc ff ff ff");
    }

    [Fact]
    public void Loads_and_stores_are_class_size_mode()
    {
        // BPF_LDX 0x01 | BPF_MEM 0x60 | BPF_W 0x00 = 0x61: r2 = *(u32 *)(r1 + 16), the rx_queue_index read.
        AssertBytes(new BpfAssembler().LoadWord(BpfRegister.R2, BpfRegister.R1, 16), "61 12 10 00 00 00 00 00");
        // BPF_ST 0x02 | 0x60 | BPF_W = 0x62: *(u32 *)(r10 - 4) = 7.
        AssertBytes(new BpfAssembler().StoreWordImmediate(BpfRegister.R10, -4, 7), "62 0a fc ff 07 00 00 00");
        // 0x01 | 0x60 | BPF_DW 0x18 = 0x79: r1 = *(u64 *)(r0 - 8).
        AssertBytes(new BpfAssembler().LoadDoubleWord(BpfRegister.R1, BpfRegister.R0, -8), "79 01 f8 ff 00 00 00 00");
        // BPF_STX 0x03 | 0x60 | 0x18 = 0x7b: *(u64 *)(r0 + 0) = r1.
        AssertBytes(new BpfAssembler().StoreDoubleWord(BpfRegister.R0, 0, BpfRegister.R1), "7b 10 00 00 00 00 00 00");
    }

    [Fact]
    public void LoadMapFd_is_a_two_slot_ld_imm64_with_the_pseudo_map_fd_source()
    {
        // BPF_LD 0x00 | BPF_DW 0x18 | BPF_IMM 0x00 = 0x18; src BPF_PSEUDO_MAP_FD 1, dst r1 -> 0x11; imm = fd;
        // the second slot carries the immediate's high half, zero here.
        var assembler = new BpfAssembler().LoadMapFd(BpfRegister.R1, 0x1234);
        Assert.Equal(2, assembler.Count);
        AssertBytes(assembler, "18 11 00 00 34 12 00 00 00 00 00 00 00 00 00 00");
    }

    [Fact]
    public void Call_and_exit_are_jmp_class()
    {
        // BPF_JMP 0x05 | BPF_CALL 0x80 = 0x85, imm = helper id 51 (bpf_redirect_map).
        AssertBytes(new BpfAssembler().Call(BpfHelper.RedirectMap), "85 00 00 00 33 00 00 00");
        // BPF_JMP | BPF_EXIT 0x90 = 0x95.
        AssertBytes(new BpfAssembler().Exit(), "95 00 00 00 00 00 00 00");
    }

    [Fact]
    public void Jumps_resolve_labels_to_offsets_from_the_next_instruction()
    {
        var assembler = new BpfAssembler();
        var done = assembler.DefineLabel();
        var top = assembler.DefineLabel();
        assembler.Bind(top)
            .JumpIf(BpfCondition.Equal, BpfRegister.R0, 0, done)   // 0: forward over 2 instructions -> +2
            .Add64(BpfRegister.R0, -1)                              // 1
            .Jump(top)                                              // 2: back to 0 -> -3
            .Bind(done)
            .Exit();                                                // 3
        // BPF_JMP | BPF_JEQ 0x10 | BPF_K = 0x15; BPF_JMP | BPF_JA = 0x05.
        AssertBytes(assembler,
            "15 00 02 00 00 00 00 00 " +
            "07 00 00 00 ff ff ff ff " +
            "05 00 fd ff 00 00 00 00 " +
            "95 00 00 00 00 00 00 00");
    }

    [Fact]
    public void Register_compare_jumps_carry_both_registers()
    {
        var assembler = new BpfAssembler();
        var target = assembler.DefineLabel();
        assembler.JumpIf(BpfCondition.GreaterOrEqual, BpfRegister.R2, BpfRegister.R3, target).Bind(target).Exit();
        // BPF_JMP | BPF_JGE 0x30 | BPF_X 0x08 = 0x3d; dst r2, src r3 -> 0x32; offset 0.
        AssertBytes(assembler, "3d 32 00 00 00 00 00 00 95 00 00 00 00 00 00 00");
    }

    [Fact]
    public void An_unbound_label_or_a_label_bound_twice_is_refused()
    {
        var assembler = new BpfAssembler();
        var nowhere = assembler.DefineLabel();
        assembler.Jump(nowhere);
        Assert.Throws<InvalidOperationException>(() => assembler.Build());
        assembler.Bind(nowhere);
        Assert.Throws<InvalidOperationException>(() => assembler.Bind(nowhere));
    }

    [Fact]
    public void The_redirect_program_is_read_queue_load_map_pass_call_exit()
    {
        var program = XskRedirectProgram.Assemble(xskMapFd: 7);
        Assert.Equal(
            "61 12 10 00 00 00 00 00 " +   // r2 = ctx->rx_queue_index
            "18 11 00 00 07 00 00 00 " +   // r1 = &xsks_map (fd 7)
            "00 00 00 00 00 00 00 00 " +
            "b7 03 00 00 02 00 00 00 " +   // r3 = XDP_PASS
            "85 00 00 00 33 00 00 00 " +   // call bpf_redirect_map
            "95 00 00 00 00 00 00 00",     // return r0
            Hex(program));
    }

    [Fact]
    public void The_drop_sink_of_the_shared_bench_assembles_to_the_bytes_its_c_initializers_give()
    {
        // ../shared/bench/xdp-drop-sink.c, written here with the assembler; the bytes are the struct
        // bpf_insn initializers of that file encoded by hand (map fd 3).
        var assembler = new BpfAssembler();
        var miss = assembler.DefineLabel();
        assembler
            .StoreWordImmediate(BpfRegister.R10, -4, 0)
            .Mov64(BpfRegister.R2, BpfRegister.R10)
            .Add64(BpfRegister.R2, -4)
            .LoadMapFd(BpfRegister.R1, 3)
            .Call(BpfHelper.MapLookupElement)
            .JumpIf(BpfCondition.Equal, BpfRegister.R0, 0, miss)
            .LoadDoubleWord(BpfRegister.R1, BpfRegister.R0, 0)
            .Add64(BpfRegister.R1, 1)
            .StoreDoubleWord(BpfRegister.R0, 0, BpfRegister.R1)
            .Bind(miss)
            .Mov64(BpfRegister.R0, 1)
            .Exit();
        Assert.Equal(
            "62 0a fc ff 00 00 00 00 bf a2 00 00 00 00 00 00 07 02 00 00 fc ff ff ff " +
            "18 11 00 00 03 00 00 00 00 00 00 00 00 00 00 00 85 00 00 00 01 00 00 00 " +
            "15 00 03 00 00 00 00 00 79 01 00 00 00 00 00 00 07 01 00 00 01 00 00 00 " +
            "7b 10 00 00 00 00 00 00 b7 00 00 00 01 00 00 00 95 00 00 00 00 00 00 00",
            Hex(assembler.Build()));
    }

    private static void AssertBytes(BpfAssembler assembler, string expected) => Assert.Equal(expected, Hex(assembler.Build()));

    private static string Hex(BpfInstruction[] program) =>
        string.Join(' ', MemoryMarshal.AsBytes(program.AsSpan()).ToArray().Select(b => b.ToString("x2")));
}
