using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastPath.Drivers.Linux.Devices;
using FastPath.Drivers.Linux.Interop;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;

namespace FastPath.Drivers.Linux.AfPacket;

/// <summary>The transmit side: copy each packet into the next free ring slot, then one sendto per burst.</summary>
public sealed unsafe partial class AfPacketPort
{
    /// <summary>tpacket3_hdr.tp_status: the word the slot changes hands with.</summary>
    private const int TxStatusOffset = 20;
    /// <summary>tpacket3_hdr.tp_len.</summary>
    private const int TxLengthOffset = 16;
    /// <summary>The virtio_net_hdr sits where the frame would start without PACKET_VNET_HDR; the frame follows it.</summary>
    private const int TxVnetOffset = PacketSocket.TPACKET3_TX_DATA_OFFSET;
    private const int TxFrameOffset = TxVnetOffset + PacketSocket.VirtioNetHeaderSize;

    /// <summary>
    /// Frames up to this length go into the skb's linear part whole (hdr_len = length). Otherwise tpacket_snd
    /// copies only the Ethernet header and hangs the rest off the ring page as a fragment: a page reference
    /// taken and dropped per frame, and a fragment that veth's XDP path and many drivers then copy or map
    /// anyway. For small frames one 60-byte copy is cheaper; large frames keep the zero-copy fragment.
    /// </summary>
    private const uint LinearCopyLimit = 256;

    private byte* _txRing;
    private readonly uint _txMask;
    private readonly int _txSlotShift;
    private readonly uint _txMaxLength;
    private uint _txHead;
    private bool _txKickPending;

    /// <summary>
    /// Copies packets into free TX slots and frees their frames to the pool at once; returns how many it
    /// took (a prefix). Stops at the first slot the kernel still owns (counted in TxRingFull). A packet
    /// the kernel would refuse (shorter than an Ethernet header, longer than MTU + 18) is taken, freed and
    /// counted in TxInvalid. Nothing is sent before <see cref="Flush"/>. Each slot carries a virtio_net_hdr
    /// (PACKET_VNET_HDR) whose hdr_len makes the kernel copy a small frame into the skb whole.
    /// </summary>
    public int Transmit(ReadOnlySpan<Packet> packets)
    {
        if (_disposed != 0) ThrowDisposed();
        ref Packet input = ref MemoryMarshal.GetReference(packets);
        byte* ring = _txRing;
        byte* regionBase = _regionBase;
        int frameShift = _frameShift;
        int slotShift = _txSlotShift;
        uint mask = _txMask;
        uint maxLength = _txMaxLength;
        uint head = _txHead;
        long bytes = 0;
        int queued = 0;
        int taken = 0;
        for (; taken < packets.Length; taken++)
        {
            byte* slot = ring + ((nint)head << slotShift);
            // Acquire: the kernel's skb destructor sets AVAILABLE once the frame was sent; only then may the slot be rewritten.
            uint status = Volatile.Read(ref *(uint*)(slot + TxStatusOffset));
            if (status != PacketSocket.TP_STATUS_AVAILABLE && !TryReclaimRefusedSlot(slot, status)) break;

            Packet packet = Unsafe.Add(ref input, taken);
            uint length = packet.Length;
            if (length - EthernetHeaderLength > maxLength - EthernetHeaderLength)
            {
                _stats.TxInvalid++;
                continue;
            }
            Unsafe.CopyBlockUnaligned(slot + TxFrameOffset, regionBase + ((nint)packet.Frame << frameShift) + packet.Offset, length);
            // virtio_net_hdr: flags 0, gso_type NONE, hdr_len; the other fields stay as the kernel zeroed them.
            *(uint*)(slot + TxVnetOffset) = length <= LinearCopyLimit ? length << 16 : 0;
            *(uint*)(slot + TxLengthOffset) = length + PacketSocket.VirtioNetHeaderSize;
            // Release: the length and bytes are in place before the kernel can see the request.
            Volatile.Write(ref *(uint*)(slot + TxStatusOffset), PacketSocket.TP_STATUS_SEND_REQUEST);
            head = (head + 1) & mask;
            bytes += length;
            queued++;
        }
        _txHead = head;
        if (taken < packets.Length) _stats.TxRingFull++;
        if (queued != 0)
        {
            _txKickPending = true;
            _stats.TxPackets += queued;
            _stats.TxBytes += bytes;
        }
        // The bytes are in the ring: the frames go back to the pool now, in one bulk free.
        if (taken != 0) Pool.Free(packets[..taken]);
        return taken;
    }

    /// <summary>
    /// Asks the kernel to send every queued slot: one sendto(NULL, 0, MSG_DONTWAIT), which walks the ring
    /// without waiting for completions. No syscall when nothing was queued since the last kick.
    /// </summary>
    public void Flush()
    {
        // While the link is not up, look again (at most every 100 ms) so the port sees it come back.
        if (_link.State != LinkState.Up) _link.CheckOrThrowIfGone();
        if (!_txKickPending) return;
        if (_disposed != 0) ThrowDisposed();
        _txKickPending = false;
        if (Socket.SendTo(_txFd, null, 0, Socket.MSG_DONTWAIT, null, 0) < 0) OnKickFailed();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnKickFailed()
    {
        int errno = Marshal.GetLastPInvokeError();
        switch (errno)
        {
            // EAGAIN/ENOBUFS: the device queue is full; the slots stay requested and go with the next kick.
            // EINTR: a signal; the next kick resumes.
            case Errors.EAGAIN or Errors.ENOBUFS or Errors.EINTR:
                _txKickPending = true;
                return;
            // ENETDOWN (tpacket_snd: the device is not IFF_UP): the slots stay requested and leave with the
            // first kick after the link is back; nothing is lost.
            case Errors.ENETDOWN:
                _txKickPending = true;
                Interlocked.Increment(ref _txLinkDown);
                _ = _link.Check();
                return;
            // ENXIO: packet_notifier forgot the device on NETDEV_UNREGISTER: the interface is gone.
            case int gone when LinkWatch.MeansGone(gone):
                _link.MarkGoneAndThrow($"sendto(AF_PACKET): {Errors.Name(errno)}");
                break;
            default:
                Errors.Throw("sendto(AF_PACKET TX ring)", errno);
                break;
        }
    }

    /// <summary>
    /// A slot the kernel marked TP_STATUS_WRONG_FORMAT (it cannot happen with PACKET_LOSS on, but a kernel
    /// that ignored it would otherwise wedge the ring): count it and take the slot back.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReclaimRefusedSlot(byte* slot, uint status)
    {
        if ((status & PacketSocket.TP_STATUS_WRONG_FORMAT) == 0) return false;
        _stats.TxInvalid++;
        Volatile.Write(ref *(uint*)(slot + TxStatusOffset), PacketSocket.TP_STATUS_AVAILABLE);
        return true;
    }
}
