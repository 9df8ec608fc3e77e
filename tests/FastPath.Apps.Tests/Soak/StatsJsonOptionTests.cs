using System.Diagnostics;
using FastPath.Cli.Hosting;
using FastPath.Drivers.Linux;

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

    [Fact]
    public async Task A_write_that_fails_mid_run_is_one_line_and_the_process_goes_on()
    {
        // A FIFO whose reader takes the first line and leaves: the sampling thread's next write meets EPIPE.
        string directory = Directory.CreateTempSubdirectory("fastpath-stats-").FullName;
        string fifo = Path.Combine(directory, "stats.fifo");
        try
        {
            using (Process mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
            Task<string?> firstLine = Task.Run(() =>
            {
                using var reader = new StreamReader(fifo);
                return reader.ReadLine();
            });
            var said = new StringWriter();
            // SyncTextWriter's methods lock the writer itself: reading under that lock sees whole lines.
            TextWriter errors = TextWriter.Synchronized(said);
            string Said()
            {
                lock (errors) return said.ToString();
            }
            using (var reporter = new ProcessStatsReporter("test", fifo, new WorkerPorts("none", PortDriver.Auto, 0, 1), _ => { }) { Errors = errors })
            {
                reporter.Start();
                Assert.Contains("\"command\":\"test\"", await firstLine, StringComparison.Ordinal);
                var deadline = Stopwatch.StartNew();
                while (!Said().Contains("stopped writing", StringComparison.Ordinal) && deadline.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(20, TestContext.Current.CancellationToken);
                reporter.Stop();
            }
            Assert.StartsWith($"fastpath: --stats-json: stopped writing {fifo}: ", Said(), StringComparison.Ordinal);
            Assert.Single(Said().Trim().Split('\n'));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
