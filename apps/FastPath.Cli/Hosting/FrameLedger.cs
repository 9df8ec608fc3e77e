using System.Globalization;
using System.Text.Json;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;

namespace FastPath.Cli.Hosting;

/// <summary>
/// Frame accounting for a command's final report: remembers the pool of every port the command opened
/// (<see cref="WorkerPorts"/> records each port it opens; a pcap port is recorded by hand) and,
/// once the ports are closed, says how many of their frames are back. A port returns on Dispose the frames
/// its rings still held (AF_XDP fill, RX, TX and completion rings), so after a clean stop, SIGTERM
/// included, every frame is back; one that is not was kept by the application or lost in flight.
/// </summary>
/// <remarks>
/// It keeps the pools, not the ports: wrapping the port would hide its concrete type from the code that
/// looks for it (<c>port is AfPacketPort</c>, <c>IWaitablePort</c>) and add a call to every burst.
/// </remarks>
internal sealed class FrameLedger
{
    private readonly Lock _lock = new();
    private readonly List<FramePool> _pools = [];

    /// <summary>Counts the frames of <paramref name="port"/>'s pool; returns the port.</summary>
    public IPacketPort Record(IPacketPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        lock (_lock) _pools.Add(port.Pool);
        return port;
    }

    /// <summary>Frames of every pool the command's ports had. Read once the ports are closed.</summary>
    public long Total
    {
        get
        {
            lock (_lock) return _pools.Sum(pool => (long)pool.Capacity);
        }
    }

    /// <summary>Frames back in their pools. Equal to <see cref="Total"/> after a clean stop.</summary>
    public long Returned
    {
        get
        {
            lock (_lock) return _pools.Sum(pool => (long)pool.Available);
        }
    }

    /// <summary>{"total", "returned", "in_use_after_close"}.</summary>
    public RunReport.Fields ToFields()
    {
        long total = Total, returned = Returned;
        var fields = new RunReport.Fields();
        fields.Add("total", total);
        fields.Add("returned", returned);
        fields.Add("in_use_after_close", total - returned);
        return fields;
    }

    /// <summary>Writes the "frames" object into a command's JSON report.</summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject("frames");
        ToFields().WriteMembers(writer);
        writer.WriteEndObject();
    }

    /// <summary>"16384 of 16384 frames back in the pool", for a text summary.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Returned} of {Total} frames back in the pool");
}
