using System.Buffers.Text;
using System.Diagnostics;
using System.Text.Json;
using FastPath.Engine.Ports;
using FastPath.Engine.Telemetry;
using Microsoft.Win32.SafeHandles;

namespace FastPath.Cli.Hosting;

/// <summary>
/// <c>--stats-json FILE</c>: once a second, one JSON object per line with what only the process itself can
/// see of its own health: resident memory (VmRSS of /proc/self/status), the managed heap, collections per
/// generation, bytes allocated so far, each port's frame-pool occupancy and counters, and the command's own
/// packet counters. A soak test reads the lines while the process runs and fails when anything grows.
/// </summary>
/// <remarks>
/// Everything is read on this reporter's own thread; the workers only publish (their counters are plain
/// 64-bit fields, the pools' free counts ints), so sampling adds nothing to a worker's path. The line is
/// written by one reused writer and /proc is read into one reused buffer, so what a sample allocates (the
/// GC's info object, a file handle, the command's counter snapshot) is a few hundred bytes a second: it shows
/// in <c>allocated_bytes</c>, and it is all a soak should see a process allocate.
/// </remarks>
internal sealed class ProcessStatsReporter : IDisposable
{
    private readonly string _command;
    private readonly string _path;
    private readonly WorkerPorts _ports;
    private readonly Action<Utf8JsonWriter> _writeCounters;
    private readonly FileStream _file;
    private readonly Utf8JsonWriter _writer;
    private readonly int _pid = Environment.ProcessId;
    private readonly byte[] _status = new byte[16384];
    private readonly SecondTicker _ticker;
    private bool _writeFailed;
    private bool _started;
    private long _start;

    /// <param name="command">The command's name, written in every line.</param>
    /// <param name="file">The file to write (created or truncated now, so a bad path fails before any port opens).</param>
    /// <param name="ports">The workers' ports, read for their pools and counters once they are open.</param>
    /// <param name="writeCounters">Writes the command's packet counters as members of the <c>counters</c> object.</param>
    public ProcessStatsReporter(string command, string file, WorkerPorts ports, Action<Utf8JsonWriter> writeCounters)
    {
        _command = command;
        _path = file;
        _ports = ports;
        _writeCounters = writeCounters;
        try
        {
            _file = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        }
        // ArgumentException: an empty path ("--stats-json ''"), which FileStream rejects before any syscall.
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CommandLineException($"--stats-json: cannot write {file}: {e.Message}");
        }
        _writer = new Utf8JsonWriter(_file);
        _ticker = new SecondTicker("fastpath stats", TryWriteSample);
    }

    /// <summary>Where a write that fails mid-run is reported (stderr; a test gives its own).</summary>
    internal TextWriter Errors { get; init; } = Console.Error;

    /// <summary>A reporter when <paramref name="file"/> was given, otherwise null (nothing sampled).</summary>
    public static ProcessStatsReporter? Create(string command, string? file, WorkerPorts ports, Action<Utf8JsonWriter> writeCounters) =>
        file is null ? null : new ProcessStatsReporter(command, file, ports, writeCounters);

    /// <summary>Writes the first line now (the state before traffic) and then one a second.</summary>
    public void Start()
    {
        if (_started) return;
        _started = true;
        _start = Stopwatch.GetTimestamp();
        WriteSample(final: false);
        _ticker.Start(_start);
    }

    /// <summary>Stops sampling and writes a last line marked <c>"final": true</c> (after the workers stopped).</summary>
    public void Stop()
    {
        if (!_ticker.Stop()) return;
        // The ticker's Stop joined the sampling thread: its _writeFailed is visible here.
        if (!_writeFailed) WriteSample(final: true);
    }

    public void Dispose()
    {
        Stop();
        _ticker.Dispose();
        try
        {
            _writer.Dispose();
            _file.Dispose();
        }
        catch (IOException) when (_writeFailed)
        {
            // The bytes the failed write left in the buffers fail again on the way out; it was said once.
        }
    }

    /// <summary>A line on the sampling thread; false (stop sampling) when the write failed.</summary>
    private bool TryWriteSample()
    {
        try
        {
            WriteSample(final: false);
            return true;
        }
        catch (IOException e)
        {
            // A full disk or a reader that closed its pipe: an exception here, on a thread of our own, would
            // end the process with a stack trace in the middle of its run. Say it once and stop sampling;
            // the command goes on.
            _writeFailed = true;
            Errors.WriteLine($"fastpath: --stats-json: stopped writing {_path}: {e.Message}");
            return false;
        }
    }

    private void WriteSample(bool final)
    {
        double elapsed = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        // The info of the last collection: the heap as that collection left it, which grows only when
        // something survives (a leak), unlike the allocation-driven GC.GetTotalMemory sawtooth.
        GCMemoryInfo lastCollection = GC.GetGCMemoryInfo(GCKind.Any);
        Utf8JsonWriter writer = _writer;
        writer.Reset(_file);
        writer.WriteStartObject();
        writer.WriteString("command", _command);
        writer.WriteNumber("pid", _pid);
        writer.WriteNumber("t", Math.Round(elapsed, 3));
        if (final) writer.WriteBoolean("final", true);
        writer.WriteNumber("rss_bytes", ResidentBytes());
        writer.WriteNumber("heap_bytes", GC.GetTotalMemory(forceFullCollection: false));
        writer.WriteNumber("heap_after_gc_bytes", lastCollection.HeapSizeBytes);
        writer.WriteNumber("allocated_bytes", GC.GetTotalAllocatedBytes(precise: false));
        writer.WriteNumber("gen0", GC.CollectionCount(0));
        writer.WriteNumber("gen1", GC.CollectionCount(1));
        writer.WriteNumber("gen2", GC.CollectionCount(2));
        writer.WriteStartArray("ports");
        IReadOnlyList<IPacketPort?> ports = _ports.Opened;
        for (int i = 0; i < ports.Count; i++)
        {
            if (ports[i] is { } port) WritePort(writer, port);
        }
        writer.WriteEndArray();
        writer.WriteStartObject("counters");
        _writeCounters(writer);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
        _file.WriteByte((byte)'\n');
        _file.Flush();
    }

    private static void WritePort(Utf8JsonWriter writer, IPacketPort port)
    {
        FramePoolOccupancy(port, out int inUse, out int capacity);
        PortStats stats;
        try
        {
            stats = port.Stats;
        }
        catch (ObjectDisposedException)
        {
            // The worker closed its port between our reads (the run is ending): the final line has its totals.
            return;
        }
        writer.WriteStartObject();
        writer.WriteNumber("queue", port.Info.Queue);
        writer.WriteNumber("pool_in_use", inUse);
        writer.WriteNumber("pool_capacity", capacity);
        TelemetryJson.WritePortMembers(writer, stats);
        writer.WriteEndObject();
    }

    /// <summary>Frames taken from the pool (by the worker, or lent to the kernel's fill and TX rings) and its size.</summary>
    private static void FramePoolOccupancy(IPacketPort port, out int inUse, out int capacity)
    {
        // A plain int read of a count the worker owns: a moment old at worst, never torn.
        capacity = port.Pool.Capacity;
        inUse = port.Pool.InUse;
    }

    /// <summary>VmRSS of /proc/self/status in bytes (what <c>ps</c> and the kernel's OOM killer count), 0 if unreadable.</summary>
    private long ResidentBytes()
    {
        int length;
        try
        {
            using SafeFileHandle status = File.OpenHandle("/proc/self/status");
            length = RandomAccess.Read(status, _status, 0);
        }
        catch (IOException)
        {
            return 0;
        }
        ReadOnlySpan<byte> text = _status.AsSpan(0, length);
        int at = text.IndexOf("VmRSS:"u8);
        if (at < 0) return 0;
        text = text[(at + "VmRSS:"u8.Length)..].TrimStart(" \t"u8);
        return Utf8Parser.TryParse(text, out long kilobytes, out _) ? kilobytes * 1024 : 0;
    }
}
