namespace FastPath.Engine.Ports;

/// <summary>Which of a port's directions a decorator acts on.</summary>
[Flags]
public enum PortDirections
{
    None = 0,
    Receive = 1,
    Transmit = 2,
    Both = Receive | Transmit,
}
