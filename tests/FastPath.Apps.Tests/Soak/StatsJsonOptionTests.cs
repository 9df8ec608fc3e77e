namespace FastPath.Apps.Tests.Soak;

/// <summary><c>--stats-json</c> as a user meets it without a lab: a file that cannot be written is one line and exit 2, before any port opens.</summary>
public sealed class StatsJsonOptionTests
{
    [Theory]
    [InlineData("sink", "--count", "1")]
    [InlineData("respond", "--ip", "10.0.0.1/24")]
    [InlineData("echo", "--ip", "10.0.0.1/24")]
    public void An_unwritable_stats_file_is_one_line_and_exit_2(string command, string option, string value)
    {
        var (exit, _, stderr) = FastpathCli.Run(command, "--iface", "lo", option, value, "--stats-json", "/nonexistent-fastpath-dir/stats.jsonl");
        Assert.Equal(2, exit);
        Assert.Contains("--stats-json: cannot write /nonexistent-fastpath-dir/stats.jsonl", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void An_empty_stats_path_is_one_line_and_exit_2()
    {
        var (exit, _, stderr) = FastpathCli.Run("respond", "--iface", "lo", "--ip", "10.0.0.1/24", "--stats-json", "");
        Assert.Equal(2, exit);
        Assert.Contains("--stats-json: cannot write", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
