using FastPath.TestKit;

namespace FastPath.Apps.Tests.Decode;

/// <summary>The real `fastpath` binary: exit codes and one-line errors, as a user meets them.</summary>
public sealed class DecodeCommandLineTests
{
    [Fact]
    public void DecodesTheSharedCapture()
    {
        var (exit, stdout, stderr) = FastpathCli.Run("decode", RepoPaths.Corpus("vectors/seed-frames.pcap"), "--json");
        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, line => Assert.Contains("\"valid\":true", line, StringComparison.Ordinal));
    }

    [Fact]
    public void NotAPcapFileExitsTwoWithOneLine()
    {
        var (exit, stdout, stderr) = FastpathCli.Run("decode", RepoPaths.Corpus("vectors/tftp-rrq.hex"));
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("not a pcap file", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileExitsTwoWithOneLine()
    {
        var (exit, _, stderr) = FastpathCli.Run("decode", "/nonexistent/capture.pcap");
        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("no such file", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownOptionExitsTwoWithOneLine()
    {
        var (exit, _, stderr) = FastpathCli.Run("decode", "--bogus");
        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void TruncatedCaptureDecodesTheWholeFramesAndSaysSo()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fastpath-truncated-{Environment.ProcessId}.pcap");
        try
        {
            var bytes = File.ReadAllBytes(RepoPaths.Corpus("vectors/seed-frames.pcap"));
            File.WriteAllBytes(path, bytes[..^10]);
            var (exit, stdout, stderr) = FastpathCli.Run("decode", path);
            Assert.Equal(0, exit);
            Assert.Equal(2, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Contains("truncated", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
