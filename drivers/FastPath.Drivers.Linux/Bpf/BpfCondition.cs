namespace FastPath.Drivers.Linux.Bpf;

/// <summary>Conditional jump comparisons (unsigned), as BPF_JMP operation bits.</summary>
internal enum BpfCondition : byte
{
    Equal = BpfOpcodes.Jeq,
    NotEqual = BpfOpcodes.Jne,
    Greater = BpfOpcodes.Jgt,
    GreaterOrEqual = BpfOpcodes.Jge,
}
