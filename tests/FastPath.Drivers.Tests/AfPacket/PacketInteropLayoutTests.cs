using System.Runtime.InteropServices;
using FastPath.Drivers.Linux.Interop;

namespace FastPath.Drivers.Tests.AfPacket;

/// <summary>Sizes and offsets of the if_packet.h structs (include/uapi/linux/if_packet.h, LP64), as gcc lays them out.</summary>
public sealed unsafe class PacketInteropLayoutTests
{
    [Fact]
    public void SockaddrLl_matches_struct_sockaddr_ll()
    {
        Assert.Equal(20, sizeof(PacketSocket.SockaddrLl));
        Assert.Equal(2, Offset<PacketSocket.SockaddrLl>(nameof(PacketSocket.SockaddrLl.Protocol)));
        Assert.Equal(4, Offset<PacketSocket.SockaddrLl>(nameof(PacketSocket.SockaddrLl.InterfaceIndex)));
        Assert.Equal(8, Offset<PacketSocket.SockaddrLl>(nameof(PacketSocket.SockaddrLl.HardwareType)));
        Assert.Equal(10, Offset<PacketSocket.SockaddrLl>(nameof(PacketSocket.SockaddrLl.PacketType)));
        Assert.Equal(11, Offset<PacketSocket.SockaddrLl>(nameof(PacketSocket.SockaddrLl.AddressLength)));
        Assert.Equal(12, Offset<PacketSocket.SockaddrLl>(nameof(PacketSocket.SockaddrLl.Address)));
    }

    [Fact]
    public void Ring_requests_match_tpacket_req_and_tpacket_req3()
    {
        Assert.Equal(16, sizeof(PacketSocket.TpacketReq));
        Assert.Equal(28, sizeof(PacketSocket.TpacketReq3));
        Assert.Equal(12, Offset<PacketSocket.TpacketReq3>(nameof(PacketSocket.TpacketReq3.FrameCount)));
        Assert.Equal(16, Offset<PacketSocket.TpacketReq3>(nameof(PacketSocket.TpacketReq3.RetireBlockTimeoutMilliseconds)));
        Assert.Equal(20, Offset<PacketSocket.TpacketReq3>(nameof(PacketSocket.TpacketReq3.SizeOfPrivate)));
        Assert.Equal(24, Offset<PacketSocket.TpacketReq3>(nameof(PacketSocket.TpacketReq3.FeatureRequestWord)));
    }

    [Fact]
    public void Block_descriptor_matches_tpacket_block_desc_and_tpacket_hdr_v1()
    {
        Assert.Equal(40, sizeof(PacketSocket.TpacketHdrV1));
        Assert.Equal(4, Offset<PacketSocket.TpacketHdrV1>(nameof(PacketSocket.TpacketHdrV1.PacketCount)));
        Assert.Equal(8, Offset<PacketSocket.TpacketHdrV1>(nameof(PacketSocket.TpacketHdrV1.OffsetToFirstPacket)));
        Assert.Equal(12, Offset<PacketSocket.TpacketHdrV1>(nameof(PacketSocket.TpacketHdrV1.BlockLength)));
        Assert.Equal(16, Offset<PacketSocket.TpacketHdrV1>(nameof(PacketSocket.TpacketHdrV1.SequenceNumber)));
        Assert.Equal(24, Offset<PacketSocket.TpacketHdrV1>(nameof(PacketSocket.TpacketHdrV1.FirstPacketTime)));
        Assert.Equal(32, Offset<PacketSocket.TpacketHdrV1>(nameof(PacketSocket.TpacketHdrV1.LastPacketTime)));
        Assert.Equal(48, sizeof(PacketSocket.TpacketBlockDesc));
        Assert.Equal(8, Offset<PacketSocket.TpacketBlockDesc>(nameof(PacketSocket.TpacketBlockDesc.Header)));
    }

    [Fact]
    public void Frame_headers_match_tpacket3_hdr_and_tpacket2_hdr()
    {
        Assert.Equal(48, sizeof(PacketSocket.Tpacket3Hdr));
        Assert.Equal(12, Offset<PacketSocket.Tpacket3Hdr>(nameof(PacketSocket.Tpacket3Hdr.SnapLength)));
        Assert.Equal(16, Offset<PacketSocket.Tpacket3Hdr>(nameof(PacketSocket.Tpacket3Hdr.Length)));
        Assert.Equal(20, Offset<PacketSocket.Tpacket3Hdr>(nameof(PacketSocket.Tpacket3Hdr.Status)));
        Assert.Equal(24, Offset<PacketSocket.Tpacket3Hdr>(nameof(PacketSocket.Tpacket3Hdr.MacOffset)));
        Assert.Equal(26, Offset<PacketSocket.Tpacket3Hdr>(nameof(PacketSocket.Tpacket3Hdr.NetworkOffset)));
        Assert.Equal(28, Offset<PacketSocket.Tpacket3Hdr>(nameof(PacketSocket.Tpacket3Hdr.RxHash)));
        Assert.Equal(32, Offset<PacketSocket.Tpacket3Hdr>(nameof(PacketSocket.Tpacket3Hdr.VlanTci)));
        Assert.Equal(36, Offset<PacketSocket.Tpacket3Hdr>(nameof(PacketSocket.Tpacket3Hdr.VlanTpid)));

        Assert.Equal(32, sizeof(PacketSocket.Tpacket2Hdr));
        Assert.Equal(12, Offset<PacketSocket.Tpacket2Hdr>(nameof(PacketSocket.Tpacket2Hdr.MacOffset)));
        Assert.Equal(14, Offset<PacketSocket.Tpacket2Hdr>(nameof(PacketSocket.Tpacket2Hdr.NetworkOffset)));
        Assert.Equal(24, Offset<PacketSocket.Tpacket2Hdr>(nameof(PacketSocket.Tpacket2Hdr.VlanTci)));
    }

    [Fact]
    public void Header_lengths_and_tx_data_offsets_follow_the_kernel_macros()
    {
        // TPACKET_ALIGN(sizeof(hdr)) + sizeof(struct sockaddr_ll)
        Assert.Equal(PacketSocket.TPACKET3_HDRLEN, Align(sizeof(PacketSocket.Tpacket3Hdr)) + sizeof(PacketSocket.SockaddrLl));
        Assert.Equal(PacketSocket.TPACKET2_HDRLEN, Align(sizeof(PacketSocket.Tpacket2Hdr)) + sizeof(PacketSocket.SockaddrLl));
        // tpacket_parse_header: data at tp_hdrlen - sizeof(struct sockaddr_ll) without PACKET_TX_HAS_OFF.
        Assert.Equal(PacketSocket.TPACKET3_TX_DATA_OFFSET, PacketSocket.TPACKET3_HDRLEN - sizeof(PacketSocket.SockaddrLl));
        Assert.Equal(PacketSocket.TPACKET2_TX_DATA_OFFSET, PacketSocket.TPACKET2_HDRLEN - sizeof(PacketSocket.SockaddrLl));
    }

    [Fact]
    public void Statistics_and_membership_match_tpacket_stats_v3_and_packet_mreq()
    {
        Assert.Equal(12, sizeof(PacketSocket.TpacketStatsV3));
        Assert.Equal(8, Offset<PacketSocket.TpacketStatsV3>(nameof(PacketSocket.TpacketStatsV3.FreezeQueueCount)));
        Assert.Equal(16, sizeof(PacketSocket.PacketMreq));
        Assert.Equal(4, Offset<PacketSocket.PacketMreq>(nameof(PacketSocket.PacketMreq.Type)));
        Assert.Equal(6, Offset<PacketSocket.PacketMreq>(nameof(PacketSocket.PacketMreq.AddressLength)));
        Assert.Equal(8, Offset<PacketSocket.PacketMreq>(nameof(PacketSocket.PacketMreq.Address)));
    }

    [Fact]
    public void Vnet_header_matches_struct_virtio_net_hdr()
    {
        Assert.Equal(PacketSocket.VirtioNetHeaderSize, sizeof(PacketSocket.VirtioNetHeader));
        Assert.Equal(10, sizeof(PacketSocket.VirtioNetHeader));
        Assert.Equal(2, Offset<PacketSocket.VirtioNetHeader>(nameof(PacketSocket.VirtioNetHeader.HeaderLength)));
        Assert.Equal(8, Offset<PacketSocket.VirtioNetHeader>(nameof(PacketSocket.VirtioNetHeader.ChecksumOffset)));
    }

    [Fact]
    public void Eth_p_all_is_in_network_byte_order()
    {
        ushort value = PacketSocket.ETH_P_ALL_BE;
        var bytes = new ReadOnlySpan<byte>(&value, 2);
        Assert.Equal([0x00, 0x03], bytes.ToArray());
    }

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);

    private static int Align(int size) => (size + PacketSocket.TPACKET_ALIGNMENT - 1) & ~(PacketSocket.TPACKET_ALIGNMENT - 1);
}
