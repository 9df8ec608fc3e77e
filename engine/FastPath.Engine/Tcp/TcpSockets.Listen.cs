namespace FastPath.Engine.Tcp;

public sealed partial class TcpSockets
{
    private void InitializeComponents()
    {
        _ = _options;
    }

    /// <summary>RFC 9293 section 3.10.7.2: LISTEN.</summary>
    private void ListenInput(TcpListener listener, uint source, ref TcpSegment segment)
    {
        _ = listener;
        ClosedInput(source, ref segment);
    }
}
