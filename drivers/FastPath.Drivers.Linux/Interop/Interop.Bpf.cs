using System.Runtime.InteropServices;

namespace FastPath.Drivers.Linux.Interop;

/// <summary>
/// bpf(2) without libbpf: the few commands the AF_XDP driver needs (include/uapi/linux/bpf.h). The kernel
/// takes a pointer to <c>union bpf_attr</c> and its size; it accepts a size shorter than its own union and
/// reads the missing tail as zeros, so each command gets its own struct holding exactly the fields it uses.
/// glibc has no wrapper, hence syscall(2) with the x86-64 number.
/// </summary>
internal static unsafe partial class Bpf
{
    /// <summary>__NR_bpf on x86-64 (arch/x86/entry/syscalls/syscall_64.tbl).</summary>
    internal const long SYS_bpf = 321;

    // enum bpf_cmd
    internal const int BPF_MAP_CREATE = 0;
    internal const int BPF_MAP_LOOKUP_ELEM = 1;
    internal const int BPF_MAP_UPDATE_ELEM = 2;
    internal const int BPF_MAP_DELETE_ELEM = 3;
    internal const int BPF_PROG_LOAD = 5;
    internal const int BPF_OBJ_GET_INFO_BY_FD = 15;
    internal const int BPF_LINK_CREATE = 28;

    // enum bpf_map_type, enum bpf_prog_type, enum bpf_attach_type, enum bpf_link_type
    internal const uint BPF_MAP_TYPE_XSKMAP = 17;
    internal const uint BPF_PROG_TYPE_XDP = 6;
    internal const uint BPF_XDP = 37;
    internal const uint BPF_LINK_TYPE_XDP = 6;

    // BPF_MAP_UPDATE_ELEM flags
    internal const ulong BPF_ANY = 0;

    // include/uapi/linux/if_link.h: the XDP attach modes, also the flags of an XDP link.
    internal const uint XDP_FLAGS_SKB_MODE = 1u << 1;
    internal const uint XDP_FLAGS_DRV_MODE = 1u << 2;

    /// <summary>BPF_OBJ_NAME_LEN: object names are 15 characters and a NUL.</summary>
    internal const int ObjectNameLength = 16;

    /// <summary>BPF_MAP_CREATE: the head of <c>union bpf_attr</c>'s map-create member.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 44)]
    internal struct MapCreateAttr
    {
        [FieldOffset(0)] internal uint MapType;
        [FieldOffset(4)] internal uint KeySize;
        [FieldOffset(8)] internal uint ValueSize;
        [FieldOffset(12)] internal uint MaxEntries;
        [FieldOffset(16)] internal uint MapFlags;
        [FieldOffset(20)] internal uint InnerMapFd;
        [FieldOffset(24)] internal uint NumaNode;
        [FieldOffset(28)] internal fixed byte MapName[ObjectNameLength];
    }

    /// <summary>BPF_MAP_*_ELEM: pointers travel as 64-bit integers (__aligned_u64) whatever the ABI.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 32)]
    internal struct MapElementAttr
    {
        [FieldOffset(0)] internal uint MapFd;
        [FieldOffset(8)] internal ulong Key;
        [FieldOffset(16)] internal ulong Value;
        [FieldOffset(24)] internal ulong Flags;
    }

    /// <summary>BPF_PROG_LOAD up to expected_attach_type.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 72)]
    internal struct ProgramLoadAttr
    {
        [FieldOffset(0)] internal uint ProgramType;
        [FieldOffset(4)] internal uint InstructionCount;
        [FieldOffset(8)] internal ulong Instructions;
        [FieldOffset(16)] internal ulong License;
        [FieldOffset(24)] internal uint LogLevel;
        [FieldOffset(28)] internal uint LogSize;
        [FieldOffset(32)] internal ulong LogBuffer;
        [FieldOffset(40)] internal uint KernelVersion;
        [FieldOffset(44)] internal uint ProgramFlags;
        [FieldOffset(48)] internal fixed byte ProgramName[ObjectNameLength];
        [FieldOffset(64)] internal uint ProgramInterfaceIndex;
        [FieldOffset(68)] internal uint ExpectedAttachType;
    }

    /// <summary>BPF_LINK_CREATE: program, target (an ifindex for XDP), attach type and flags (the XDP mode).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    internal struct LinkCreateAttr
    {
        [FieldOffset(0)] internal uint ProgramFd;
        [FieldOffset(4)] internal uint TargetInterfaceIndex;
        [FieldOffset(8)] internal uint AttachType;
        [FieldOffset(12)] internal uint Flags;
    }

    /// <summary>BPF_OBJ_GET_INFO_BY_FD: the kernel fills up to InfoLength bytes at Info and writes back the length.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    internal struct ObjectInfoAttr
    {
        [FieldOffset(0)] internal uint BpfFd;
        [FieldOffset(4)] internal uint InfoLength;
        [FieldOffset(8)] internal ulong Info;
    }

    /// <summary>struct bpf_link_info with its xdp member (the union's first 4 bytes are the ifindex).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 48)]
    internal struct LinkInfo
    {
        [FieldOffset(0)] internal uint Type;
        [FieldOffset(4)] internal uint Id;
        [FieldOffset(8)] internal uint ProgramId;
        [FieldOffset(16)] internal uint XdpInterfaceIndex;
    }

    /// <summary>The raw call: a new fd or 0 on success, -1 and errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long command, void* attr, long size);

    internal static int Call<T>(int command, ref T attr)
        where T : unmanaged
    {
        fixed (T* pointer = &attr)
            return (int)Syscall(SYS_bpf, command, pointer, sizeof(T));
    }
}
