using System.Runtime.InteropServices;

namespace FastPath.Engine.Interop;

/// <summary>sched_setaffinity(2)/sched_getaffinity(2). A pid of 0 means the calling thread, not the process.</summary>
internal static unsafe partial class Sched
{
    /// <summary>glibc's cpu_set_t: 1024 bits.</summary>
    internal const int CpuSetBytes = 128;

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    internal static partial int SetAffinity(int pid, nuint setSize, byte* mask);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    internal static partial int GetAffinity(int pid, nuint setSize, byte* mask);
}
