namespace FastPath.Drivers.Linux.Bpf;

/// <summary>Where the XDP program runs.</summary>
public enum XdpAttachMode
{
    /// <summary>Native (driver) mode if the driver has it, else generic.</summary>
    Auto,
    /// <summary>In the driver, before an skb is built: the fast mode, and the one zero-copy needs.</summary>
    Native,
    /// <summary>In the core stack after the skb is built: works on every interface, slower.</summary>
    Generic,
}
