using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.AfPacket;

/// <summary>Without CAP_NET_RAW the port says so in one line, naming the capability and the failed call.</summary>
[Collection(AfPacketCollection.Name)]
public sealed partial class AfPacketPermissionTests
{
    private const int CapNetRaw = 13;
    private const uint LinuxCapabilityVersion3 = 0x20080522;
    private const int SysCapget = 125;
    private const int SysCapset = 126;

    [Fact]
    public void Opening_without_cap_net_raw_is_an_IOException_that_names_the_capability()
    {
        Requirements.Root();
        // Capabilities belong to the thread: drop CAP_NET_RAW on a thread of our own, which then ends.
        IOException error = OnThreadWithout(CapNetRaw, () => Assert.ThrowsAny<IOException>(() => AfPacketPort.Open("lo")));

        Assert.StartsWith("AF_PACKET needs CAP_NET_RAW (or root) to open a packet socket; this process lacks CAP_NET_RAW (socket(AF_PACKET) failed: EPERM", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    private static T OnThreadWithout<T>(int capability, Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                DropCapability(capability);
                result = action();
            }
#pragma warning disable CA1031 // rethrown on the test's thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    private static unsafe void DropCapability(int capability)
    {
        var header = new CapHeader { Version = LinuxCapabilityVersion3, Pid = 0 };
        CapData* data = stackalloc CapData[2];
        if (Syscall(SysCapget, &header, data) != 0) throw new IOException($"capget failed: errno {Marshal.GetLastPInvokeError()}");
        data[capability / 32].Effective &= ~(1u << (capability % 32));
        data[capability / 32].Permitted &= ~(1u << (capability % 32));
        if (Syscall(SysCapset, &header, data) != 0) throw new IOException($"capset failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, CapHeader* header, CapData* data);
}
