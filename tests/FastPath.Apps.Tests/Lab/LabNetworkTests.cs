using FastPath.Apps.Lab;
using FastPath.TestKit;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Tests.Lab;

public sealed class LabNetworkTests
{
    [Fact]
    public void The_longest_link_name_fits_the_kernels_limit()
    {
        // pid_max is at most 4194304 (7 digits); the counters wrap below 100.
        string id = LabNames.LabId(4_194_303, 99);
        string name = LabNames.Link(id, LabNames.LinksPerLab - 1, 'a');
        Assert.Equal("l4194303-99.99a", name);
        Assert.True(name.Length <= LabNames.MaxLinkNameLength);
        Assert.Equal(LabNames.LabId(12, 1), LabNames.LabId(12, 1 + LabNames.LabsPerProcess));
        Assert.Throws<InvalidOperationException>(() => LabNames.Link(id, LabNames.LinksPerLab, 'a'));
    }

    [Fact]
    public void Names_carry_the_owner_pid_and_nothing_else_parses_as_a_lab()
    {
        string id = LabNames.LabId(4021, 3);
        Assert.Equal("fplab-4021-3-rx1", LabNames.Namespace(id, "rx1"));
        Assert.True(LabNames.TryParseNamespaceOwner("fplab-4021-3-rx1", out int pid));
        Assert.Equal(4021, pid);
        Assert.True(LabNames.TryParseLinkOwner(LabNames.Link(id, 7, 'b'), out pid));
        Assert.Equal(4021, pid);
        Assert.True(LabNames.TryParseLinkOwner(LabNames.Link(id, 0, 'r'), out pid));

        Assert.False(LabNames.TryParseNamespaceOwner("fastpath-4021-3", out _)); // NetLab's, not ours
        Assert.False(LabNames.TryParseNamespaceOwner("fplab-x-3-rx1", out _));
        Assert.False(LabNames.TryParseLinkOwner("eth0", out _));
        Assert.False(LabNames.TryParseLinkOwner("fp4021-3a", out _));
        Assert.Throws<ArgumentException>(() => LabNames.Namespace(id, "Rx 1"));
        Assert.Throws<ArgumentException>(() => LabNames.Namespace(id, ""));
    }

    [Fact]
    public void A_lab_with_a_bridge_carries_kernel_traffic_and_leaves_nothing_behind()
    {
        Requirements.Root();
        Requirements.Tool("ping", "iputils-ping");
        string id;
        string[] namespaces;
        using (LabNetwork lab = LabNetwork.Create("test"))
        {
            id = lab.Id;
            LabBridge bridge = lab.AddBridge("bridge");
            LabNamespace left = lab.AddNamespace("left");
            LabNamespace right = lab.AddNamespace("right");
            LabNamespace far = lab.AddNamespace("far");
            lab.Attach(left, bridge, Ipv4Cidr.Parse("10.88.0.1/24"));
            lab.Attach(right, bridge, Ipv4Cidr.Parse("10.88.0.2/24"), queues: 2);
            LabLink direct = lab.Connect(right, far, Ipv4Cidr.Parse("10.88.1.1/24"), Ipv4Cidr.Parse("10.88.1.2/24"));
            namespaces = [.. lab.Namespaces.Select(ns => ns.Name)];

            Assert.All(namespaces, name => Assert.Contains(name, NamespaceList()));
            Assert.DoesNotContain(HostLinks(), name => name.StartsWith($"l{lab.Id}.", StringComparison.Ordinal)); // nothing in the host's namespace
            Assert.NotEqual(lab.MacOf(right, direct.A), lab.MacOf(far, direct.B));

            LabCommandResult acrossBridge = lab.Exec(left, "ping", ["-c", "1", "-W", "5", "10.88.0.2"]);
            Assert.True(acrossBridge.Succeeded, acrossBridge.ToString());
            LabCommandResult direct1 = lab.Exec(far, "ping", ["-c", "1", "-W", "5", "10.88.1.1"]);
            Assert.True(direct1.Succeeded, direct1.ToString());

            LabProcess sleeper = lab.Start(left, "sleep", ["600"]);
            Assert.False(sleeper.HasExited);
            Assert.True(EntersNamespace(sleeper.Process.Id, left.Name), $"sleep {sleeper.Process.Id} is not in {left.Name}");
        }

        string after = NamespaceList();
        Assert.All(namespaces, name => Assert.DoesNotContain(name, after));
        Assert.DoesNotContain($"fplab-{id}-", after);
        Assert.DoesNotContain(HostLinks(), name => name.StartsWith($"l{id}.", StringComparison.Ordinal));
    }

    [Fact]
    public void Dispose_after_a_failed_build_removes_what_was_made()
    {
        Requirements.Root();
        string name;
        using (LabNetwork lab = LabNetwork.Create())
        {
            LabNamespace a = lab.AddNamespace("a");
            name = a.Name;
            Assert.Throws<ArgumentException>(() => lab.AddNamespace("a"));
            var missing = new LabNamespace("ghost", $"fplab-{lab.Id}-ghost"); // never created
            Assert.Throws<InvalidOperationException>(() => lab.Connect(a, missing, null, null));
            Assert.Contains(name, NamespaceList());
        }
        Assert.DoesNotContain(name, NamespaceList());
    }

    [Fact]
    public void Programs_started_in_the_lab_die_with_it()
    {
        Requirements.Root();
        int pid;
        using (LabNetwork lab = LabNetwork.Create())
        {
            LabNamespace ns = lab.AddNamespace("box");
            LabProcess sleeper = lab.Start(ns, "sleep", ["600"]);
            pid = sleeper.Process.Id;
            Assert.True(EntersNamespace(pid, ns.Name), $"sleep {pid} is not in {ns.Name}");
        }
        Assert.False(LabNames.IsAlive(pid));
    }

    [Fact]
    public void A_child_started_the_labs_way_dies_when_its_parent_is_killed()
    {
        Requirements.Root();
        using LabNetwork lab = LabNetwork.Create();
        LabNamespace ns = lab.AddNamespace("orphan");
        // The exact command line Start uses (setpriv --pdeathsig KILL -- ip netns exec NS ...), run by a
        // shell that is then SIGKILLed: the signal must survive setpriv's and ip's execs and reach sleep.
        string command = string.Join(' ', ["setpriv", .. lab.InNamespaceArguments(ns, "sleep", ["600"])]);
        using var parent = System.Diagnostics.Process.Start("sh", ["-c", $"{command} & wait"])!;
        int child = WaitForChild(parent.Id);
        Assert.True(LabNames.IsAlive(child));
        Assert.Contains(child.ToString(System.Globalization.CultureInfo.InvariantCulture), PidsIn(ns.Name));
        parent.Kill();
        parent.WaitForExit();
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (LabNames.IsAlive(child) && !IsZombie(child) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.True(!LabNames.IsAlive(child) || IsZombie(child), $"sleep {child} outlived its killed parent");
    }

    [Fact]
    public void The_sweep_removes_namespaces_of_dead_processes_only()
    {
        Requirements.Root();
        string ip = Requirements.Tool("ip", "iproute2");
        int dead = DeadPid();
        string stale = LabNames.Namespace(LabNames.LabId(dead, 0), "stale");
        string live = LabNames.Namespace(LabNames.LabId(Environment.ProcessId, 98), "live");
        LabCommand.Check(ip, ["netns", "add", stale], TimeSpan.FromSeconds(30));
        LabCommand.Check(ip, ["netns", "add", live], TimeSpan.FromSeconds(30));
        try
        {
            Assert.True(LabNetwork.SweepStale() >= 1);
            string list = NamespaceList();
            Assert.DoesNotContain(stale, list);
            Assert.Contains(live, list);
        }
        finally
        {
            LabCommand.Run(ip, ["netns", "delete", stale], TimeSpan.FromSeconds(30));
            LabCommand.Run(ip, ["netns", "delete", live], TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Start returns once setpriv runs; the program is in the namespace after ip's setns and exec: wait for it.</summary>
    private static bool EntersNamespace(int pid, string ns)
    {
        string text = pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (PidsIn(ns).Split('\n', StringSplitOptions.TrimEntries).Contains(text)) return true;
            Thread.Sleep(20);
        }
        return false;
    }

    private static int WaitForChild(int parent)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            string children = $"/proc/{parent}/task/{parent}/children";
            if (File.Exists(children))
            {
                string[] pids = File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                foreach (string pid in pids)
                {
                    int value = int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture);
                    if (File.ReadAllText($"/proc/{value}/cmdline").StartsWith("sleep", StringComparison.Ordinal)) return value;
                }
            }
            Thread.Sleep(20);
        }
        throw new TimeoutException("the shell started no sleep");
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static int DeadPid()
    {
        for (int pid = 4_000_000; ; pid++)
        {
            if (!LabNames.IsAlive(pid)) return pid;
        }
    }

    private static string NamespaceList() =>
        LabCommand.Check(Requirements.Tool("ip", "iproute2"), ["netns", "list"], TimeSpan.FromSeconds(30)).Output;

    private static string PidsIn(string ns) =>
        LabCommand.Check(Requirements.Tool("ip", "iproute2"), ["netns", "pids", ns], TimeSpan.FromSeconds(30)).Output;

    /// <summary>The link names in the host's namespace.</summary>
    private static string[] HostLinks() =>
        [.. LabSweep.LinkNames(LabCommand.Check(Requirements.Tool("ip", "iproute2"), ["-o", "link", "show"], TimeSpan.FromSeconds(30)).Output)];
}
