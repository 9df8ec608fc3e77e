using System.Runtime.InteropServices;
using FastPath.Engine.Interop;

namespace FastPath.Engine.Threading;

/// <summary>Pins the calling OS thread to one CPU, so a worker's caches, rings and pool stay on one core.</summary>
public static unsafe class CpuAffinity
{
    /// <summary>The CPUs this process may run on (its affinity mask, which containers and taskset narrow).</summary>
    public static IReadOnlyList<int> AllowedCpus()
    {
        byte* mask = stackalloc byte[Sched.CpuSetBytes];
        if (Sched.GetAffinity(0, Sched.CpuSetBytes, mask) < 0)
            return Enumerable.Range(0, Environment.ProcessorCount).ToArray();
        var cpus = new List<int>();
        for (int cpu = 0; cpu < Sched.CpuSetBytes * 8; cpu++)
        {
            if ((mask[cpu >> 3] & (1 << (cpu & 7))) != 0) cpus.Add(cpu);
        }
        return cpus;
    }

    /// <summary>Binds the calling thread to <paramref name="cpu"/>; throws <see cref="IOException"/> when the CPU is not allowed.</summary>
    public static void PinCurrentThread(int cpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cpu, Sched.CpuSetBytes * 8);
        byte* mask = stackalloc byte[Sched.CpuSetBytes];
        new Span<byte>(mask, Sched.CpuSetBytes).Clear();
        mask[cpu >> 3] = (byte)(1 << (cpu & 7));
        if (Sched.SetAffinity(0, Sched.CpuSetBytes, mask) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot pin a thread to CPU {cpu}: sched_setaffinity failed ({Marshal.GetPInvokeErrorMessage(errno)})");
        }
    }
}
