using System.Runtime.CompilerServices;
using FastPath.Drivers.Linux.AfXdp;
using FastPath.Drivers.Linux.Bpf;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.AfXdp;

/// <summary>Opening, describing and closing ports: the program comes and goes with them, errors are one clear line.</summary>
public sealed class AfXdpLifecycleTests
{
    [Fact]
    public void The_program_stays_while_any_port_is_open_and_leaves_with_the_last()
    {
        using var lab = NetLab.Create(new NetLabOptions { RxQueues = 2, TxQueues = 2 });
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
        var queue0 = AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { Queue = 0 });
        Assert.True(NetLab.HasXdpProgram(lab.LocalInterface));
        var queue1 = AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { Queue = 1 });

        queue0.Dispose();
        Assert.True(NetLab.HasXdpProgram(lab.LocalInterface), "queue 1 still needs the program");
        queue1.Dispose();
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
        queue1.Dispose();
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
    }

    [Fact]
    public void A_port_that_is_never_disposed_detaches_the_program_when_finalized()
    {
        using var lab = NetLab.Create();
        OpenAndDrop(lab.LocalInterface);
        Assert.True(NetLab.HasXdpProgram(lab.LocalInterface));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // The kernel may finish releasing the link from a workqueue after close returns: allow it a moment.
        bool attached = true;
        for (int i = 0; i < 50 && attached; i++)
        {
            attached = NetLab.HasXdpProgram(lab.LocalInterface);
            if (attached) Thread.Sleep(100);
        }
        Assert.False(attached, "the finalized port left its XDP program attached");
    }

    [Theory]
    [InlineData(XdpAttachMode.Auto, "native copy")]
    [InlineData(XdpAttachMode.Native, "native copy")]
    [InlineData(XdpAttachMode.Generic, "generic copy")]
    public void Info_describes_the_interface_queue_and_modes(XdpAttachMode mode, string expected)
    {
        using var lab = NetLab.Create();
        using var port = AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { Attach = mode, Bind = XdpBindMode.Copy });
        Assert.Equal(lab.LocalInterface, port.Info.Name);
        Assert.Equal(lab.LocalMac, port.Info.Mac);
        Assert.Equal(1500, port.Info.Mtu);
        Assert.Equal(0, port.Info.Queue);
        Assert.Equal("afxdp", port.Info.Driver);
        Assert.Equal(expected, port.Info.Mode);
        Assert.False(port.IsZeroCopy);
        Assert.Equal(4096, port.Pool.Capacity);
    }

    [Fact]
    public void Veth_has_no_zero_copy_so_auto_binds_in_copy_mode_and_forced_zero_copy_says_why_it_cannot()
    {
        using var lab = NetLab.Create();
        using (var port = AfXdpPort.Open(lab.LocalInterface))
            Assert.Equal("native copy", port.Info.Mode);
        var error = Assert.Throws<IOException>(() => AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { Bind = XdpBindMode.ZeroCopy }));
        Assert.Contains("zero-copy", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface), "a failed open leaves nothing attached");
    }

    [Fact]
    public void A_second_port_cannot_ask_for_another_attach_mode_than_the_one_in_place()
    {
        using var lab = NetLab.Create(new NetLabOptions { RxQueues = 2, TxQueues = 2 });
        using var native = AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { Queue = 0, Attach = XdpAttachMode.Native });
        var error = Assert.Throws<InvalidOperationException>(() =>
            AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { Queue = 1, Attach = XdpAttachMode.Generic }));
        Assert.Contains("native", error.Message, StringComparison.Ordinal);
        using var auto = AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { Queue = 1 });
        Assert.Equal(XdpAttachMode.Native, auto.AttachMode);
    }

    [Fact]
    public void The_same_queue_cannot_be_opened_twice()
    {
        using var lab = NetLab.Create();
        using var first = AfXdpPort.Open(lab.LocalInterface);
        var error = Assert.Throws<IOException>(() => AfXdpPort.Open(lab.LocalInterface));
        Assert.Contains("already has an AF_XDP socket", error.Message, StringComparison.Ordinal);
        Assert.True(NetLab.HasXdpProgram(lab.LocalInterface), "the failed open did not take the first port's program away");
    }

    [Fact]
    public void A_missing_interface_is_one_clear_line()
    {
        var error = Assert.ThrowsAny<IOException>(() => AfXdpPort.Open("fp-missing0"));
        Assert.Equal("no interface named 'fp-missing0'", error.Message);
    }

    [Fact]
    public void A_queue_the_interface_does_not_have_is_one_clear_line()
    {
        using var lab = NetLab.Create();
        var error = Assert.Throws<IOException>(() => AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { Queue = 3 }));
        Assert.Equal($"'{lab.LocalInterface}' has 1 queue; there is no queue 3", error.Message);
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
    }

    [Theory]
    [InlineData(1000, 2048, 2048)]
    [InlineData(4096, 3000, 2048)]
    [InlineData(4096, 2048, 1000)]
    [InlineData(1024, 2048, 2048)]
    public void Bad_options_are_refused_before_anything_is_opened(int frameCount, int frameSize, int ringSize) =>
        Assert.ThrowsAny<ArgumentException>(() =>
            AfXdpPort.Open("lo", new AfXdpOptions { FrameCount = frameCount, FrameSize = frameSize, RingSize = ringSize }));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OpenAndDrop(string interfaceName) => _ = AfXdpPort.Open(interfaceName);
}
