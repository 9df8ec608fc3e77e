using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using FastPath.TestKit.Interop;

namespace FastPath.TestKit;

/// <summary>The kernel peer: code and programs that run inside the lab's namespace.</summary>
public sealed partial class NetLab
{
    private static readonly TimeSpan DefaultPeerTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs <paramref name="action"/> on a new thread that first enters the peer namespace, and returns its
    /// result (or rethrows its exception). The network namespace belongs to the thread, so a dedicated
    /// thread that ends afterwards keeps the rest of the process out of it; sockets created inside stay in
    /// the namespace for their whole life and may be used from any thread.
    /// </summary>
    public T InNamespace<T>(Func<T> action)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                EnterNamespace(NamespacePath);
                result = action();
            }
#pragma warning disable CA1031 // the exception is rethrown on the caller's thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {Namespace}",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    public void InNamespace(Action action) => InNamespace<object?>(() =>
    {
        action();
        return null;
    });

    /// <summary>A kernel UDP socket bound to <see cref="PeerIp"/>:<paramref name="port"/> in the namespace; the lab closes it on Dispose.</summary>
    public Socket OpenPeerUdp(int port, TimeSpan? receiveTimeout = null)
    {
        Socket socket = InNamespace(() =>
        {
            var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(PeerEndPoint(port));
                udp.ReceiveTimeout = (int)(receiveTimeout ?? TimeSpan.FromSeconds(5)).TotalMilliseconds;
                return udp;
            }
            catch
            {
                udp.Dispose();
                throw;
            }
        });
        lock (_peerSockets) _peerSockets.Add(socket);
        return socket;
    }

    /// <summary>Runs a program in the peer namespace (<c>ip netns exec</c>), e.g. ping or nc, killed after 30 s.</summary>
    public CommandResult RunInPeer(string file, params string[] arguments) => RunInPeer(DefaultPeerTimeout, file, arguments);

    /// <summary>Runs a program in the peer namespace; throws <see cref="TimeoutException"/> once it overruns.</summary>
    public CommandResult RunInPeer(TimeSpan timeout, string file, params string[] arguments)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return CommandRunner.Run(_ip, ["netns", "exec", Namespace, file, .. arguments], timeout);
    }

    private static void EnterNamespace(string path)
    {
        int fd = Libc.Open(path, Libc.ORdOnly | Libc.OCloexec);
        if (fd < 0) throw new IOException($"open({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Libc.Setns(fd, Libc.CloneNewNet) < 0)
                throw new IOException($"setns({path}, CLONE_NEWNET) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
