using static FastPath.Drivers.Linux.Bpf.BpfOpcodes;

namespace FastPath.Drivers.Linux.Bpf;

/// <summary>
/// A tiny typed eBPF instruction builder: each method appends the instruction(s) the kernel's encoding
/// gives for it (Documentation/bpf/standardization/instruction-set.rst). Jumps name a <see cref="BpfLabel"/>
/// that is bound later; <see cref="Build"/> resolves them to offsets counted in instructions from the one
/// after the jump.
/// </summary>
internal sealed class BpfAssembler
{
    private readonly List<BpfInstruction> _instructions = [];
    private readonly List<int> _labelPositions = [];
    private readonly List<(int Instruction, BpfLabel Target)> _jumps = [];

    /// <summary>Instructions so far (a two-slot load counts twice, as the kernel counts them).</summary>
    public int Count => _instructions.Count;

    /// <summary>dst = imm (64-bit, the immediate sign-extended).</summary>
    public BpfAssembler Mov64(BpfRegister destination, int immediate) =>
        Emit(new BpfInstruction(Alu64 | Mov | K, destination, BpfRegister.R0, 0, immediate));

    /// <summary>dst = src (64-bit).</summary>
    public BpfAssembler Mov64(BpfRegister destination, BpfRegister source) =>
        Emit(new BpfInstruction(Alu64 | Mov | X, destination, source, 0, 0));

    /// <summary>dst += imm (64-bit).</summary>
    public BpfAssembler Add64(BpfRegister destination, int immediate) =>
        Emit(new BpfInstruction(Alu64 | Add | K, destination, BpfRegister.R0, 0, immediate));

    /// <summary>dst = *(u32 *)(src + offset), zero-extended.</summary>
    public BpfAssembler LoadWord(BpfRegister destination, BpfRegister source, short offset) =>
        Emit(new BpfInstruction(Ldx | Mem | W, destination, source, offset, 0));

    /// <summary>dst = *(u64 *)(src + offset).</summary>
    public BpfAssembler LoadDoubleWord(BpfRegister destination, BpfRegister source, short offset) =>
        Emit(new BpfInstruction(Ldx | Mem | DW, destination, source, offset, 0));

    /// <summary>*(u32 *)(dst + offset) = imm.</summary>
    public BpfAssembler StoreWordImmediate(BpfRegister destination, short offset, int immediate) =>
        Emit(new BpfInstruction(St | Mem | W, destination, BpfRegister.R0, offset, immediate));

    /// <summary>*(u64 *)(dst + offset) = src.</summary>
    public BpfAssembler StoreDoubleWord(BpfRegister destination, short offset, BpfRegister source) =>
        Emit(new BpfInstruction(Stx | Mem | DW, destination, source, offset, 0));

    /// <summary>
    /// dst = the map behind <paramref name="mapFd"/>: ld_imm64 is the one 16-byte instruction, split over two
    /// slots (low 32 bits of the immediate in the first, high in the second, which is otherwise zero);
    /// src_reg BPF_PSEUDO_MAP_FD tells the verifier to replace the fd with the map's address.
    /// </summary>
    public BpfAssembler LoadMapFd(BpfRegister destination, int mapFd)
    {
        Emit(new BpfInstruction(Ld | DW | Imm, destination, (BpfRegister)PseudoMapFd, 0, mapFd));
        return Emit(default);
    }

    /// <summary>Calls a kernel helper: arguments in R1-R5, result in R0, R1-R5 clobbered.</summary>
    public BpfAssembler Call(BpfHelper helper) =>
        Emit(new BpfInstruction(Jmp | BpfOpcodes.Call, BpfRegister.R0, BpfRegister.R0, 0, (int)helper));

    /// <summary>Returns R0.</summary>
    public BpfAssembler Exit() => Emit(new BpfInstruction(Jmp | BpfOpcodes.Exit, BpfRegister.R0, BpfRegister.R0, 0, 0));

    /// <summary>Unconditional jump to <paramref name="target"/>.</summary>
    public BpfAssembler Jump(BpfLabel target) => EmitJump(new BpfInstruction(Jmp | Ja, BpfRegister.R0, BpfRegister.R0, 0, 0), target);

    /// <summary>if (dst OP imm) goto target.</summary>
    public BpfAssembler JumpIf(BpfCondition condition, BpfRegister destination, int immediate, BpfLabel target) =>
        EmitJump(new BpfInstruction((byte)(Jmp | (byte)condition | K), destination, BpfRegister.R0, 0, immediate), target);

    /// <summary>if (dst OP src) goto target.</summary>
    public BpfAssembler JumpIf(BpfCondition condition, BpfRegister destination, BpfRegister source, BpfLabel target) =>
        EmitJump(new BpfInstruction((byte)(Jmp | (byte)condition | X), destination, source, 0, 0), target);

    /// <summary>A label to jump to; bind it with <see cref="Bind"/> where it belongs.</summary>
    public BpfLabel DefineLabel()
    {
        _labelPositions.Add(-1);
        return new BpfLabel(_labelPositions.Count - 1);
    }

    /// <summary>Places <paramref name="label"/> at the next instruction.</summary>
    public BpfAssembler Bind(BpfLabel label)
    {
        if (_labelPositions[label.Id] >= 0) throw new InvalidOperationException($"label {label.Id} is bound twice");
        _labelPositions[label.Id] = _instructions.Count;
        return this;
    }

    /// <summary>The program with every jump resolved.</summary>
    public BpfInstruction[] Build()
    {
        var program = _instructions.ToArray();
        foreach (var (at, target) in _jumps)
        {
            int position = _labelPositions[target.Id];
            if (position < 0) throw new InvalidOperationException($"label {target.Id} is used but never bound");
            int offset = position - (at + 1);
            if (offset is < short.MinValue or > short.MaxValue) throw new InvalidOperationException($"jump at {at} is out of range");
            program[at] = program[at].WithOffset((short)offset);
        }
        return program;
    }

    private BpfAssembler EmitJump(BpfInstruction jump, BpfLabel target)
    {
        _jumps.Add((_instructions.Count, target));
        return Emit(jump);
    }

    private BpfAssembler Emit(BpfInstruction instruction)
    {
        _instructions.Add(instruction);
        return this;
    }
}

/// <summary>A jump target inside one <see cref="BpfAssembler"/>.</summary>
internal readonly record struct BpfLabel(int Id);
