using System.Runtime.InteropServices;
using FastPath.Drivers.Linux.Bpf;
using FastPath.Drivers.Linux.Interop;
using BpfAbi = FastPath.Drivers.Linux.Interop.Bpf;

namespace FastPath.Drivers.Tests.Bpf;

/// <summary>
/// The bpf(2) and AF_XDP structs against the kernel ABI: sizes and offsets from include/uapi/linux/bpf.h
/// and if_xdp.h on x86-64 (offsetof as gcc computes it from the uapi headers of Linux 6.x).
/// </summary>
public sealed unsafe class XdpBpfLayoutTests
{
    [Fact]
    public void Map_create_attr_matches_bpf_attr()
    {
        Assert.Equal(0, Offset<BpfAbi.MapCreateAttr>(nameof(BpfAbi.MapCreateAttr.MapType)));
        Assert.Equal(4, Offset<BpfAbi.MapCreateAttr>(nameof(BpfAbi.MapCreateAttr.KeySize)));
        Assert.Equal(8, Offset<BpfAbi.MapCreateAttr>(nameof(BpfAbi.MapCreateAttr.ValueSize)));
        Assert.Equal(12, Offset<BpfAbi.MapCreateAttr>(nameof(BpfAbi.MapCreateAttr.MaxEntries)));
        Assert.Equal(16, Offset<BpfAbi.MapCreateAttr>(nameof(BpfAbi.MapCreateAttr.MapFlags)));
        Assert.Equal(28, Offset<BpfAbi.MapCreateAttr>(nameof(BpfAbi.MapCreateAttr.MapName)));
        Assert.Equal(44, sizeof(BpfAbi.MapCreateAttr));
    }

    [Fact]
    public void Map_element_attr_matches_bpf_attr()
    {
        Assert.Equal(0, Offset<BpfAbi.MapElementAttr>(nameof(BpfAbi.MapElementAttr.MapFd)));
        Assert.Equal(8, Offset<BpfAbi.MapElementAttr>(nameof(BpfAbi.MapElementAttr.Key)));
        Assert.Equal(16, Offset<BpfAbi.MapElementAttr>(nameof(BpfAbi.MapElementAttr.Value)));
        Assert.Equal(24, Offset<BpfAbi.MapElementAttr>(nameof(BpfAbi.MapElementAttr.Flags)));
        Assert.Equal(32, sizeof(BpfAbi.MapElementAttr));
    }

    [Fact]
    public void Program_load_attr_matches_bpf_attr()
    {
        Assert.Equal(0, Offset<BpfAbi.ProgramLoadAttr>(nameof(BpfAbi.ProgramLoadAttr.ProgramType)));
        Assert.Equal(4, Offset<BpfAbi.ProgramLoadAttr>(nameof(BpfAbi.ProgramLoadAttr.InstructionCount)));
        Assert.Equal(8, Offset<BpfAbi.ProgramLoadAttr>(nameof(BpfAbi.ProgramLoadAttr.Instructions)));
        Assert.Equal(16, Offset<BpfAbi.ProgramLoadAttr>(nameof(BpfAbi.ProgramLoadAttr.License)));
        Assert.Equal(24, Offset<BpfAbi.ProgramLoadAttr>(nameof(BpfAbi.ProgramLoadAttr.LogLevel)));
        Assert.Equal(28, Offset<BpfAbi.ProgramLoadAttr>(nameof(BpfAbi.ProgramLoadAttr.LogSize)));
        Assert.Equal(32, Offset<BpfAbi.ProgramLoadAttr>(nameof(BpfAbi.ProgramLoadAttr.LogBuffer)));
        Assert.Equal(40, Offset<BpfAbi.ProgramLoadAttr>(nameof(BpfAbi.ProgramLoadAttr.KernelVersion)));
        Assert.Equal(44, Offset<BpfAbi.ProgramLoadAttr>(nameof(BpfAbi.ProgramLoadAttr.ProgramFlags)));
        Assert.Equal(48, Offset<BpfAbi.ProgramLoadAttr>(nameof(BpfAbi.ProgramLoadAttr.ProgramName)));
        Assert.Equal(64, Offset<BpfAbi.ProgramLoadAttr>(nameof(BpfAbi.ProgramLoadAttr.ProgramInterfaceIndex)));
        Assert.Equal(68, Offset<BpfAbi.ProgramLoadAttr>(nameof(BpfAbi.ProgramLoadAttr.ExpectedAttachType)));
        Assert.Equal(72, sizeof(BpfAbi.ProgramLoadAttr));
    }

    [Fact]
    public void Link_create_and_object_info_attrs_match_bpf_attr()
    {
        Assert.Equal(0, Offset<BpfAbi.LinkCreateAttr>(nameof(BpfAbi.LinkCreateAttr.ProgramFd)));
        Assert.Equal(4, Offset<BpfAbi.LinkCreateAttr>(nameof(BpfAbi.LinkCreateAttr.TargetInterfaceIndex)));
        Assert.Equal(8, Offset<BpfAbi.LinkCreateAttr>(nameof(BpfAbi.LinkCreateAttr.AttachType)));
        Assert.Equal(12, Offset<BpfAbi.LinkCreateAttr>(nameof(BpfAbi.LinkCreateAttr.Flags)));
        Assert.Equal(0, Offset<BpfAbi.ObjectInfoAttr>(nameof(BpfAbi.ObjectInfoAttr.BpfFd)));
        Assert.Equal(4, Offset<BpfAbi.ObjectInfoAttr>(nameof(BpfAbi.ObjectInfoAttr.InfoLength)));
        Assert.Equal(8, Offset<BpfAbi.ObjectInfoAttr>(nameof(BpfAbi.ObjectInfoAttr.Info)));
        Assert.Equal(16, Offset<BpfAbi.LinkInfo>(nameof(BpfAbi.LinkInfo.XdpInterfaceIndex)));
        Assert.Equal(8, Offset<BpfAbi.LinkInfo>(nameof(BpfAbi.LinkInfo.ProgramId)));
        Assert.Equal(48, sizeof(BpfAbi.LinkInfo));
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
        Assert.Equal(16, sizeof(Xdp.SocketAddress));
        Assert.Equal(2, Offset<Xdp.SocketAddress>(nameof(Xdp.SocketAddress.Flags)));
        Assert.Equal(4, Offset<Xdp.SocketAddress>(nameof(Xdp.SocketAddress.InterfaceIndex)));
        Assert.Equal(8, Offset<Xdp.SocketAddress>(nameof(Xdp.SocketAddress.QueueId)));
        Assert.Equal(12, Offset<Xdp.SocketAddress>(nameof(Xdp.SocketAddress.SharedUmemFd)));

        Assert.Equal(32, sizeof(Xdp.UmemRegistration));
        Assert.Equal(8, Offset<Xdp.UmemRegistration>(nameof(Xdp.UmemRegistration.Length)));
        Assert.Equal(16, Offset<Xdp.UmemRegistration>(nameof(Xdp.UmemRegistration.ChunkSize)));
        Assert.Equal(20, Offset<Xdp.UmemRegistration>(nameof(Xdp.UmemRegistration.Headroom)));
        Assert.Equal(24, Offset<Xdp.UmemRegistration>(nameof(Xdp.UmemRegistration.Flags)));
        Assert.Equal(28, Offset<Xdp.UmemRegistration>(nameof(Xdp.UmemRegistration.TxMetadataLength)));
    }

    [Fact]
    public void Ring_offsets_descriptors_statistics_and_options_match_if_xdp_h()
    {
        Assert.Equal(32, sizeof(Xdp.RingOffset));
        Assert.Equal(16, Offset<Xdp.RingOffset>(nameof(Xdp.RingOffset.Descriptors)));
        Assert.Equal(24, Offset<Xdp.RingOffset>(nameof(Xdp.RingOffset.Flags)));
        Assert.Equal(128, sizeof(Xdp.MmapOffsets));
        Assert.Equal(0, Offset<Xdp.MmapOffsets>(nameof(Xdp.MmapOffsets.Rx)));
        Assert.Equal(32, Offset<Xdp.MmapOffsets>(nameof(Xdp.MmapOffsets.Tx)));
        Assert.Equal(64, Offset<Xdp.MmapOffsets>(nameof(Xdp.MmapOffsets.Fill)));
        Assert.Equal(96, Offset<Xdp.MmapOffsets>(nameof(Xdp.MmapOffsets.Completion)));

        Assert.Equal(16, sizeof(Xdp.Descriptor));
        Assert.Equal(8, Offset<Xdp.Descriptor>(nameof(Xdp.Descriptor.Length)));
        Assert.Equal(12, Offset<Xdp.Descriptor>(nameof(Xdp.Descriptor.Options)));

        Assert.Equal(48, sizeof(Xdp.Statistics));
        Assert.Equal(24, Offset<Xdp.Statistics>(nameof(Xdp.Statistics.RxRingFull)));
        Assert.Equal(32, Offset<Xdp.Statistics>(nameof(Xdp.Statistics.RxFillRingEmptyDescriptors)));
        Assert.Equal(40, Offset<Xdp.Statistics>(nameof(Xdp.Statistics.TxRingEmptyDescriptors)));
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

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
