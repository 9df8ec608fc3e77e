using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;

namespace FastPath.Fuzz.Tests.Targets;

/// <summary>The counters one frame moves, read from the stack's own counter objects (no snapshot allocated per frame).</summary>
internal sealed class StackCounterDeltas
{
    private static readonly int ReasonCount = Enum.GetValues<StackDropReason>().Length;

    private readonly long[] _drops = new long[ReasonCount];
    private readonly long[] _dropsBefore = new long[ReasonCount];
    private long _rx, _tx, _arpRequests, _arpReplies, _arpRepliesSent, _ipv4, _udp, _echoReplies, _timestampReplies, _igmp, _fragments, _icmp, _segments;

    public long Rx { get; private set; }
    public long Tx { get; private set; }
    public long ArpReceived { get; private set; }
    public long Ipv4Delivered { get; private set; }
    public long Fragments { get; private set; }
    public long DropsTotal { get; private set; }
    public long Delivered { get; private set; }

    public long Dropped(StackDropReason reason) => _drops[(int)reason];

    public void Begin(StackCounters stack, TcpCounters tcp)
    {
        stack.Drops.AsSpan().CopyTo(_dropsBefore);
        (_rx, _tx, _arpRequests, _arpReplies, _arpRepliesSent, _ipv4) = (stack.RxPackets, stack.TxPackets, stack.ArpRequestsReceived, stack.ArpRepliesReceived, stack.ArpReplies, stack.Ipv4Delivered);
        (_udp, _echoReplies, _timestampReplies, _igmp, _fragments, _icmp, _segments) =
            (stack.UdpReceived, stack.EchoReplies, stack.TimestampReplies, stack.IgmpReceived, stack.FragmentsReceived, stack.IcmpReceived, tcp.SegmentsReceived);
    }

    public void End(StackCounters stack, TcpCounters tcp, long handlerDeliveries)
    {
        long total = 0;
        for (int i = 0; i < ReasonCount; i++)
        {
            _drops[i] = stack.Drops[i] - _dropsBefore[i];
            total += _drops[i];
        }
        DropsTotal = total;
        Rx = stack.RxPackets - _rx;
        Tx = stack.TxPackets - _tx;
        ArpReceived = stack.ArpRequestsReceived - _arpRequests + stack.ArpRepliesReceived - _arpReplies;
        Ipv4Delivered = stack.Ipv4Delivered - _ipv4;
        Fragments = stack.FragmentsReceived - _fragments;
        // Ways a datagram counts as taken: a socket got it, a reply went out, IGMP or TCP took it, a handler was called.
        Delivered = stack.UdpReceived - _udp + stack.EchoReplies - _echoReplies + stack.TimestampReplies - _timestampReplies
            + stack.IgmpReceived - _igmp + Fragments + tcp.SegmentsReceived - _segments + handlerDeliveries
            + stack.ArpReplies - _arpRepliesSent;
    }

    public string Describe()
    {
        var nonZero = Enum.GetValues<StackDropReason>().Where(r => _drops[(int)r] != 0).Select(r => $"{StackCountersSnapshot.NameOf(r)}={_drops[(int)r]}");
        return $"rx {Rx}, tx {Tx}, arp received {ArpReceived}, ipv4 delivered {Ipv4Delivered}, fragments {Fragments}, delivered {Delivered}, drops {DropsTotal} [{string.Join(", ", nonZero)}]";
    }
}
