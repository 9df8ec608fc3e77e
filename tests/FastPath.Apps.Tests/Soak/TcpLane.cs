using System.Globalization;
using System.Text.Json;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Soak;

/// <summary>One <c>fastpath tcp connect</c> run: what it sent, what came back, and whether every byte matched.</summary>
internal sealed record TcpTransferOutcome(string Lane, int Exit, long Bytes, long EchoedBytes, bool Verified, bool Complete, double Seconds, string Problem)
{
    public bool Succeeded => Exit == 0 && Verified && Complete && EchoedBytes == Bytes;
}

/// <summary>
/// A client address that runs <c>fastpath tcp connect</c> against the echo server again and again until told to
/// stop, each a new process with its own stack (AF_PACKET, so several lanes share one interface: each stack
/// answers only its own address and drops the others' segments as not for it).
/// </summary>
internal sealed class TcpLane(string name, NetLab lab, string clientAddress, long bytes)
{
    private readonly List<TcpTransferOutcome> _transfers = [];

    public string Name => name;

    public IReadOnlyList<TcpTransferOutcome> Transfers
    {
        get
        {
            lock (_transfers) return [.. _transfers];
        }
    }

    /// <summary>Runs transfers one after another until <paramref name="stop"/> is cancelled (the running one finishes).</summary>
    public Task Run(CancellationToken stop) => Task.Factory.StartNew(() =>
    {
        while (!stop.IsCancellationRequested)
        {
            TcpTransferOutcome outcome = RunOne();
            lock (_transfers) _transfers.Add(outcome);
        }
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private TcpTransferOutcome RunOne()
    {
        string count = bytes.ToString(CultureInfo.InvariantCulture);
        try
        {
            var (exit, stdout, stderr) = FastpathCli.Run("tcp", "connect", lab.PeerIp.ToString(), "7", "--iface", lab.LocalInterface,
                "--driver", "afpacket", "--ip", $"{clientAddress}/{lab.PrefixLength}", "--bytes", count, "--timeout", "50s", "--json");
            if (string.IsNullOrWhiteSpace(stdout)) return new TcpTransferOutcome(name, exit, bytes, 0, false, false, 0, stderr.Trim());
            using JsonDocument document = JsonDocument.Parse(stdout);
            JsonElement root = document.RootElement;
            return new TcpTransferOutcome(name, exit, root.GetProperty("bytes").GetInt64(), root.GetProperty("echoed_bytes").GetInt64(),
                root.GetProperty("verified").GetBoolean(), root.GetProperty("complete").GetBoolean(), root.GetProperty("seconds").GetDouble(),
                exit == 0 ? "" : stderr.Trim());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new TcpTransferOutcome(name, -1, bytes, 0, false, false, 0, e.Message);
        }
    }
}
