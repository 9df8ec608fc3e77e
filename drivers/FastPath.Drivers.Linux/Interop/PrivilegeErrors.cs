namespace FastPath.Drivers.Linux.Interop;

/// <summary>
/// The one-line errors for calls the kernel refuses for want of a capability: they name what the step
/// needs and which of those this process lacks, so a user running with file capabilities (README,
/// "Security") knows what to add, not just that something returned EPERM.
/// </summary>
internal static class PrivilegeErrors
{
    /// <summary>The capabilities that AF_XDP's XDP program and XSKMAP need (bpf(2) checks both for XDP).</summary>
    internal static ReadOnlySpan<int> LoadAndAttachXdp => [Capabilities.CAP_BPF, Capabilities.CAP_NET_ADMIN];

    /// <summary>
    /// "AF_XDP needs CAP_BPF and CAP_NET_ADMIN (or root) to load and attach the XDP program; this process lacks
    /// CAP_BPF (bpf(BPF_MAP_CREATE, XSKMAP) failed: EPERM (Operation not permitted))".
    /// </summary>
    internal static IOException Refused(string driver, ReadOnlySpan<int> needed, string purpose, SyscallException error, string? alternative = null)
    {
        string or = alternative == null ? "or root" : $"or root, or {alternative}";
        return new IOException($"{driver} needs {Join(needed)} ({or}) {purpose}; {Lacking(needed)} ({error.Message})", error);
    }

    private static string Lacking(ReadOnlySpan<int> needed)
    {
        ulong effective = Capabilities.Effective();
        var missing = new List<int>(needed.Length);
        foreach (int capability in needed)
        {
            // bpf(2) accepts CAP_SYS_ADMIN in place of CAP_BPF and CAP_NET_ADMIN (bpf_token_capable).
            bool held = Has(effective, capability) || (capability is Capabilities.CAP_BPF or Capabilities.CAP_NET_ADMIN && Has(effective, Capabilities.CAP_SYS_ADMIN));
            if (!held) missing.Add(capability);
        }
        return missing.Count == 0
            ? "this process has them, so something else refused it (a user namespace, a security module, a sysctl)"
            : $"this process lacks {Join(missing.ToArray())}";
    }

    private static bool Has(ulong effective, int capability) => (effective & (1UL << capability)) != 0;

    private static string Join(ReadOnlySpan<int> capabilities)
    {
        var names = new string[capabilities.Length];
        for (int i = 0; i < names.Length; i++) names[i] = Name(capabilities[i]);
        return names.Length <= 1 ? string.Concat(names) : $"{string.Join(", ", names[..^1])} and {names[^1]}";
    }

    internal static string Name(int capability) => capability switch
    {
        Capabilities.CAP_NET_ADMIN => "CAP_NET_ADMIN",
        Capabilities.CAP_NET_RAW => "CAP_NET_RAW",
        Capabilities.CAP_IPC_LOCK => "CAP_IPC_LOCK",
        Capabilities.CAP_SYS_ADMIN => "CAP_SYS_ADMIN",
        Capabilities.CAP_BPF => "CAP_BPF",
        _ => $"capability {capability}",
    };
}
