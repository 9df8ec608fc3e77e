using System.ComponentModel;
using System.Runtime.InteropServices;
using FastPath.Engine.Interop;

namespace FastPath.Fuzz.Tests.Memory;

/// <summary>
/// Pages of readable memory followed by one PROT_NONE page: <see cref="Place"/> puts an input so that its
/// last byte sits right before the guard. A span over it catches a read past the end with its bounds check;
/// code that reads through <c>Unsafe</c> or a pointer past the end touches the guard and faults (the host
/// dies; <see cref="Corpus.InFlightInput"/> has kept the input).
/// </summary>
internal sealed unsafe class GuardedBuffer : IDisposable
{
    private const int ProtNone = 0;
    private const int MapFixed = 0x10;

    private readonly nint _base;
    private readonly nuint _length;
    private readonly int _usable;

    public GuardedBuffer(int capacity)
    {
        int page = Environment.SystemPageSize;
        _usable = (capacity + page - 1) / page * page;
        _length = (nuint)(_usable + page);
        _base = Mman.Map(0, _length, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
        if (_base == Mman.MAP_FAILED) throw new Win32Exception(Marshal.GetLastPInvokeError(), "mmap of the guarded buffer");
        // The last page of our own mapping becomes the guard: MAP_FIXED over it cannot clobber anyone else's.
        nint guard = Mman.Map(_base + _usable, (nuint)page, ProtNone, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | MapFixed, -1, 0);
        if (guard == Mman.MAP_FAILED) throw new Win32Exception(Marshal.GetLastPInvokeError(), "mmap of the guard page");
    }

    /// <summary>Copies <paramref name="input"/> to end exactly at the guard page and returns the span over it.</summary>
    public Span<byte> Place(ReadOnlySpan<byte> input)
    {
        if (input.Length > _usable) throw new ArgumentOutOfRangeException(nameof(input), input.Length, $"at most {_usable} bytes");
        var span = new Span<byte>((byte*)(_base + _usable - input.Length), input.Length);
        input.CopyTo(span);
        return span;
    }

    public void Dispose()
    {
        if (_base != 0 && _base != Mman.MAP_FAILED) Mman.Unmap(_base, _length);
    }
}
