using FastPath.Drivers.Linux.Interop;

namespace FastPath.Drivers.Linux.AfPacket;

/// <summary>
/// The geometry of the port's two rings (one per socket), each mapped as its blocks laid end to end.
/// </summary>
internal readonly record struct RingLayout(PacketSocket.TpacketReq3 Rx, PacketSocket.TpacketReq3 Tx, int TxSlotSize)
{
    /// <summary>
    /// TPACKET_V3 ignores the frame size on receive except to check tp_frame_nr (frames sit back to back
    /// in a block at tp_next_offset), so any aligned value that divides the block does.
    /// </summary>
    private const int RxNominalFrameSize = 2048;

    /// <summary>TX blocks of 64 KiB: order-4 pages, easy for the kernel to find contiguous.</summary>
    private const int TxBlockSize = 64 * 1024;

    internal long RxLength => (long)Rx.BlockSize * Rx.BlockCount;
    internal long TxLength => (long)Tx.BlockSize * Tx.BlockCount;

    /// <summary>The longest frame a TX slot carries: the slot after the tpacket3_hdr and the virtio_net_hdr.</summary>
    internal int TxMaxFrameLength => TxSlotSize - PacketSocket.TPACKET3_TX_DATA_OFFSET - PacketSocket.VirtioNetHeaderSize;

    /// <param name="options">Block size and count, timeout and TX slot count.</param>
    /// <param name="txSlotSize">Bytes per TX slot: the pool frame size, so any packet from the pool fits after the slot header.</param>
    internal static RingLayout For(AfPacketOptions options, int txSlotSize)
    {
        int rxFrameSize = Math.Min(RxNominalFrameSize, options.RxBlockSize);
        var rx = new PacketSocket.TpacketReq3
        {
            BlockSize = (uint)options.RxBlockSize,
            BlockCount = (uint)options.RxBlockCount,
            FrameSize = (uint)rxFrameSize,
            FrameCount = (uint)(options.RxBlockSize / rxFrameSize * options.RxBlockCount),
            RetireBlockTimeoutMilliseconds = (uint)options.RxBlockTimeoutMilliseconds,
        };

        int txBlockSize = Math.Max(TxBlockSize, txSlotSize);
        int slotsPerBlock = txBlockSize / txSlotSize;
        int txBlocks = Math.Max(1, options.TxFrameCount / slotsPerBlock);
        var tx = new PacketSocket.TpacketReq3
        {
            BlockSize = (uint)txBlockSize,
            BlockCount = (uint)txBlocks,
            FrameSize = (uint)txSlotSize,
            FrameCount = (uint)(slotsPerBlock * txBlocks),
        };
        return new RingLayout(rx, tx, txSlotSize);
    }
}
