using System.Diagnostics;
using FastPath.Engine.Pcap;
using FastPath.TestKit;

namespace FastPath.Engine.Tests.Pcap;

/// <summary>The files PcapWriter makes are read by the tool people will open them with.</summary>
public class TsharkTests
{
    [Theory]
    [InlineData(PcapTimestampResolution.Microseconds)]
    [InlineData(PcapTimestampResolution.Nanoseconds)]
    public void Tshark_reads_what_PcapWriter_wrote(PcapTimestampResolution resolution)
    {
        string tshark = Requirements.Tool("tshark", "tshark");
        using var file = new TempFile();
        var jumbo = new byte[1514];
        Convert.FromHexString("0005 5d67d0b1 02aabbccddee 0800".Replace(" ", "", StringComparison.Ordinal)).CopyTo(jumbo, 0);
        using (var writer = PcapWriter.Create(file.Path, resolution))
        {
            writer.Write(RepoPaths.ReadHex("vectors/arp-request.hex"), new PcapTimestamp(1_700_000_000, 1_000));
            writer.Write(RepoPaths.ReadHex("vectors/arp-reply.hex"), new PcapTimestamp(1_700_000_000, 2_000));
            writer.Write(RepoPaths.ReadHex("vectors/tftp-rrq.hex"), new PcapTimestamp(1_700_000_001, 0));
            writer.Write(jumbo, new PcapTimestamp(1_700_000_002, 0));
        }

        string output = Run(tshark, file.Directory, "-r", file.Path, "-T", "fields", "-e", "frame.len", "-e", "eth.src", "-e", "frame.time_epoch");
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        string[][] fields = Array.ConvertAll(lines, line => line.Split('\t'));
        Assert.Equal(["60", "00:05:5d:61:58:a8"], fields[0][..2]);
        Assert.Equal(["60", "00:05:5d:a1:b8:40"], fields[1][..2]);
        Assert.Equal(["97", "00:05:5d:61:58:a8"], fields[2][..2]);
        Assert.Equal(["1514", "02:aa:bb:cc:dd:ee"], fields[3][..2]);
        Assert.StartsWith("1700000000.000001", fields[0][2], StringComparison.Ordinal);
        Assert.StartsWith("1700000000.000002", fields[1][2], StringComparison.Ordinal);
    }

    private static string Run(string tool, string home, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        // A private HOME keeps tshark from reading or writing the user's Wireshark profile.
        start.Environment["HOME"] = home;
        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "tshark did not finish");
        Assert.True(process.ExitCode == 0, $"tshark exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }
}
