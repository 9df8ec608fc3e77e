using System.Diagnostics;
using System.Globalization;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Security;

/// <summary>
/// A copy of the CLI installed the way README's "Security" section says (a root-owned directory, the apphost
/// executable by one group only, file capabilities on it) in a temporary directory that Dispose always
/// removes, and the means to run it as an unprivileged user (nobody) in or out of that group.
/// </summary>
internal sealed class CapabilityInstall : IDisposable
{
    /// <summary>What README's table gives AF_XDP (and <c>--driver auto</c>): the set CapabilityRecipeTests proves minimal.</summary>
    public static readonly string[] AfXdpCapabilities = ["cap_net_raw", "cap_net_admin", "cap_bpf", "cap_ipc_lock"];

    /// <summary>What README's table gives AF_PACKET.</summary>
    public static readonly string[] AfPacketCapabilities = ["cap_net_raw"];

    /// <summary>nobody: no capabilities, no group of ours, HOME it cannot write.</summary>
    public const int UnprivilegedUid = 65534;
    public const int UnprivilegedGid = 65534;

    /// <summary>
    /// The group allowed to run the capable binary. Numeric and in no /etc/group, so the test adds nothing to the
    /// machine's user database (README's recipe makes a named group with groupadd).
    /// </summary>
    public const int RunnersGid = 64_321;

    /// <summary>RLIMIT_MEMLOCK's default since Linux 5.16, in KiB (ulimit -l).</summary>
    private const int DefaultMemlockKib = 8192;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private CapabilityInstall(string directory, IReadOnlyList<string> capabilities)
    {
        Directory = directory;
        Capabilities = capabilities;
    }

    public string Directory { get; }

    public string Binary => Path.Combine(Directory, "fastpath");

    public IReadOnlyList<string> Capabilities { get; }

    /// <summary>The argument of setcap for <paramref name="capabilities"/>: "cap_net_raw,cap_bpf=ep", as README writes it.</summary>
    public static string SetcapArgument(IReadOnlyList<string> capabilities) => $"{string.Join(',', capabilities)}=ep";

    /// <summary>
    /// Copies the CLI (the apphost and its assemblies from the test's output folder) and applies README's
    /// recipe: chown -R root:root, chgrp the runners' group, chmod 0750, setcap (none when empty). Skips
    /// (fails under FASTPATH_REQUIRE_NETNS=1) without root or setcap.
    /// </summary>
    public static CapabilityInstall Create(IReadOnlyList<string> capabilities)
    {
        Requirements.Root();
        string setcap = Requirements.Tool("setcap", "libcap2-bin");
        _ = Requirements.Tool("setpriv", "util-linux");

        DirectoryInfo directory = System.IO.Directory.CreateTempSubdirectory("fastpath-sec-");
        var install = new CapabilityInstall(directory.FullName, capabilities);
        try
        {
            install.CopyCli();
            Check("chown", "-R", "root:root", install.Directory);
            // The directory is root's and not writable by anyone else: whoever could replace fastpath.dll next
            // to a capable apphost would run their code with its capabilities.
            Check("chmod", "0755", install.Directory);
            Check("chgrp", RunnersGid.ToString(CultureInfo.InvariantCulture), install.Binary);
            Check("chmod", "0750", install.Binary);
            if (capabilities.Count > 0) Check(setcap, SetcapArgument(capabilities), install.Binary);
            install.RequireRuntimeReadableByUnprivilegedUser();
            return install;
        }
        catch
        {
            install.Dispose();
            throw;
        }
    }

    /// <summary>A folder inside the install that anyone may write (for the files an unprivileged command writes).</summary>
    public string CreateWritableFolder(string name)
    {
        string path = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(path);
        Check("chmod", "0777", path);
        return path;
    }

    /// <summary>fastpath run as nobody, a member of the runners' group (or of no group at all).</summary>
    public ProcessStartInfo StartInfo(bool inRunnersGroup, params string[] args)
    {
        ProcessStartInfo start = AsUnprivilegedUser(inRunnersGroup);
        // setpriv keeps its own capabilities until its execve, so the kernel checks the execute permission of
        // what setpriv runs as root (CAP_DAC_OVERRIDE). A shell in between, started without capabilities,
        // makes the exec of fastpath the unprivileged user's own, permission bits and all. It also sets the
        // locked-memory limit to Linux's default (8 MiB), which README's table assumes, whatever the machine's.
        start.ArgumentList.Add("/bin/sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"ulimit -l {DefaultMemlockKib} || exit 125; exec \"$0\" \"$@\"");
        start.ArgumentList.Add(Binary);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        return start;
    }

    /// <summary>
    /// The apphost loads the shared runtime as the user who runs it: a runtime under a folder only root may
    /// enter (/root/.dotnet) cannot serve an unprivileged user, with or without capabilities.
    /// </summary>
    private void RequireRuntimeReadableByUnprivilegedUser()
    {
        string coreLibrary = typeof(object).Assembly.Location;
        ProcessStartInfo start = AsUnprivilegedUser(inRunnersGroup: false);
        start.ArgumentList.Add("/bin/sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("test -r \"$0\"");
        start.ArgumentList.Add(coreLibrary);
        using Process process = Process.Start(start)!;
        Assert.True(process.WaitForExit(CommandTimeout), "setpriv did not finish");
        if (process.ExitCode != 0) Requirements.Unmet($"the .NET runtime ({coreLibrary}) is not readable by uid {UnprivilegedUid}; install it where every user can read it (e.g. /usr/share/dotnet)");
    }

    /// <summary>setpriv to nobody, with the runners' group or none; the caller adds the program.</summary>
    private ProcessStartInfo AsUnprivilegedUser(bool inRunnersGroup)
    {
        var start = new ProcessStartInfo(Requirements.Tool("setpriv", "util-linux"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        start.ArgumentList.Add($"--reuid={UnprivilegedUid}");
        start.ArgumentList.Add($"--regid={UnprivilegedGid}");
        start.ArgumentList.Add(inRunnersGroup ? $"--groups={RunnersGid}" : "--clear-groups");
        return start;
    }

    /// <summary>The same, inside network namespace <paramref name="ns"/> (<c>ip netns exec</c> as root, then setpriv).</summary>
    public ProcessStartInfo StartInfoInNamespace(string ns, params string[] args)
    {
        ProcessStartInfo start = StartInfo(inRunnersGroup: true, args);
        start.ArgumentList.Insert(0, start.FileName);
        start.ArgumentList.Insert(0, ns);
        start.ArgumentList.Insert(0, "exec");
        start.ArgumentList.Insert(0, "netns");
        start.FileName = Requirements.Tool("ip", "iproute2");
        return start;
    }

    /// <summary>Runs to completion as nobody in the runners' group.</summary>
    public (int Exit, string Stdout, string Stderr) Run(params string[] args) => FastpathCli.Run(StartInfo(inRunnersGroup: true, args));

    public FastpathCli.Running Start(params string[] args) => FastpathCli.Running.Start(StartInfo(inRunnersGroup: true, args));

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"could not remove {Directory}: {e.Message}");
        }
    }

    private void CopyCli()
    {
        string source = AppContext.BaseDirectory;
        foreach (string file in System.IO.Directory.EnumerateFiles(source))
        {
            string name = Path.GetFileName(file);
            if (name == "fastpath" || name.StartsWith("fastpath.", StringComparison.Ordinal) || name.EndsWith(".dll", StringComparison.Ordinal))
                File.Copy(file, Path.Combine(Directory, name));
        }
        Assert.True(File.Exists(Binary), $"no apphost 'fastpath' in {source}");
    }

    private static void Check(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(CommandTimeout), $"{file} did not finish");
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: exit {process.ExitCode}: {error}");
    }
}
