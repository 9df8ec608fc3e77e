using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace FastPath.Apps.Tests.Fanout;

/// <summary>
/// Runs code on a fresh thread that has entered a named network namespace (setns), so sockets it opens
/// belong to that namespace and stay there after the thread ends: the kernel peers of a lab test.
/// </summary>
internal static partial class InNamespace
{
    private const int CloneNewNet = 0x40000000;
    private const int OpenReadOnlyCloseOnExec = 0x80000;

    public static T Run<T>(string ns, Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                int fd = Open($"/var/run/netns/{ns}", OpenReadOnlyCloseOnExec);
                if (fd < 0) throw new IOException($"open /var/run/netns/{ns}: errno {Marshal.GetLastPInvokeError()}");
                try
                {
                    if (Setns(fd, CloneNewNet) != 0) throw new IOException($"setns {ns}: errno {Marshal.GetLastPInvokeError()}");
                }
                finally
                {
                    Close(fd);
                }
                result = action();
            }
#pragma warning disable CA1031 // rethrown on the caller's thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        { IsBackground = true, Name = $"netns {ns}" };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int Setns(int fd, int nsType);
}
