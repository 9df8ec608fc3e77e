namespace FastPath.Drivers.Linux.Devices;

/// <summary>
/// The port's interface no longer exists (deleted with <c>ip link del</c>, or its namespace went away): no
/// frame can cross it again. The port stays safe to dispose; opening a port again is the only way on.
/// </summary>
public sealed class LinkGoneException : IOException
{
    internal LinkGoneException(string interfaceName, string reason)
        : base($"link {interfaceName} is gone ({reason})")
    {
        InterfaceName = interfaceName;
    }

    public string InterfaceName { get; }
}
