using FastPath.Drivers.Linux.Interop;
using FastPath.Drivers.Tests.Interop;

namespace FastPath.Drivers.Tests.AfPacket;

/// <summary>Sizes and offsets of the if_packet.h structs (include/uapi/linux/if_packet.h, LP64), as gcc lays them out.</summary>
public sealed unsafe class PacketInteropLayoutTests
{
    [Fact]
    public void SockaddrLl_matches_struct_sockaddr_ll() =>
        AbiLayout.AssertLayout<PacketSocket.SockaddrLl>(20,
            (nameof(PacketSocket.SockaddrLl.Protocol), 2),
            (nameof(PacketSocket.SockaddrLl.InterfaceIndex), 4),
            (nameof(PacketSocket.SockaddrLl.HardwareType), 8),
            (nameof(PacketSocket.SockaddrLl.PacketType), 10),
            (nameof(PacketSocket.SockaddrLl.AddressLength), 11),
            (nameof(PacketSocket.SockaddrLl.Address), 12));

    [Fact]
    public void Ring_requests_match_tpacket_req_and_tpacket_req3()
    {
        Assert.Equal(16, sizeof(PacketSocket.TpacketReq));
        AbiLayout.AssertLayout<PacketSocket.TpacketReq3>(28,
            (nameof(PacketSocket.TpacketReq3.FrameCount), 12),
            (nameof(PacketSocket.TpacketReq3.RetireBlockTimeoutMilliseconds), 16),
            (nameof(PacketSocket.TpacketReq3.SizeOfPrivate), 20),
            (nameof(PacketSocket.TpacketReq3.FeatureRequestWord), 24));
    }

    [Fact]
    public void Block_descriptor_matches_tpacket_block_desc_and_tpacket_hdr_v1()
    {
        AbiLayout.AssertLayout<PacketSocket.TpacketHdrV1>(40,
            (nameof(PacketSocket.TpacketHdrV1.PacketCount), 4),
            (nameof(PacketSocket.TpacketHdrV1.OffsetToFirstPacket), 8),
            (nameof(PacketSocket.TpacketHdrV1.BlockLength), 12),
            (nameof(PacketSocket.TpacketHdrV1.SequenceNumber), 16),
            (nameof(PacketSocket.TpacketHdrV1.FirstPacketTime), 24),
            (nameof(PacketSocket.TpacketHdrV1.LastPacketTime), 32));
        AbiLayout.AssertLayout<PacketSocket.TpacketBlockDesc>(48,
            (nameof(PacketSocket.TpacketBlockDesc.Header), 8));
    }

    [Fact]
    public void Frame_headers_match_tpacket3_hdr_and_tpacket2_hdr()
    {
        AbiLayout.AssertLayout<PacketSocket.Tpacket3Hdr>(48,
            (nameof(PacketSocket.Tpacket3Hdr.SnapLength), 12),
            (nameof(PacketSocket.Tpacket3Hdr.Length), 16),
            (nameof(PacketSocket.Tpacket3Hdr.Status), 20),
            (nameof(PacketSocket.Tpacket3Hdr.MacOffset), 24),
            (nameof(PacketSocket.Tpacket3Hdr.NetworkOffset), 26),
            (nameof(PacketSocket.Tpacket3Hdr.RxHash), 28),
            (nameof(PacketSocket.Tpacket3Hdr.VlanTci), 32),
            (nameof(PacketSocket.Tpacket3Hdr.VlanTpid), 36));
        AbiLayout.AssertLayout<PacketSocket.Tpacket2Hdr>(32,
            (nameof(PacketSocket.Tpacket2Hdr.MacOffset), 12),
            (nameof(PacketSocket.Tpacket2Hdr.NetworkOffset), 14),
            (nameof(PacketSocket.Tpacket2Hdr.VlanTci), 24));
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
        AbiLayout.AssertLayout<PacketSocket.TpacketStatsV3>(12,
            (nameof(PacketSocket.TpacketStatsV3.FreezeQueueCount), 8));
        AbiLayout.AssertLayout<PacketSocket.PacketMreq>(16,
            (nameof(PacketSocket.PacketMreq.Type), 4),
            (nameof(PacketSocket.PacketMreq.AddressLength), 6),
            (nameof(PacketSocket.PacketMreq.Address), 8));
    }

    [Fact]
    public void Vnet_header_matches_struct_virtio_net_hdr()
    {
        Assert.Equal(PacketSocket.VirtioNetHeaderSize, sizeof(PacketSocket.VirtioNetHeader));
        AbiLayout.AssertLayout<PacketSocket.VirtioNetHeader>(10,
            (nameof(PacketSocket.VirtioNetHeader.HeaderLength), 2),
            (nameof(PacketSocket.VirtioNetHeader.ChecksumOffset), 8));
    }

    [Fact]
    public void Eth_p_all_is_in_network_byte_order()
    {
        ushort value = PacketSocket.ETH_P_ALL_BE;
        var bytes = new ReadOnlySpan<byte>(&value, 2);
        Assert.Equal([0x00, 0x03], bytes.ToArray());
    }

    private static int Align(int size) => (size + PacketSocket.TPACKET_ALIGNMENT - 1) & ~(PacketSocket.TPACKET_ALIGNMENT - 1);
}
