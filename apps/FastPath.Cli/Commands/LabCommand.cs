using System.CommandLine;
using System.Text.Json;
using FastPath.Apps.Lab;
using FastPath.Cli.Hosting;
using FastPath.Engine.Runtime;

namespace FastPath.Cli.Commands;

/// <summary>
/// <c>fastpath lab</c>: the one-command demonstration. Builds a private lab of namespaces and veth pairs, runs
/// FastPath's programs and the kernel's against each other in it, prints one table, removes the lab (also on
/// Ctrl-C, SIGTERM or failure). Not root: one line saying what it needs, exit 2.
/// </summary>
internal static class LabCommand
{
    // What a shell reports for a program ended by SIGINT or SIGTERM (128 + the signal).
    private const int Interrupted = 130;
    private const int Terminated = 143;

    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "Seconds per measuring phase (default 3; the whole run is about 8 phases' worth)", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the table" };
        var command = new Command("lab", "Build a private lab (network namespaces, veth pairs), run FastPath against the kernel in it, print one table, remove it");
        command.Options.Add(seconds);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            double phase = parse.GetValue(seconds);
            if (phase is < 0.5 or > 600 || double.IsNaN(phase)) throw new CommandLineException("--seconds: give 0.5 to 600 seconds per phase");
            if (LabNetwork.MissingRequirement() is { } missing) throw new CommandLineException($"lab: {missing}; run it as: sudo ./fastpath lab");
            (string file, string[] prefix) = ThisProgram();
            var settings = new DemoLabSettings
            {
                PhaseDuration = TimeSpan.FromSeconds(phase),
                FastpathFile = file,
                FastpathPrefix = prefix,
                Log = Console.Error,
            };
            using var stop = new TerminationSignals();
            // Started before the first namespace exists, so that not even a SIGKILL leaves one behind.
            using var reaper = LabReaper.Start();
            DemoLabResults results;
            try
            {
                results = new DemoLab(settings).Run(stop.Token);
            }
            catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
            {
                Console.Error.WriteLine("fastpath lab: stopped; the lab was removed");
                return stop.Received == System.Runtime.InteropServices.PosixSignal.SIGTERM ? Terminated : Interrupted;
            }
            if (parse.GetValue(json))
            {
                using Stream stdout = Console.OpenStandardOutput();
                using (var writer = new Utf8JsonWriter(stdout)) DemoLabTable.WriteJson(writer, results);
                stdout.WriteByte((byte)'\n');
            }
            else
            {
                Console.Out.Write(DemoLabTable.Text(results));
            }
            return results.AllSucceeded ? 0 : 1;
        });
        return command;
    }

    /// <summary>How to start this same fastpath in the lab's namespaces: the published binary itself, or dotnet and the dll.</summary>
    private static (string File, string[] Prefix) ThisProgram()
    {
        string process = Environment.ProcessPath ?? throw new CommandLineException("lab: cannot tell which program is running");
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
            return (process, [Path.Combine(AppContext.BaseDirectory, "fastpath.dll")]);
        return (process, []);
    }
}
