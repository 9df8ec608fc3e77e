using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastPath.Drivers.Linux.Interop;
using FastPath.Engine.Memory;

namespace FastPath.Drivers.Linux.AfPacket;

/// <summary>The TPACKET_V3 receive side: walk the ready block's frames, copy each into a pool frame, hand the block back.</summary>
public sealed unsafe partial class AfPacketPort
{
    private const uint RxSlowPathStatus = PacketSocket.TP_STATUS_VLAN_VALID | PacketSocket.TP_STATUS_CSUMNOTREADY;
    private const int VlanTagLength = 4;
    private const ushort EtherTypeVlan = 0x8100;

    private readonly byte* _regionBase;
    private readonly int _frameShift;
    private readonly ushort _headroom;
    private readonly uint _rxMaxCopy;
    private readonly nint _rxBlockSize;
    private readonly int _rxBlockCount;
    private byte* _rxRing;
    private int _rxBlockIndex;
    /// <summary>The block being read, or null when the next one has not been taken yet.</summary>
    private PacketSocket.TpacketBlockDesc* _rxBlock;
    private PacketSocket.Tpacket3Hdr* _rxFrame;
    private uint _rxFramesLeft;

    private bool RxBlockReady =>
        _rxBlock != null || (Volatile.Read(ref BlockAt(_rxBlockIndex)->Header.BlockStatus) & PacketSocket.TP_STATUS_USER) != 0;

    /// <summary>
    /// Copies up to <c>packets.Length</c> received frames into pool frames (data at the pool's headroom). Never
    /// blocks: 0 when no block is ready. A block goes back to the kernel the moment its last frame is copied.
    /// </summary>
    public int Receive(Span<Packet> packets)
    {
        if (_disposed != 0) ThrowDisposed();
        ref Packet output = ref MemoryMarshal.GetReference(packets);
        int received = 0;
        long bytes = 0;
        while (received < packets.Length)
        {
            if (_rxFramesLeft == 0 && !TryTakeNextBlock()) break;
            if (!Pool.TryAllocate(out Packet packet))
            {
                // The frames wait in the ring (which fills, and then the kernel counts drops) rather than
                // being dropped here: the caller may free frames and come back.
                _stats.FillRingEmpty++;
                break;
            }

            PacketSocket.Tpacket3Hdr* frame = _rxFrame;
            uint length = frame->SnapLength;
            uint status = frame->Status;
            byte* destination = _regionBase + ((nint)packet.Frame << _frameShift) + _headroom;
            if ((status & RxSlowPathStatus) == 0 && length <= _rxMaxCopy)
            {
                Unsafe.CopyBlockUnaligned(destination, (byte*)frame + frame->MacOffset, length);
                packet.Length = (ushort)length;
                Unsafe.Add(ref output, received++) = packet;
                bytes += length;
            }
            else if (TryCopySlow(frame, status, destination, ref packet))
            {
                Unsafe.Add(ref output, received++) = packet;
                bytes += packet.Length;
            }
            else
            {
                Pool.Free(packet);
            }

            _rxFrame = (PacketSocket.Tpacket3Hdr*)((byte*)frame + frame->NextOffset);
            if (--_rxFramesLeft == 0) ReleaseBlock();
        }
        _stats.RxPackets += received;
        _stats.RxBytes += bytes;
        if (received == 0 && _link.IsDue) _link.CheckNowOrThrowIfGone();
        return received;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private PacketSocket.TpacketBlockDesc* BlockAt(int index) => (PacketSocket.TpacketBlockDesc*)(_rxRing + index * _rxBlockSize);

    private bool TryTakeNextBlock()
    {
        while (true)
        {
            PacketSocket.TpacketBlockDesc* block = BlockAt(_rxBlockIndex);
            // Acquire: the kernel fills the block, then (after smp_wmb in prb_close_block) sets TP_STATUS_USER;
            // no read of the block's frames may move above this load.
            if ((Volatile.Read(ref block->Header.BlockStatus) & PacketSocket.TP_STATUS_USER) == 0) return false;
            _rxBlock = block;
            _rxFramesLeft = block->Header.PacketCount;
            if (_rxFramesLeft != 0)
            {
                _rxFrame = (PacketSocket.Tpacket3Hdr*)((byte*)block + block->Header.OffsetToFirstPacket);
                return true;
            }
            ReleaseBlock(); // an empty block (the kernel does not retire those, but be safe) goes straight back
        }
    }

    private void ReleaseBlock()
    {
        // Release: every copy out of the block completes before the kernel may see it as its own and refill it.
        Volatile.Write(ref _rxBlock->Header.BlockStatus, PacketSocket.TP_STATUS_KERNEL);
        _rxBlock = null;
        _rxFrame = null;
        if (++_rxBlockIndex == _rxBlockCount) _rxBlockIndex = 0;
    }

    /// <summary>
    /// The rare frames: too long for a pool frame (dropped), with a VLAN tag the kernel moved out of the
    /// frame into the header (put back, as the wire had it), or with a partial checksum (completed).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryCopySlow(PacketSocket.Tpacket3Hdr* frame, uint status, byte* destination, ref Packet packet)
    {
        byte* source = (byte*)frame + frame->MacOffset;
        uint length = frame->SnapLength;
        bool tagged = (status & PacketSocket.TP_STATUS_VLAN_VALID) != 0;
        uint total = length + (tagged ? VlanTagLength : 0u);
        if (total > _rxMaxCopy || length < EthernetHeaderLength || frame->Length != length)
        {
            // Longer than a pool frame, or truncated by the ring (snaplen < len): not the frame that was sent.
            _stats.RxInvalid++;
            return false;
        }

        if (tagged)
        {
            // __netif_receive_skb_core untags every VLAN frame before taps see it; the tag is in the header.
            const int macAddresses = 12;
            Unsafe.CopyBlockUnaligned(destination, source, macAddresses);
            ushort tpid = (status & PacketSocket.TP_STATUS_VLAN_TPID_VALID) != 0 ? frame->VlanTpid : EtherTypeVlan;
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(destination + macAddresses, 2), tpid);
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(destination + macAddresses + 2, 2), (ushort)frame->VlanTci);
            Unsafe.CopyBlockUnaligned(destination + macAddresses + VlanTagLength, source + macAddresses, length - macAddresses);
        }
        else
        {
            Unsafe.CopyBlockUnaligned(destination, source, length);
        }
        packet.Length = (ushort)total;

        if ((status & PacketSocket.TP_STATUS_CSUMNOTREADY) != 0)
        {
            if (PartialChecksum.TryComplete(new Span<byte>(destination, (int)total))) Interlocked.Increment(ref _checksumsCompleted);
            else Interlocked.Increment(ref _checksumsLeftPartial);
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowDisposed() => throw new ObjectDisposedException(nameof(AfPacketPort));
}
