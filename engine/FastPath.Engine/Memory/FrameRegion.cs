using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastPath.Engine.Interop;

namespace FastPath.Engine.Memory;

/// <summary>
/// One page-aligned anonymous mapping of N equal frames: the memory AF_XDP registers as its UMEM and every
/// port and pool draws packets from. Never GC memory, so the kernel and the data path can hold raw addresses.
/// </summary>
public sealed unsafe class FrameRegion : IDisposable
{
    public const int DefaultFrameSize = 2048;
    private byte* _base;

    private FrameRegion(byte* address, int frameCount, int frameSize)
    {
        _base = address;
        FrameCount = frameCount;
        FrameSize = frameSize;
        FrameShift = BitOperations.Log2((uint)frameSize);
    }

    /// <summary>Maps <paramref name="frameCount"/> frames of <paramref name="frameSize"/> bytes (2048 or 4096), pre-faulted.</summary>
    public static FrameRegion Create(int frameCount, int frameSize = DefaultFrameSize)
    {
        if (frameSize is not (2048 or 4096))
            throw new ArgumentOutOfRangeException(nameof(frameSize), frameSize, "frame size must be 2048 or 4096 (the sizes AF_XDP accepts in aligned mode)");
        if (frameCount <= 0 || (long)frameCount * frameSize > int.MaxValue * 2L)
            throw new ArgumentOutOfRangeException(nameof(frameCount), frameCount, "frame count must be positive and the region under 4 GiB");
        nuint length = (nuint)frameCount * (nuint)frameSize;
        nint address = Mman.Map(0, length, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_POPULATE, -1, 0);
        if (address == Mman.MAP_FAILED)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new InsufficientMemoryException($"mmap of {length} bytes for {frameCount} frames failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
        return new FrameRegion((byte*)address, frameCount, frameSize);
    }

    public int FrameCount { get; }
    public int FrameSize { get; }
    /// <summary>log2 of <see cref="FrameSize"/>: a UMEM address is <c>frame &lt;&lt; FrameShift | offset</c>.</summary>
    public int FrameShift { get; }
    public long Length => (long)FrameCount * FrameSize;
    public bool IsDisposed => _base == null;

    /// <summary>Start of the mapping, for registering it with the kernel.</summary>
    public nint BaseAddress => (nint)_base;

    /// <summary>The whole frame <paramref name="frame"/>, headroom included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetFrame(uint frame)
    {
        if (frame >= (uint)FrameCount) ThrowFrameOutOfRange(frame);
        return new Span<byte>(_base + ((nint)frame << FrameShift), FrameSize);
    }

    /// <summary>The packet's bytes. The handle is trusted to lie within its frame (ports and pools only make such handles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(in Packet packet)
    {
        if (packet.Frame >= (uint)FrameCount || packet.Offset + packet.Length > FrameSize) ThrowPacketOutOfRange(packet);
        return new Span<byte>(_base + ((nint)packet.Frame << FrameShift) + packet.Offset, packet.Length);
    }

    /// <summary>The bytes of frame <paramref name="packet"/> from its data offset to the end of the frame (room to build into).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetWritableSpan(in Packet packet)
    {
        if (packet.Frame >= (uint)FrameCount || packet.Offset > FrameSize) ThrowPacketOutOfRange(packet);
        return new Span<byte>(_base + ((nint)packet.Frame << FrameShift) + packet.Offset, FrameSize - packet.Offset);
    }

    /// <summary>The UMEM address of the packet's first byte (what an AF_XDP descriptor carries).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ToAddress(in Packet packet) => ((ulong)packet.Frame << FrameShift) | packet.Offset;

    /// <summary>The handle for a UMEM descriptor (address, length) in aligned mode.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Packet FromAddress(ulong address, uint length) =>
        new((uint)(address >> FrameShift), (ushort)(address & (uint)(FrameSize - 1)), (ushort)length);

    public void Dispose()
    {
        if (_base == null) return;
        _ = Mman.Unmap((nint)_base, (nuint)Length);
        _base = null;
    }

    private static void ThrowFrameOutOfRange(uint frame) => throw new ArgumentOutOfRangeException(nameof(frame), frame, "frame index outside the region");
    private static void ThrowPacketOutOfRange(in Packet packet) => throw new ArgumentOutOfRangeException(nameof(packet), packet.ToString(), "packet outside its frame");
}
