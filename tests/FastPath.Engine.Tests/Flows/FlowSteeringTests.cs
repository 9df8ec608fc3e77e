using FastPath.Engine.Flows;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Tests.Runtime;
using FastPath.Wire.Ipv4;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Flows;

using Engine = FastPath.Engine.Runtime.Engine;

public class FlowSteeringTests
{
    [Fact]
    public void Both_directions_of_a_flow_select_the_same_worker_and_the_table_spreads_them()
    {
        var steering = new FlowSteering(workerCount: 3);
        var perWorker = new int[3];
        var random = new Random(1);
        for (int i = 0; i < 3000; i++)
        {
            var key = new FlowKey(new Ipv4Address((uint)random.Next()), new Ipv4Address((uint)random.Next()), (ushort)random.Next(65536), (ushort)random.Next(65536), IpProtocol.Udp);
            int worker = steering.SelectWorker(key);
            Assert.Equal(worker, steering.SelectWorker(key.Reversed));
            perWorker[worker]++;
        }
        Assert.All(perWorker, count => Assert.InRange(count, 850, 1150));
    }

    [Fact]
    public void A_frame_selects_its_flows_worker_and_non_ipv4_stays_put()
    {
        var steering = new FlowSteering(workerCount: 2);
        byte[] frame = Frames.Udp([1], sourcePort: 1234, destinationPort: 53);
        Assert.True(FlowKey.TryParse(frame, out FlowKey key));
        Assert.Equal(steering.SelectWorker(key), steering.SelectWorker(frame));
        byte[] arp = (byte[])frame.Clone();
        arp[13] = 0x06;
        Assert.Equal(-1, steering.SelectWorker(arp));
    }

    [Fact]
    public void The_indirection_table_can_be_replaced_and_is_checked()
    {
        var steering = new FlowSteering(workerCount: 2);
        steering.SetIndirectionTable(Enumerable.Repeat(1, FlowSteering.IndirectionTableSize).ToArray());
        Assert.Equal(1, steering.SelectWorker(0x12345678u));
        Assert.Throws<ArgumentOutOfRangeException>(() => steering.SetIndirectionTable(Enumerable.Repeat(2, FlowSteering.IndirectionTableSize).ToArray()));
        Assert.Throws<ArgumentException>(() => steering.SetIndirectionTable(new int[5]));
    }

    [Fact]
    public void An_engine_with_steering_processes_every_packet_on_its_flows_worker_exactly_once_and_gets_every_frame_back()
    {
        var pairs = new[] { MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 1024 }), MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 1024 }) };
        FramePool[] pools = [pairs[0].A.Pool, pairs[0].B.Pool, pairs[1].A.Pool, pairs[1].B.Pool];
        var recorders = new[] { new FlowRecorder(), new FlowRecorder() };
        using var engine = Engine.Create(pairs.Select(pair => new PortBinding<MemoryPort>(() => pair.B)).ToArray(), id => recorders[id],
            new EngineOptions { FlowSteering = true, SteeringRingSize = 256, Worker = new WorkerOptions { Idle = IdleStrategy.BusyPoll } });
        Assert.NotNull(engine.Steering);
        engine.Start();

        // 200 flows, each in both directions, each packet into a port chosen at random: about half land on the wrong worker.
        var random = new Random(42);
        var flows = Enumerable.Range(0, 200).Select(i => new FlowKey(new Ipv4Address(0x0A000000u + (uint)i), Frames.IpB, (ushort)(20000 + i), 53, IpProtocol.Udp)).ToArray();
        int sent = 0, misdirected = 0;
        for (int round = 0; round < 10; round++)
        {
            foreach (FlowKey flow in flows)
            {
                foreach (FlowKey direction in new[] { flow, flow.Reversed })
                {
                    int port = random.Next(2);
                    byte[] bytes = Frames.Udp(BitConverter.GetBytes(sent), direction.SourcePort, direction.DestinationPort, source: direction.Source, destination: direction.Destination);
                    MemoryPort a = pairs[port].A;
                    a.Flush();
                    WorkerTests.SpinUntil(() => a.Pool.Available > 0 && recorders.Sum(r => r.Count) >= sent - 256);
                    Assert.True(a.Pool.TryAllocate(out Packet packet));
                    packet.Length = (ushort)bytes.Length;
                    bytes.CopyTo(a.Pool.Region.GetSpan(packet));
                    Assert.Equal(1, a.Transmit([packet]));
                    sent++;
                    if (engine.Steering!.SelectWorker(direction) != port) misdirected++;
                }
            }
        }
        WorkerTests.SpinUntil(() => recorders.Sum(r => r.Count) == sent);
        Assert.True(engine.Stop());

        for (int worker = 0; worker < 2; worker++)
        {
            foreach ((FlowKey key, int count) in recorders[worker].Seen)
            {
                Assert.Equal(worker, engine.Steering!.SelectWorker(key));
                Assert.Equal(20, count); // ten rounds, both directions
            }
        }
        Assert.Equal(flows.Length, recorders.Sum(r => r.Seen.Count));
        EngineStatistics stats = engine.Statistics;
        Assert.Equal(misdirected, stats.Totals.SteeredOut);
        Assert.Equal(misdirected, stats.Totals.SteeredIn);
        Assert.Equal(0, stats.Totals.SteeringDrops);
        Assert.InRange(misdirected, sent / 3, sent * 2 / 3);
        Assert.Equal(sent, stats.Totals.RxPackets);
        Assert.Equal(0, stats.Totals.FramesNotReturned);
        foreach (var (a, _) in pairs) a.Dispose();
        Assert.All(pools, pool => Assert.Equal(0, pool.InUse));
    }

    [Fact]
    public void A_stop_while_packets_are_being_handed_over_returns_every_frame_to_its_owner()
    {
        var pairs = new[] { MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 512 }), MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 512 }) };
        FramePool[] pools = [pairs[0].A.Pool, pairs[0].B.Pool, pairs[1].A.Pool, pairs[1].B.Pool];
        using var engine = Engine.Create(pairs.Select(pair => new PortBinding<MemoryPort>(() => pair.B)).ToArray(), _ => new FlowRecorder(),
            new EngineOptions { FlowSteering = true, SteeringRingSize = 64, Worker = new WorkerOptions { Idle = IdleStrategy.BusyPoll } });
        engine.Start();
        var random = new Random(3);
        byte[][] frames = Enumerable.Range(0, 64).Select(i => Frames.Udp([1, 2], (ushort)(1000 + i), 9)).ToArray();
        for (int i = 0; i < 5000; i++)
        {
            MemoryPort a = pairs[i & 1].A;
            a.Flush();
            if (!a.Pool.TryAllocate(out Packet packet)) continue;
            byte[] bytes = frames[random.Next(frames.Length)];
            packet.Length = (ushort)bytes.Length;
            bytes.CopyTo(a.Pool.Region.GetSpan(packet));
            if (a.Transmit([packet]) == 0) a.Pool.Free(packet);
        }
        Assert.True(engine.Stop());
        Assert.All(engine.Workers, worker => Assert.Null(worker.Failure));
        Assert.Equal(0, engine.Statistics.Totals.FramesNotReturned);
        foreach (var (a, _) in pairs) a.Dispose();
        Assert.All(pools, pool => Assert.Equal(0, pool.InUse));
    }

    private sealed class FlowRecorder : IWorkerApplication
    {
        private WorkerContext? _context;
        private int _count;

        public Dictionary<FlowKey, int> Seen { get; } = [];

        public int Count => Volatile.Read(ref _count);

        public void Start(WorkerContext context) => _context = context;

        public void Receive(Span<Packet> packets)
        {
            foreach (ref readonly Packet packet in packets)
            {
                Assert.True(_context!.Pool.Owns(packet.Frame));
                Assert.True(FlowKey.TryParse(_context.Pool.Region.GetSpan(packet), out FlowKey key));
                // One entry per flow, whichever direction came first.
                FlowKey canonical = Seen.ContainsKey(key.Reversed) ? key.Reversed : key;
                Seen[canonical] = Seen.GetValueOrDefault(canonical) + 1;
            }
            _context!.Pool.Free(packets);
            Volatile.Write(ref _count, _count + packets.Length);
        }

        public void Poll(long nowNanoseconds)
        {
        }

        public void Stop()
        {
        }
    }
}
