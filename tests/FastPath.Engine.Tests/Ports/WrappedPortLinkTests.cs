using FastPath.Engine.Memory;
using FastPath.Engine.Pcap;
using FastPath.Engine.Ports;
using FastPath.Engine.Tests.Pcap;

namespace FastPath.Engine.Tests.Ports;

/// <summary>
/// A port wrapped in a fault injector or a pcap tap still reports its link: the wrappers pass Link and
/// CheckLink through (the interface's defaults would say Unknown, and a link monitor would see no outage).
/// </summary>
public class WrappedPortLinkTests
{
    private static readonly PortLink Down = new(LinkState.Down, 3, TimeSpan.FromSeconds(2));
    private static readonly PortLink Gone = new(LinkState.Gone, 4, TimeSpan.FromSeconds(2));

    [Fact]
    public void A_fault_injector_reports_the_inner_ports_link()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 });
        using (b)
        using (var port = new FaultInjectingPort(new LinkedPort(a), new FaultOptions { Seed = 1, LossRate = 0.5 }))
        {
            Assert.Equal(Down, port.Link);
            Assert.Equal(Gone, port.CheckLink());
        }
    }

    [Fact]
    public void A_pcap_tap_reports_the_inner_ports_link()
    {
        using var file = new TempFile();
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 });
        using (b)
        using (var port = new PcapTapPort(new LinkedPort(a), PcapWriter.Create(file.Path)))
        {
            Assert.Equal(Down, port.Link);
            Assert.Equal(Gone, port.CheckLink());
        }
    }

    /// <summary>A memory port with a link to report: Down as last found, Gone when checked.</summary>
    private sealed class LinkedPort(MemoryPort inner) : IPacketPort
    {
        public PortInfo Info => inner.Info;
        public FramePool Pool => inner.Pool;
        public PortStats Stats => inner.Stats;
        public PortLink Link => Down;
        public PortLink CheckLink() => Gone;
        public int Receive(Span<Packet> packets) => inner.Receive(packets);
        public int Transmit(ReadOnlySpan<Packet> packets) => inner.Transmit(packets);
        public void Flush() => inner.Flush();
        public void Dispose() => inner.Dispose();
    }
}
