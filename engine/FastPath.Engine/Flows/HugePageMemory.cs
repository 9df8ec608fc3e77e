using System.Runtime.InteropServices;
using FastPath.Engine.Interop;

namespace FastPath.Engine.Flows;

/// <summary>
/// Zeroed native memory backed by 2 MB transparent huge pages where the kernel gives them
/// (transparent_hugepage "madvise" or "always"). A table of millions of flows looked up at random touches a
/// different 4 KB page at nearly every lookup: far more pages than the TLB maps, and each miss is a page walk
/// (two-dimensional, so up to 24 memory reads, under a hypervisor). With 2 MB pages, 48 MB is 24 TLB entries.
/// </summary>
internal static class HugePageMemory
{
    internal const int HugePageSize = 2 * 1024 * 1024;
    private const int SmallPageSize = 4096;

    /// <summary>
    /// Maps <paramref name="length"/> bytes aligned to 2 MB; returns the aligned start, and the mapping to
    /// unmap later. The pages are faulted in here, after madvise, so each fault can take a whole huge page.
    /// </summary>
    public static unsafe nint Allocate(nuint length, out nint mapping, out nuint mappingLength)
    {
        // Over-allocate by one huge page so that a 2 MB-aligned start exists inside the mapping.
        mappingLength = length + HugePageSize;
        mapping = Mman.Map(0, mappingLength, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
        if (mapping == Mman.MAP_FAILED)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new InsufficientMemoryException($"mmap of {mappingLength} bytes for a flow table failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
        nint aligned = (mapping + HugePageSize - 1) & ~(nint)(HugePageSize - 1);
        // Advice only: without THP (or with "never") the mapping simply stays on 4 KB pages.
        _ = Mman.Advise(aligned, length, Mman.MADV_HUGEPAGE);
        byte* start = (byte*)aligned;
        for (nuint offset = 0; offset < length; offset += SmallPageSize) start[offset] = 0;
        return aligned;
    }

    public static void Free(nint mapping, nuint mappingLength) => _ = Mman.Unmap(mapping, mappingLength);
}
