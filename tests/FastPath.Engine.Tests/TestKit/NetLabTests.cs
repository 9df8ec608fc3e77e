using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using FastPath.TestKit;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Tests.TestKit;

/// <summary>
/// NetLab against the real kernel: what it builds is checked with iproute2 and the kernel's own sockets,
/// never with NetLab's own view of itself.
/// </summary>
public partial class NetLabTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void Lab_comes_up_with_the_peer_addressed_and_a_permanent_neighbour_for_the_local_end()
    {
        using var lab = NetLab.Create();
        string ip = Requirements.Tool("ip", "iproute2");

        string local = Check(ip, "-o", "link", "show", "dev", lab.LocalInterface);
        string peer = Check(ip, "-n", lab.Namespace, "-o", "link", "show", "dev", lab.PeerInterface);
        Assert.Contains("state UP", local);
        Assert.Contains("state UP", peer);
        Assert.Contains($"link/ether {lab.LocalMac} ", local);
        Assert.Contains($"link/ether {lab.PeerMac} ", peer);
        Assert.StartsWith($"{lab.LocalIndex}: {lab.LocalInterface}@", local);
        Assert.Contains("state UNKNOWN", Check(ip, "-n", lab.Namespace, "-o", "link", "show", "dev", "lo")); // lo is up

        // No address at all on the local end, and no IPv6 on either end: the host sends nothing on the wire.
        Assert.Equal("", Check(ip, "-o", "address", "show", "dev", lab.LocalInterface).Trim());
        string peerAddresses = Check(ip, "-n", lab.Namespace, "-o", "address", "show", "dev", lab.PeerInterface);
        Assert.Contains($"inet {lab.PeerIp}/24 ", peerAddresses);
        Assert.DoesNotContain("inet6", peerAddresses);

        string neighbour = Check(ip, "-n", lab.Namespace, "neigh", "show", "dev", lab.PeerInterface);
        Assert.Contains($"{lab.LocalIp} lladdr {lab.LocalMac} PERMANENT", neighbour);

        CommandResult ping = lab.RunInPeer("ping", "-c", "1", "-W", "5", lab.PeerIp.ToString());
        Assert.True(ping.Succeeded, ping.ToString());
    }

    [Fact]
    public void Queues_and_mtu_follow_the_options()
    {
        using var lab = NetLab.Create(new NetLabOptions { RxQueues = 2, TxQueues = 2, Mtu = 3000 });
        string ip = Requirements.Tool("ip", "iproute2");

        string local = Check(ip, "-d", "-o", "link", "show", "dev", lab.LocalInterface);
        string peer = Check(ip, "-n", lab.Namespace, "-d", "-o", "link", "show", "dev", lab.PeerInterface);
        foreach (string details in new[] { local, peer })
        {
            Assert.Contains("numtxqueues 2 numrxqueues 2", details);
            Assert.Contains(" mtu 3000 ", details);
        }
    }

    [Fact]
    public void Kernel_udp_socket_in_the_namespace_receives_from_another_made_there()
    {
        using var lab = NetLab.Create();
        const int port = 7777;
        using Socket receiver = lab.OpenPeerUdp(port);

        // PeerIp exists only inside the namespace: binding to it here must fail, and succeed in there.
        using (var outside = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            var error = Assert.Throws<SocketException>(() => outside.Bind(lab.PeerEndPoint(0)));
            Assert.Equal(SocketError.AddressNotAvailable, error.SocketErrorCode);
        }
        using Socket sender = lab.InNamespace(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(lab.PeerEndPoint(0));
            return socket;
        });

        byte[] payload = "netlab says hello"u8.ToArray();
        sender.SendTo(payload, lab.PeerEndPoint(port));
        var buffer = new byte[256];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int length = receiver.ReceiveFrom(buffer, ref from);

        Assert.Equal(payload, buffer[..length]);
        Assert.Equal(sender.LocalEndPoint, from);
    }

    [Fact]
    public void Peer_sends_to_the_local_end_without_arp()
    {
        using var lab = NetLab.Create();
        using Socket sender = lab.OpenPeerUdp(7000);
        long before = RxPackets(lab.LocalInterface);

        for (int i = 0; i < 3; i++) sender.SendTo(new byte[32], lab.LocalEndPoint(9));

        // Nothing answers ARP on the local end, so these frames arrive only thanks to the permanent entry;
        // with IPv6 off nothing else is sent, so the count is exact.
        Assert.Equal(before + 3, RxPackets(lab.LocalInterface));
    }

    [Fact]
    public void Tx_checksum_offload_is_off_on_both_ends()
    {
        using var lab = NetLab.Create();

        Assert.False(NetLab.ReadTxChecksumOffload(lab.LocalInterface));
        Assert.False(lab.InNamespace(() => NetLab.ReadTxChecksumOffload(lab.PeerInterface)));
        // The reader is not stuck at false: the namespace's loopback keeps its checksum offload.
        Assert.True(lab.InNamespace(() => NetLab.ReadTxChecksumOffload("lo")));
    }

    [Fact]
    public void Dispose_removes_the_namespace_and_both_links()
    {
        string ip = Requirements.Tool("ip", "iproute2");
        var lab = NetLab.Create();
        Socket socket = lab.OpenPeerUdp(5000); // an open socket must not keep anything alive
        string ns = lab.Namespace, local = lab.LocalInterface, peer = lab.PeerInterface;
        Assert.Contains(ns, Check(ip, "netns", "list"));

        lab.Dispose();
        lab.Dispose(); // idempotent

        Assert.DoesNotContain(ns, Check(ip, "netns", "list"));
        string links = Check(ip, "-o", "link", "show");
        Assert.DoesNotContain(local, links);
        Assert.DoesNotContain(peer, links);
        Assert.Throws<ObjectDisposedException>(() => socket.Send(new byte[1]));
        Assert.Throws<ObjectDisposedException>(() => lab.InNamespace(() => { }));
    }

    [Fact]
    public void Two_labs_at_once_have_distinct_names_and_subnets()
    {
        using var first = NetLab.Create();
        using var second = NetLab.Create();

        Assert.NotEqual(first.Namespace, second.Namespace);
        Assert.NotEqual(first.LocalInterface, second.LocalInterface);
        Assert.NotEqual(first.PeerInterface, second.PeerInterface);
        Assert.NotEqual(Subnet(first.PeerIp), Subnet(second.PeerIp));
        Assert.NotEqual(Subnet(first.LocalIp), Subnet(second.LocalIp));
        Assert.All(new[] { first, second }, lab => Assert.True(lab.LocalInterface.Length <= 15 && lab.PeerInterface.Length <= 15));
        Assert.NotEqual(first.LocalIndex, second.LocalIndex);
    }

    [Fact]
    public void Create_sweeps_namespaces_and_links_of_a_dead_process()
    {
        string ip = Requirements.Tool("ip", "iproute2");
        Requirements.Root();
        int deadPid = DeadPid();
        string ns = $"fastpath-{deadPid}-0", local = $"fp{deadPid}-0a", peer = $"fp{deadPid}-0b";
        string ownNs = $"fastpath-{Environment.ProcessId}-9999"; // a live process's lab is not stale
        try
        {
            Check(ip, "netns", "add", ns);
            Check(ip, "netns", "add", ownNs);
            Check(ip, "link", "add", local, "type", "veth", "peer", "name", peer);

            using var lab = NetLab.Create();

            string namespaces = Check(ip, "netns", "list");
            Assert.DoesNotContain(ns, namespaces);
            Assert.Contains(ownNs, namespaces);
            string links = Check(ip, "-o", "link", "show");
            Assert.DoesNotContain(local, links);
            Assert.DoesNotContain(peer, links);
        }
        finally
        {
            Run(ip, "netns", "delete", ns);
            Run(ip, "netns", "delete", ownNs);
            Run(ip, "link", "delete", local);
        }
    }

    [Fact]
    public void HasXdpProgram_sees_an_attached_program_and_its_removal()
    {
        using var lab = NetLab.Create();
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
        Assert.False(NetLab.HasXdpProgram(lab.PeerInterface, lab.Namespace));

        using (XdpPassLink.Attach(lab.LocalIndex))
        {
            Assert.True(NetLab.HasXdpProgram(lab.LocalInterface));
            Assert.False(NetLab.HasXdpProgram(lab.PeerInterface, lab.Namespace));
        }

        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface)); // closing the link fd detached it
    }

    private static int Subnet(Ipv4Address address) => (int)(address.Value >> 8);

    private static long RxPackets(string interfaceName) =>
        long.Parse(File.ReadAllText($"/sys/class/net/{interfaceName}/statistics/rx_packets"), System.Globalization.CultureInfo.InvariantCulture);

    private static int DeadPid()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.False(Directory.Exists($"/proc/{process.Id}"));
        return process.Id;
    }

    private static string Check(string file, params string[] arguments)
    {
        CommandResult result = Run(file, arguments);
        Assert.True(result.Succeeded, $"{file} {string.Join(' ', arguments)}: {result}");
        return result.Output;
    }

    private static CommandResult Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(Timeout), $"{file} hung");
        process.WaitForExit();
        return new CommandResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>
    /// An XDP_PASS program attached through a BPF link (bpf(2) BPF_PROG_LOAD then BPF_LINK_CREATE): the
    /// smallest real attachment, so the test does not depend on the driver code it is meant to check.
    /// Closing the link's fd detaches the program.
    /// </summary>
    private sealed partial class XdpPassLink : IDisposable
    {
        private const int ProgLoad = 5;
        private const int LinkCreate = 28;
        private const uint ProgTypeXdp = 6;
        private const uint AttachTypeXdp = 37;
        private const int AttrSize = 128;

        private readonly int _program;
        private readonly int _link;

        private XdpPassLink(int program, int link) => (_program, _link) = (program, link);

        public static unsafe XdpPassLink Attach(int interfaceIndex)
        {
            // r0 = XDP_PASS (2); exit
            ulong[] instructions = [0x0000_0002_0000_00b7UL, 0x0000_0000_0000_0095UL];
            byte[] license = "GPL\0"u8.ToArray();
            byte* attr = stackalloc byte[AttrSize];
            int program, link;
            fixed (ulong* insns = instructions)
            fixed (byte* licence = license)
            {
                new Span<byte>(attr, AttrSize).Clear();
                *(uint*)attr = ProgTypeXdp;
                *(uint*)(attr + 4) = (uint)instructions.Length;
                *(ulong*)(attr + 8) = (ulong)insns;
                *(ulong*)(attr + 16) = (ulong)licence;
                *(uint*)(attr + 68) = AttachTypeXdp; // expected_attach_type
                program = Bpf(ProgLoad, attr);
                Assert.True(program >= 0, $"BPF_PROG_LOAD failed: errno {Marshal.GetLastPInvokeError()}");
            }

            new Span<byte>(attr, AttrSize).Clear();
            *(uint*)attr = (uint)program;
            *(uint*)(attr + 4) = (uint)interfaceIndex;
            *(uint*)(attr + 8) = AttachTypeXdp;
            link = Bpf(LinkCreate, attr);
            if (link < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                Close(program);
                Assert.Fail($"BPF_LINK_CREATE (XDP) on ifindex {interfaceIndex} failed: errno {errno}");
            }
            return new XdpPassLink(program, link);
        }

        public void Dispose()
        {
            Close(_link);
            Close(_program);
        }

        private static unsafe int Bpf(int command, byte* attr)
        {
            long number = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => 321,
                Architecture.Arm64 => 280,
                var other => throw new PlatformNotSupportedException($"bpf(2) syscall number unknown on {other}"),
            };
            return (int)Syscall(number, command, attr, AttrSize);
        }

        [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
        private static unsafe partial long Syscall(long number, int command, byte* attr, uint size);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        private static partial int Close(int fd);
    }
}
