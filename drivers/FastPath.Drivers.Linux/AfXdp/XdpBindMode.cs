namespace FastPath.Drivers.Linux.AfXdp;

/// <summary>How frames move between the driver and the UMEM.</summary>
public enum XdpBindMode
{
    /// <summary>Zero-copy if the driver supports it, else copy (the kernel's own fallback when neither flag is given).</summary>
    Auto,
    /// <summary>The driver DMAs straight into the UMEM; fails where the driver cannot.</summary>
    ZeroCopy,
    /// <summary>The kernel copies each frame between its buffers and the UMEM; works everywhere.</summary>
    Copy,
}
