using System.Runtime.InteropServices;
using System.Text;
using FastPath.Drivers.Linux.Interop;

namespace FastPath.Drivers.Linux.Bpf;

/// <summary>A loaded, verified BPF program (its fd). Loading failures carry the verifier's log.</summary>
internal sealed unsafe class BpfProgram : IDisposable
{
    private const int VerifierLogSize = 64 * 1024;
    private static readonly byte[] GplLicense = "GPL\0"u8.ToArray();

    private BpfProgram(FileDescriptorHandle handle) => Handle = handle;

    internal FileDescriptorHandle Handle { get; }

    /// <summary>
    /// Loads an XDP program under the GPL licence (helpers such as bpf_redirect_map are GPL-only). The first
    /// attempt runs without a log (cheaper); a rejected program is loaded again with log level 1 so the
    /// exception can quote the verifier.
    /// </summary>
    public static BpfProgram LoadXdp(ReadOnlySpan<BpfInstruction> instructions, string name)
    {
        int fd = Load(instructions, name, log: default, out int errno);
        if (fd >= 0) return new BpfProgram(new FileDescriptorHandle(fd));
        if (errno == Errors.EPERM)
            throw PrivilegeErrors.Refused("AF_XDP", PrivilegeErrors.LoadAndAttachXdp, "to load and attach the XDP program", new SyscallException("bpf(BPF_PROG_LOAD)", errno));

        byte[] log = new byte[VerifierLogSize];
        fd = Load(instructions, name, log, out int retryErrno);
        if (fd >= 0) return new BpfProgram(new FileDescriptorHandle(fd));
        string verifier = DecodeLog(log);
        var error = new SyscallException("bpf(BPF_PROG_LOAD)", retryErrno == 0 ? errno : retryErrno);
        if (verifier.Length == 0) throw error;
        throw new IOException($"{error.Message}; verifier log:{Environment.NewLine}{verifier}", error);
    }

    public void Dispose() => Handle.Dispose();

    private static int Load(ReadOnlySpan<BpfInstruction> instructions, string name, Span<byte> log, out int errno)
    {
        fixed (BpfInstruction* code = instructions)
        fixed (byte* license = GplLicense)
        fixed (byte* logBuffer = log)
        {
            var attr = new Interop.Bpf.ProgramLoadAttr
            {
                ProgramType = Interop.Bpf.BPF_PROG_TYPE_XDP,
                InstructionCount = (uint)instructions.Length,
                Instructions = (ulong)code,
                License = (ulong)license,
                LogLevel = log.IsEmpty ? 0u : 1u,
                LogSize = (uint)log.Length,
                LogBuffer = (ulong)logBuffer,
            };
            BpfNames.Write(name, attr.ProgramName);
            int fd = Interop.Bpf.Call(Interop.Bpf.BPF_PROG_LOAD, ref attr);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            return fd;
        }
    }

    private static string DecodeLog(byte[] log)
    {
        int end = Array.IndexOf(log, (byte)0);
        return Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end).TrimEnd();
    }
}
