using FastPath.Drivers.Linux.Bpf;
using SyscallException = FastPath.Drivers.Linux.Interop.SyscallException;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.Bpf;

/// <summary>The BPF objects against the real kernel: the verifier, XSKMAP, and XDP links on a lab's veth.</summary>
public sealed class BpfKernelTests
{
    [Fact]
    public void The_redirect_program_passes_the_verifier()
    {
        Requirements.Root();
        using var map = XskMap.Create(4);
        using var program = XskRedirectProgram.Load(map);
        Assert.False(program.Handle.IsInvalid);
    }

    [Fact]
    public void A_rejected_program_reports_the_verifier_log()
    {
        Requirements.Root();
        // Returning R0 before anything wrote it: the verifier answers "R0 !read_ok".
        var broken = new BpfAssembler().Exit().Build();
        var error = Assert.Throws<IOException>(() => BpfProgram.LoadXdp(broken, "fastpath_bad"));
        Assert.StartsWith("bpf(BPF_PROG_LOAD) failed: EACCES", error.Message, StringComparison.Ordinal);
        Assert.Contains("R0 !read_ok", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_xskmap_holds_only_af_xdp_sockets_and_only_its_queues()
    {
        Requirements.Root();
        using var map = XskMap.Create(2);
        Assert.Equal(2, map.Capacity);
        map.Remove(1);
        using var udp = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        var error = Assert.Throws<SyscallException>(() => map.Set(0, (int)udp.Handle));
        Assert.Equal("bpf(BPF_MAP_UPDATE_ELEM, XSKMAP)", error.Syscall);
        Assert.Throws<ArgumentOutOfRangeException>(() => map.Set(2, 0));
    }

    [Theory]
    [InlineData(XdpAttachMode.Native)]
    [InlineData(XdpAttachMode.Generic)]
    public void A_link_attaches_in_the_mode_asked_and_closing_it_detaches_the_program(XdpAttachMode mode)
    {
        using var lab = NetLab.Create();
        using var map = XskMap.Create(1);
        using var program = XskRedirectProgram.Load(map);
        var link = XdpLink.Attach(program, lab.LocalIndex, lab.LocalInterface, mode);
        try
        {
            Assert.Equal(mode, link.Mode);
            var info = link.ReadInfo();
            Assert.Equal(FastPath.Drivers.Linux.Interop.Bpf.BPF_LINK_TYPE_XDP, info.Type);
            Assert.Equal((uint)lab.LocalIndex, info.XdpInterfaceIndex);
            Assert.True(NetLab.HasXdpProgram(lab.LocalInterface));

            // One program per interface and mode: a second link is refused with a reason.
            var error = Assert.Throws<IOException>(() => XdpLink.Attach(program, lab.LocalIndex, lab.LocalInterface, mode));
            Assert.Contains("already has an XDP program", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            link.Dispose();
        }
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
    }

    [Fact]
    public void Auto_takes_native_mode_where_the_driver_has_it()
    {
        using var lab = NetLab.Create();
        using var map = XskMap.Create(1);
        using var program = XskRedirectProgram.Load(map);
        using var link = XdpLink.Attach(program, lab.LocalIndex, lab.LocalInterface, XdpAttachMode.Auto);
        Assert.Equal(XdpAttachMode.Native, link.Mode);
    }
}
