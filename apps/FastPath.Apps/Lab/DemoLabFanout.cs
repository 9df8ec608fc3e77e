using System.Text.Json;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Lab;

/// <summary>
/// The fan-out phase: a bridge with five ports. <c>fastpath gen</c> in the sender's namespace sends signed UDP
/// datagrams to a group; <c>fastpath fanout</c> joins the group and copies each datagram to three receivers;
/// in each receiver's namespace <c>fastpath sink</c> (AF_PACKET, so the kernel there still answers the
/// fan-out's ARP) counts the copies by their signature: how many, lost, reordered, duplicated.
/// </summary>
/// <remarks>
/// A Linux bridge floods a group's datagrams to every port (with snooping, too, until a querier exists),
/// and the receivers would count the originals as well as the copies, which carry the same signature; so
/// the receivers' ports do not take flooded multicast (<c>bridge link set ... mcast_flood off</c>), and
/// only the fan-out's port gets the group.
/// </remarks>
public sealed partial class DemoLab
{
    private const int Receivers = 3;
    private const ushort WarmUpStream = 1;
    private const ushort MeasuredStream = 2;
    private static readonly Ipv4Address FanoutSender = new(10, 251, 0, 1);
    private static readonly Ipv4Address FanoutAddress = new(10, 251, 0, 10);
    private static readonly Ipv4Address FanoutGroup = new(239, 7, 7, 7);
    private const int GroupPort = 5000;
    private const int ReceiverPort = 6000;

    /// <summary>Datagrams a second into the group: each becomes three copies, on a machine that may have two cores for everything.</summary>
    private const int FanoutRate = 20_000;

    private DemoLabFanoutRow Fanout(LabNetwork lab, CancellationToken cancel)
    {
        LabCommandResult help = LabCommand.Run(settings.FastpathFile, [.. settings.FastpathPrefix, "fanout", "--help"], Slack);
        if (!help.Succeeded)
        {
            Log("fan-out: not available (fastpath fanout is not in this build)");
            return new DemoLabFanoutRow { Available = false, Failure = "fastpath fanout is not in this build" };
        }
        int seconds = (int)Math.Ceiling(settings.PhaseDuration.TotalSeconds);
        Log($"fan-out: fastpath gen -> fastpath fanout -> {Receivers} x fastpath sink over a bridge, {seconds} s");
        LabBridge bridge = lab.AddBridge("bridge");
        string bridgeTool = LabCommand.FindTool("bridge") ?? "bridge";
        LabNamespace sender = lab.AddNamespace("sender");
        LabNamespace fanoutNamespace = lab.AddNamespace("fanout");
        LabLink senderLink = lab.Attach(sender, bridge, new Ipv4Cidr(FanoutSender, PrefixLength));
        // No kernel address where the fan-out runs: its own stack is the host on that link.
        LabLink fanoutLink = lab.Attach(fanoutNamespace, bridge, null);
        var sinks = new List<LabProcess>();
        var destinations = new List<string>();
        for (int i = 0; i < Receivers; i++)
        {
            LabNamespace receiver = lab.AddNamespace($"rx{i + 1}");
            var address = new Ipv4Address(10, 251, 0, (byte)(11 + i));
            LabLink link = lab.Attach(receiver, bridge, new Ipv4Cidr(address, PrefixLength));
            lab.Check(bridge.Namespace, bridgeTool, ["link", "set", "dev", link.B, "mcast_flood", "off"]);
            destinations.Add($"{address}:{ReceiverPort}");
            sinks.Add(StartFastpath(lab, receiver, "sink", "--iface", link.A, "--driver", "afpacket", "--duration", $"{Text(seconds + 120)}s", "--json"));
        }
        cancel.ThrowIfCancellationRequested();
        foreach (LabProcess sink in sinks)
        {
            if (WaitReady(sink, "receiving on", cancel) is { } failure) return new DemoLabFanoutRow { Available = true, Failure = failure };
        }
        LabProcess fanout = StartFastpath(lab, fanoutNamespace, "fanout", "--iface", fanoutLink.A, "--ip", Cidr(FanoutAddress),
            "--group", $"{FanoutGroup}:{GroupPort}", "--to", string.Join(',', destinations), "--duration", $"{Text(seconds + 120)}s", "--json");
        if (WaitReady(fanout, "fanning out", cancel) is { } fanoutFailure) return new DemoLabFanoutRow { Available = true, Failure = fanoutFailure };

        // A few datagrams first, on their own stream: the fan-out resolves each receiver by ARP on its first
        // copy, and the bridge learns the membership from the fan-out's report; neither belongs in the figures.
        string[] common = ["--iface", senderLink.A, "--src-ip", FanoutSender.ToString(), "--dst-ip", FanoutGroup.ToString(),
            "--dst-mac", MacAddress.FromIpv4Multicast(FanoutGroup).ToString(), "--dst-port", Text(GroupPort), "--src-port", Text(GroupPort), "--json"];
        LabCommandResult warmUp = RunToEnd(StartFastpath(lab, sender, ["gen", .. common, "--count", "50", "--rate", "100pps", "--stream-id", Text(WarmUpStream)]), cancel);
        if (!warmUp.Succeeded) return new DemoLabFanoutRow { Available = true, Failure = Describe("fastpath gen", warmUp) };
        Thread.Sleep(1000);
        LabCommandResult sent = RunToEnd(StartFastpath(lab, sender, ["gen", .. common, "--duration", $"{Text(seconds)}s",
            "--rate", $"{Text(FanoutRate)}pps", "--stream-id", Text(MeasuredStream)]), cancel);
        Thread.Sleep(500);
        foreach (LabProcess sink in sinks) sink.Signal(15);
        fanout.Signal(15);
        LabCommandResult[] received = [.. sinks.Select(sink => RunToEnd(sink, cancel))];
        LabCommandResult fanned = RunToEnd(fanout, cancel);
        if (!sent.Succeeded) return new DemoLabFanoutRow { Available = true, Failure = Describe("fastpath gen", sent) };
        if (!fanned.Succeeded) return new DemoLabFanoutRow { Available = true, Failure = Describe("fastpath fanout", fanned) };
        if (received.FirstOrDefault(result => !result.Succeeded) is { } failed) return new DemoLabFanoutRow { Available = true, Failure = Describe("fastpath sink", failed) };
        try
        {
            using JsonDocument tx = JsonDocument.Parse(sent.Output);
            long sentCount = tx.RootElement.GetProperty("tx_packets").GetInt64();
            var delivered = new List<long>();
            long reordered = 0, duplicatesTotal = 0;
            foreach (LabCommandResult result in received)
            {
                using JsonDocument rx = JsonDocument.Parse(result.Output);
                JsonElement? stream = rx.RootElement.GetProperty("streams").EnumerateArray()
                    .Select(s => (JsonElement?)s).FirstOrDefault(s => s!.Value.GetProperty("id").GetInt32() == MeasuredStream);
                if (stream is not { } counts)
                {
                    delivered.Add(0);
                    continue;
                }
                long duplicates = counts.GetProperty("duplicates").GetInt64();
                delivered.Add(counts.GetProperty("rx_packets").GetInt64() - duplicates);
                duplicatesTotal += duplicates;
                reordered += counts.GetProperty("reordered").GetInt64();
            }
            // What the fan-out itself says it sent to each destination (warm-up included): tells a copy it never
            // sent from one lost after it (the kernel's queues, a receiver that fell behind).
            using JsonDocument fan = JsonDocument.Parse(fanned.Output);
            long[] copies = [.. fan.RootElement.GetProperty("groups")[0].GetProperty("destinations").EnumerateArray().Select(d => d.GetProperty("sent").GetInt64())];
            return new DemoLabFanoutRow { Available = true, Sent = sentCount, Delivered = delivered, CopiesSent = copies, InOrder = reordered == 0 && duplicatesTotal == 0,
                Reordered = reordered, Duplicates = duplicatesTotal, RatePps = FanoutRate };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new DemoLabFanoutRow { Available = true, Failure = $"gen, fanout or sink printed no report ({e.Message})" };
        }
    }
}
