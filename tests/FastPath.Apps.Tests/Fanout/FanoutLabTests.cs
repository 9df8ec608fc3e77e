using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FastPath.Apps.Lab;
using FastPath.TestKit;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Tests.Fanout;

/// <summary>
/// <c>fastpath fanout</c> on a lab: a sender namespace, the fan-out's namespace and three receiver
/// namespaces on one Linux bridge; the sender and the receivers are the kernel's own UDP sockets.
/// </summary>
/// <remarks>
/// The bridge runs with multicast snooping off (LabNetwork's default): it floods the group's datagrams
/// to every port. With snooping on and no querier it would flood unknown groups too, but once it has seen
/// the fan-out's report it forwards only to that port and forgets it when its membership timer runs out,
/// which makes delivery depend on timing; off, delivery depends only on the fan-out.
/// </remarks>
public sealed class FanoutLabTests
{
    private const string Group = "239.7.7.7";
    private const int GroupPort = 5000;
    private const int ReceiverPort = 6000;
    private const int Datagrams = 2000;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Three_kernel_receivers_get_every_datagram_in_order_and_byte_identical(string driver)
    {
        Requirements.Root();
        Requirements.Tool("setpriv", "util-linux");
        using LabNetwork lab = LabNetwork.Create("fanout-test");
        LabBridge bridge = lab.AddBridge("br");
        LabNamespace sender = lab.AddNamespace("sender");
        LabNamespace fanout = lab.AddNamespace("fanout");
        LabNamespace[] receivers = [.. Enumerable.Range(1, 3).Select(i => lab.AddNamespace($"rx{i}"))];
        lab.Attach(sender, bridge, Ipv4Cidr.Parse("10.89.0.1/24"));
        // No kernel address on the fan-out's link: FastPath's stack is the host there.
        LabLink fanoutLink = lab.Attach(fanout, bridge, null);
        for (int i = 0; i < receivers.Length; i++) lab.Attach(receivers[i], bridge, Ipv4Cidr.Parse($"10.89.0.{11 + i}/24"));

        using var received = new Receivers(receivers);
        using LabProcess fanoutProcess = StartFanout(lab, fanout, fanoutLink.A, driver, "--to", "10.89.0.11:6000,10.89.0.12:6000,10.89.0.13:6000");
        using Socket send = SenderSocket(sender, "10.89.0.1");
        var groupEndPoint = new IPEndPoint(IPAddress.Parse(Group), GroupPort);

        // Each destination's MAC is resolved by ARP on the first datagram; until the reply, copies to it
        // are dropped (counted). Warm-up datagrams (sequence -1) go until every receiver has one.
        DateTime deadline = DateTime.UtcNow + Deadline;
        while (!received.AllHaveWarmUp && DateTime.UtcNow < deadline)
        {
            send.SendTo(FanoutHarness.Payload(-1), groupEndPoint);
            Thread.Sleep(50);
        }
        Assert.True(received.AllHaveWarmUp, $"a receiver got no warm-up datagram; fanout: {Output(fanoutProcess)}");

        for (int sequence = 0; sequence < Datagrams; sequence++)
        {
            send.SendTo(FanoutHarness.Payload(sequence), groupEndPoint);
            // Paced so the receivers' socket buffers keep up: this test is about the fan-out, not the kernel's queues.
            if (sequence % 50 == 49) Thread.Sleep(2);
        }
        while (!received.AllHave(Datagrams) && DateTime.UtcNow < deadline) Thread.Sleep(20);

        fanoutProcess.Signal(15);
        LabCommandResult? result = fanoutProcess.WaitForExit(Deadline);
        Assert.NotNull(result);
        Assert.True(result.Succeeded, result.ToString());

        for (int i = 0; i < receivers.Length; i++)
        {
            byte[][] test = received.Of(i);
            Assert.Equal(Enumerable.Range(0, Datagrams), test.Select(payload => BinaryPrimitives.ReadInt32LittleEndian(payload)));
            Assert.All(test, payload => Assert.Equal(FanoutHarness.Payload(BinaryPrimitives.ReadInt32LittleEndian(payload)), payload));
        }

        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        JsonElement group = Assert.Single(root.GetProperty("groups").EnumerateArray().ToArray());
        Assert.Equal($"{Group}:{GroupPort}", group.GetProperty("group").GetString());
        Assert.True(group.GetProperty("received").GetInt64() >= Datagrams);
        foreach (JsonElement destination in group.GetProperty("destinations").EnumerateArray())
        {
            Assert.True(destination.GetProperty("sent").GetInt64() >= Datagrams, destination.ToString());
            JsonElement dropped = destination.GetProperty("dropped");
            // Drops can only be warm-up copies sent before ARP answered.
            Assert.Equal(dropped.GetProperty("total").GetInt64(), dropped.GetProperty("no_arp_entry").GetInt64());
        }
        Assert.True(root.GetProperty("latency_ns").GetProperty("count").GetInt64() >= Datagrams);
        Assert.True(root.GetProperty("stack").GetProperty("igmp_reports_sent").GetInt64() >= 1);
        Assert.True(root.GetProperty("stack").GetProperty("igmp_leaves_sent").GetInt64() >= 1);
        Assert.Equal(driver, root.GetProperty("driver").GetString()?.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant());
    }

    [Fact]
    public void The_join_and_the_leave_are_seen_on_the_bridge()
    {
        Requirements.Root();
        string tshark = Requirements.Tool("tshark", "tshark");
        using LabNetwork lab = LabNetwork.Create("fanout-igmp");
        LabBridge bridge = lab.AddBridge("br");
        LabNamespace fanout = lab.AddNamespace("fanout");
        LabNamespace receiver = lab.AddNamespace("rx");
        LabLink fanoutLink = lab.Attach(fanout, bridge, null);
        lab.Attach(receiver, bridge, Ipv4Cidr.Parse("10.89.0.11/24"));

        // IGMPv3 reports go to 224.0.0.22 (RFC 3376 section 4.2.14); a join is a change to exclude {} (4), a leave a change to include {} (3).
        using LabProcess capture = lab.Start(bridge.Namespace, tshark, ["-i", bridge.Device, "-l", "-n", "-f", "igmp",
            "-T", "fields", "-E", "separator=,", "-e", "ip.dst", "-e", "igmp.type", "-e", "igmp.record_type", "-e", "igmp.maddr"]);
        Assert.True(capture.WaitForStderr("Capturing on", Deadline), "tshark did not start capturing");

        using (LabProcess fanoutProcess = StartFanout(lab, fanout, fanoutLink.A, "auto", "--to", "10.89.0.11:6000"))
        {
            Assert.True(capture.WaitForStdout($"224.0.0.22,0x22,4,{Group}", Deadline), "no IGMP join seen on the bridge");
            fanoutProcess.Signal(15);
            LabCommandResult? stopped = fanoutProcess.WaitForExit(Deadline);
            Assert.NotNull(stopped);
            Assert.True(stopped.Succeeded, stopped.ToString());
        }
        Assert.True(capture.WaitForStdout($"224.0.0.22,0x22,3,{Group}", Deadline), "no IGMP leave seen on the bridge");
        capture.Signal(2);
        LabCommandResult? output = capture.WaitForExit(Deadline);
        Assert.NotNull(output);
        string[] lines = output.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains($"224.0.0.22,0x22,4,{Group}", lines); // the join
        Assert.Contains($"224.0.0.22,0x22,3,{Group}", lines); // the leave
        Assert.True(Array.IndexOf(lines, $"224.0.0.22,0x22,4,{Group}") < Array.LastIndexOf(lines, $"224.0.0.22,0x22,3,{Group}"), string.Join(" | ", lines));
    }

    private static LabProcess StartFanout(LabNetwork lab, LabNamespace ns, string link, string driver, params string[] destinations)
    {
        LabProcess process = lab.Start(ns, "dotnet", [Path.Combine(AppContext.BaseDirectory, "fastpath.dll"), "fanout", "--iface", link,
            "--ip", "10.89.0.10/24", "--driver", driver, "--group", $"{Group}:{GroupPort}", .. destinations, "--duration", "120s", "--json"]);
        if (!process.WaitForStderr("fanning out", Deadline))
        {
            process.Kill();
            Assert.Fail($"fastpath fanout did not start: {Output(process)}");
        }
        return process;
    }

    private static string Output(LabProcess process)
    {
        if (!process.HasExited) return "(still running)";
        return process.WaitForExit(TimeSpan.FromSeconds(5))?.ToString() ?? "";
    }

    private static Socket SenderSocket(LabNamespace ns, string address) => InNamespace.Run(ns.Name, () =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Parse(address).GetAddressBytes());
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 1);
        socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
        return socket;
    });

    /// <summary>A kernel UDP socket on port 6000 in each receiver namespace, read by its own thread.</summary>
    private sealed class Receivers : IDisposable
    {
        private readonly Socket[] _sockets;
        private readonly ConcurrentQueue<byte[]>[] _test;
        private readonly int[] _warmUps;
        private readonly Thread[] _threads;
        private volatile bool _stop;

        public Receivers(LabNamespace[] namespaces)
        {
            _sockets = [.. namespaces.Select(ns => InNamespace.Run(ns.Name, () =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20, ReceiveTimeout = 200 };
                socket.Bind(new IPEndPoint(IPAddress.Any, ReceiverPort));
                return socket;
            }))];
            _test = [.. namespaces.Select(_ => new ConcurrentQueue<byte[]>())];
            _warmUps = new int[namespaces.Length];
            _threads = [.. Enumerable.Range(0, namespaces.Length).Select(i => new Thread(() => Read(i)) { IsBackground = true })];
            foreach (Thread thread in _threads) thread.Start();
        }

        public bool AllHaveWarmUp => _warmUps.All(count => Volatile.Read(ref count) > 0);

        public bool AllHave(int count) => _test.All(queue => queue.Count >= count);

        public byte[][] Of(int receiver) => [.. _test[receiver]];

        private void Read(int receiver)
        {
            var buffer = new byte[65536];
            while (!_stop)
            {
                int length;
                try
                {
                    length = _sockets[receiver].Receive(buffer);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
                {
                    continue;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                byte[] payload = buffer[..length];
                if (length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(payload) == -1) Interlocked.Increment(ref _warmUps[receiver]);
                else _test[receiver].Enqueue(payload);
            }
        }

        public void Dispose()
        {
            _stop = true;
            foreach (Thread thread in _threads) thread.Join(2000);
            foreach (Socket socket in _sockets) socket.Dispose();
        }
    }
}
