using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text;

namespace FastPath.Fuzz.Tests.Corpus;

/// <summary>
/// The input a target is being fed, kept in a file mapped MAP_SHARED (MemoryMappedFile is that on Linux):
/// every store lands in the page cache at once, so when an overread hits a guard page and the kernel kills
/// the test host, the input that did it is on disk. Written before each call; deleted when the run ends
/// normally. The next run finds a leftover with <see cref="TakeLeftovers"/> and turns it into a reproducer.
/// </summary>
/// <remarks>Layout: magic, frame length, input number, seed, target name (32 bytes), frame.</remarks>
internal sealed unsafe class InFlightInput : IDisposable
{
    public const int MaximumFrame = 65536;
    private const uint Magic = 0x46505A31; // "FPZ1"
    private const int NameLength = 32;
    private const int HeaderLength = 4 + 4 + 8 + 8 + NameLength;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private bool _disposed;

    public InFlightInput(string target, ulong seed)
    {
        Path = PathOf(target);
        System.IO.Directory.CreateDirectory(CorpusFiles.FoundDirectory);
        _file = MemoryMappedFile.CreateFromFile(Path, FileMode.Create, null, HeaderLength + MaximumFrame, MemoryMappedFileAccess.ReadWrite);
        _view = _file.CreateViewAccessor();
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
        var header = new Span<byte>(_base, HeaderLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], seed);
        Encoding.ASCII.GetBytes(target.AsSpan(0, Math.Min(target.Length, NameLength)), header[24..]);
    }

    /// <summary>Where the input being fed lies while the run goes on.</summary>
    public string Path { get; }

    /// <summary>found/.in-flight-TARGET-PID.bin: the pid tells a dead run's leftover from a live run's file.</summary>
    public static string PathOf(string target) => System.IO.Path.Combine(CorpusFiles.FoundDirectory, $".in-flight-{target}-{Environment.ProcessId}.bin");

    /// <summary>Records <paramref name="frame"/> (input number <paramref name="input"/>) before it is fed.</summary>
    public void Record(long input, ReadOnlySpan<byte> frame)
    {
        int length = Math.Min(frame.Length, MaximumFrame);
        frame[..length].CopyTo(new Span<byte>(_base + HeaderLength, length));
        BinaryPrimitives.WriteInt32LittleEndian(new Span<byte>(_base + 4, 4), length);
        BinaryPrimitives.WriteInt64LittleEndian(new Span<byte>(_base + 8, 8), input);
    }

    /// <summary>
    /// In-flight files a killed run (its pid gone) left behind, each turned into a hex reproducer in found/ (and deleted);
    /// returns the reproducers' paths.
    /// </summary>
    public static List<string> TakeLeftovers()
    {
        var written = new List<string>();
        if (!System.IO.Directory.Exists(CorpusFiles.FoundDirectory)) return written;
        foreach (string file in System.IO.Directory.GetFiles(CorpusFiles.FoundDirectory, ".in-flight-*.bin"))
        {
            string name = System.IO.Path.GetFileNameWithoutExtension(file);
            if (int.TryParse(name.AsSpan(name.LastIndexOf('-') + 1), out int pid) && System.IO.Directory.Exists($"/proc/{pid}")) continue;
            byte[] bytes = File.ReadAllBytes(file);
            if (bytes.Length >= HeaderLength && BinaryPrimitives.ReadUInt32LittleEndian(bytes) == Magic)
            {
                int length = Math.Clamp(BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)), 0, bytes.Length - HeaderLength);
                long input = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
                ulong seed = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16));
                string target = Encoding.ASCII.GetString(bytes.AsSpan(24, NameLength)).TrimEnd('\0');
                written.Add(CorpusFiles.WriteReproducer(target, seed, input, [bytes.AsSpan(HeaderLength, length).ToArray()],
                    "the test host died while this input was being fed (a fault: an overread into a guard page?)"));
            }
            File.Delete(file);
        }
        return written;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
        File.Delete(Path);
    }
}
