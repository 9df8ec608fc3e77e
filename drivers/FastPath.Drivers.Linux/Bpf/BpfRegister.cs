namespace FastPath.Drivers.Linux.Bpf;

/// <summary>
/// The eBPF registers: R0 holds return values, R1-R5 arguments (R1 the context on entry), R6-R9 survive
/// calls, R10 is the read-only frame pointer.
/// </summary>
internal enum BpfRegister : byte
{
    R0 = 0,
    R1 = 1,
    R2 = 2,
    R3 = 3,
    R4 = 4,
    R5 = 5,
    R6 = 6,
    R7 = 7,
    R8 = 8,
    R9 = 9,
    R10 = 10,
}
