namespace FastPath.Drivers.Linux.Bpf;

/// <summary>
/// The XDP program that hands each frame to the AF_XDP socket of the queue it arrived on:
/// <code>return bpf_redirect_map(&amp;xsks, ctx-&gt;rx_queue_index, XDP_PASS);</code>
/// The flags argument's low bits are the action when the map has no socket for the queue (Linux 5.3 and
/// later), so queues without a port keep feeding the kernel's stack.
/// </summary>
internal static class XskRedirectProgram
{
    /// <summary>offsetof(struct xdp_md, rx_queue_index): after data, data_end, data_meta and ingress_ifindex.</summary>
    internal const short RxQueueIndexOffset = 16;

    /// <summary>enum xdp_action XDP_PASS.</summary>
    internal const int XdpPass = 2;

    internal const string Name = "fastpath_xsk";

    public static BpfInstruction[] Assemble(int xskMapFd) =>
        new BpfAssembler()
            // R1 is the context on entry and the first call argument, so read the queue before reusing R1.
            .LoadWord(BpfRegister.R2, BpfRegister.R1, RxQueueIndexOffset)
            .LoadMapFd(BpfRegister.R1, xskMapFd)
            .Mov64(BpfRegister.R3, XdpPass)
            .Call(BpfHelper.RedirectMap)
            .Exit()
            .Build();

    public static BpfProgram Load(XskMap map) => BpfProgram.LoadXdp(Assemble(map.Handle.Fd), Name);
}
