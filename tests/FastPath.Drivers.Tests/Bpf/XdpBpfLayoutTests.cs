using FastPath.Drivers.Linux.Bpf;
using FastPath.Drivers.Linux.Interop;
using FastPath.Drivers.Tests.Interop;
using BpfAbi = FastPath.Drivers.Linux.Interop.Bpf;

namespace FastPath.Drivers.Tests.Bpf;

/// <summary>
/// The bpf(2) and AF_XDP structs against the kernel ABI: sizes and offsets from include/uapi/linux/bpf.h
/// and if_xdp.h on x86-64 (offsetof as gcc computes it from the uapi headers of Linux 6.x).
/// </summary>
public sealed unsafe class XdpBpfLayoutTests
{
    [Fact]
    public void Map_create_attr_matches_bpf_attr() =>
        AbiLayout.AssertLayout<BpfAbi.MapCreateAttr>(44,
            (nameof(BpfAbi.MapCreateAttr.MapType), 0),
            (nameof(BpfAbi.MapCreateAttr.KeySize), 4),
            (nameof(BpfAbi.MapCreateAttr.ValueSize), 8),
            (nameof(BpfAbi.MapCreateAttr.MaxEntries), 12),
            (nameof(BpfAbi.MapCreateAttr.MapFlags), 16),
            (nameof(BpfAbi.MapCreateAttr.MapName), 28));

    [Fact]
    public void Map_element_attr_matches_bpf_attr() =>
        AbiLayout.AssertLayout<BpfAbi.MapElementAttr>(32,
            (nameof(BpfAbi.MapElementAttr.MapFd), 0),
            (nameof(BpfAbi.MapElementAttr.Key), 8),
            (nameof(BpfAbi.MapElementAttr.Value), 16),
            (nameof(BpfAbi.MapElementAttr.Flags), 24));

    [Fact]
    public void Program_load_attr_matches_bpf_attr() =>
        AbiLayout.AssertLayout<BpfAbi.ProgramLoadAttr>(72,
            (nameof(BpfAbi.ProgramLoadAttr.ProgramType), 0),
            (nameof(BpfAbi.ProgramLoadAttr.InstructionCount), 4),
            (nameof(BpfAbi.ProgramLoadAttr.Instructions), 8),
            (nameof(BpfAbi.ProgramLoadAttr.License), 16),
            (nameof(BpfAbi.ProgramLoadAttr.LogLevel), 24),
            (nameof(BpfAbi.ProgramLoadAttr.LogSize), 28),
            (nameof(BpfAbi.ProgramLoadAttr.LogBuffer), 32),
            (nameof(BpfAbi.ProgramLoadAttr.KernelVersion), 40),
            (nameof(BpfAbi.ProgramLoadAttr.ProgramFlags), 44),
            (nameof(BpfAbi.ProgramLoadAttr.ProgramName), 48),
            (nameof(BpfAbi.ProgramLoadAttr.ProgramInterfaceIndex), 64),
            (nameof(BpfAbi.ProgramLoadAttr.ExpectedAttachType), 68));

    [Fact]
    public void Link_create_and_object_info_attrs_match_bpf_attr()
    {
        AbiLayout.AssertOffsets<BpfAbi.LinkCreateAttr>(
            (nameof(BpfAbi.LinkCreateAttr.ProgramFd), 0),
            (nameof(BpfAbi.LinkCreateAttr.TargetInterfaceIndex), 4),
            (nameof(BpfAbi.LinkCreateAttr.AttachType), 8),
            (nameof(BpfAbi.LinkCreateAttr.Flags), 12));
        AbiLayout.AssertOffsets<BpfAbi.ObjectInfoAttr>(
            (nameof(BpfAbi.ObjectInfoAttr.BpfFd), 0),
            (nameof(BpfAbi.ObjectInfoAttr.InfoLength), 4),
            (nameof(BpfAbi.ObjectInfoAttr.Info), 8));
        AbiLayout.AssertLayout<BpfAbi.LinkInfo>(48,
            (nameof(BpfAbi.LinkInfo.ProgramId), 8),
            (nameof(BpfAbi.LinkInfo.XdpInterfaceIndex), 16));
    }

    [Fact]
    public void Bpf_constants_match_the_uapi_enums()
    {
        Assert.Equal(17u, BpfAbi.BPF_MAP_TYPE_XSKMAP);
        Assert.Equal(6u, BpfAbi.BPF_PROG_TYPE_XDP);
        Assert.Equal(37u, BpfAbi.BPF_XDP);
        Assert.Equal(28, BpfAbi.BPF_LINK_CREATE);
        Assert.Equal(15, BpfAbi.BPF_OBJ_GET_INFO_BY_FD);
        Assert.Equal(51, (int)BpfHelper.RedirectMap);
        Assert.Equal(8, sizeof(BpfInstruction));
    }

    [Fact]
    public void Sockaddr_xdp_and_umem_reg_match_if_xdp_h()
    {
        AbiLayout.AssertLayout<Xdp.SocketAddress>(16,
            (nameof(Xdp.SocketAddress.Flags), 2),
            (nameof(Xdp.SocketAddress.InterfaceIndex), 4),
            (nameof(Xdp.SocketAddress.QueueId), 8),
            (nameof(Xdp.SocketAddress.SharedUmemFd), 12));
        AbiLayout.AssertLayout<Xdp.UmemRegistration>(32,
            (nameof(Xdp.UmemRegistration.Length), 8),
            (nameof(Xdp.UmemRegistration.ChunkSize), 16),
            (nameof(Xdp.UmemRegistration.Headroom), 20),
            (nameof(Xdp.UmemRegistration.Flags), 24),
            (nameof(Xdp.UmemRegistration.TxMetadataLength), 28));
    }

    [Fact]
    public void Ring_offsets_descriptors_statistics_and_options_match_if_xdp_h()
    {
        AbiLayout.AssertLayout<Xdp.RingOffset>(32,
            (nameof(Xdp.RingOffset.Descriptors), 16),
            (nameof(Xdp.RingOffset.Flags), 24));
        AbiLayout.AssertLayout<Xdp.MmapOffsets>(128,
            (nameof(Xdp.MmapOffsets.Rx), 0),
            (nameof(Xdp.MmapOffsets.Tx), 32),
            (nameof(Xdp.MmapOffsets.Fill), 64),
            (nameof(Xdp.MmapOffsets.Completion), 96));
        AbiLayout.AssertLayout<Xdp.Descriptor>(16,
            (nameof(Xdp.Descriptor.Length), 8),
            (nameof(Xdp.Descriptor.Options), 12));
        AbiLayout.AssertLayout<Xdp.Statistics>(48,
            (nameof(Xdp.Statistics.RxRingFull), 24),
            (nameof(Xdp.Statistics.RxFillRingEmptyDescriptors), 32),
            (nameof(Xdp.Statistics.TxRingEmptyDescriptors), 40));
        Assert.Equal(4, sizeof(Xdp.Options));
    }

    [Fact]
    public void Xdp_constants_match_if_xdp_h()
    {
        Assert.Equal(1, Xdp.XDP_SHARED_UMEM);
        Assert.Equal(2, Xdp.XDP_COPY);
        Assert.Equal(4, Xdp.XDP_ZEROCOPY);
        Assert.Equal(8, Xdp.XDP_USE_NEED_WAKEUP);
        Assert.Equal((1, 2, 3, 4, 5, 6, 7, 8), (Xdp.XDP_MMAP_OFFSETS, Xdp.XDP_RX_RING, Xdp.XDP_TX_RING, Xdp.XDP_UMEM_REG,
            Xdp.XDP_UMEM_FILL_RING, Xdp.XDP_UMEM_COMPLETION_RING, Xdp.XDP_STATISTICS, Xdp.XDP_OPTIONS));
        Assert.Equal(0L, Xdp.XDP_PGOFF_RX_RING);
        Assert.Equal(0x80000000L, Xdp.XDP_PGOFF_TX_RING);
        Assert.Equal(0x100000000L, Xdp.XDP_UMEM_PGOFF_FILL_RING);
        Assert.Equal(0x180000000L, Xdp.XDP_UMEM_PGOFF_COMPLETION_RING);
    }
}
