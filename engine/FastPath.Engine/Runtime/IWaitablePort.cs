namespace FastPath.Engine.Runtime;

/// <summary>
/// A port that can put its worker to sleep until frames arrive (poll(2) on the socket), so an idle worker
/// gives its core back instead of spinning. Ports without a file descriptor to wait on do not implement it,
/// and an idle worker over them sleeps for the same bounded time instead.
/// </summary>
public interface IWaitablePort
{
    /// <summary>Blocks until a receive may find frames or <paramref name="timeoutMilliseconds"/> pass; true when frames may be ready.</summary>
    bool WaitForReceive(int timeoutMilliseconds);
}
