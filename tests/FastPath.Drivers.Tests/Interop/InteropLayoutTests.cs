using FastPath.Drivers.Linux.Interop;

namespace FastPath.Drivers.Tests.Interop;

/// <summary>Sizes and offsets of the shared interop structs against the kernel/glibc ABI on x86-64.</summary>
public sealed unsafe class InteropLayoutTests
{
    [Fact]
    public void InterfaceRequest_matches_struct_ifreq() =>
        AbiLayout.AssertLayout<Ioctl.InterfaceRequest>(40,
            (nameof(Ioctl.InterfaceRequest.Flags), 16),
            (nameof(Ioctl.InterfaceRequest.Mtu), 16),
            (nameof(Ioctl.InterfaceRequest.HardwareFamily), 16));

    [Fact]
    public void InterfaceRequest_name_is_nul_terminated_and_truncated_to_fit()
    {
        var request = Ioctl.InterfaceRequest.For("veth0");
        Assert.Equal("veth0\0", System.Text.Encoding.ASCII.GetString(new ReadOnlySpan<byte>(request.Name, 6)));
    }

    [Fact]
    public void Ethtool_structs_match_linux_ethtool_h()
    {
        AbiLayout.AssertLayout<Ioctl.EthtoolChannels>(36,
            (nameof(Ioctl.EthtoolChannels.RxCount), 20),
            (nameof(Ioctl.EthtoolChannels.CombinedCount), 32));
        Assert.Equal(8, sizeof(Ioctl.EthtoolValue));
    }

    [Fact]
    public void PollFd_matches_struct_pollfd() =>
        AbiLayout.AssertLayout<Libc.PollFd>(8, (nameof(Libc.PollFd.ReturnedEvents), 6));

    [Fact]
    public void Syscall_errors_name_the_call_and_the_errno()
    {
        var error = Assert.Throws<SyscallException>(() => Errors.Throw("bind(AF_XDP)", Errors.EBUSY));
        Assert.Equal("bind(AF_XDP)", error.Syscall);
        Assert.Equal(Errors.EBUSY, error.Errno);
        Assert.StartsWith("bind(AF_XDP) failed: EBUSY (", error.Message, StringComparison.Ordinal);
        Assert.Contains("busy", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_failing_call_reports_errno_from_the_kernel()
    {
        // close(-1) fails with EBADF: the errno travels from libc through SetLastError to the exception.
        int result = Libc.Close(-1);
        var error = Assert.Throws<SyscallException>(() => Errors.ThrowIfFailed(result, "close"));
        Assert.Equal(Errors.EBADF, error.Errno);
    }
}
