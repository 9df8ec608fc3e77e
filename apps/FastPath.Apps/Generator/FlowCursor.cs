using System.Runtime.CompilerServices;

namespace FastPath.Apps.Generator;

/// <summary>
/// Picks each frame's flow: source address, destination address and source port (ICMP identifier). In turn,
/// it walks every combination with the port fastest, then the source, then the destination (the order
/// TRex's and pktgen's "inc" modes use), so N frames cover min(N, flows) distinct 5-tuples; at random, each
/// field is drawn on its own.
/// </summary>
internal struct FlowCursor
{
    private readonly uint _sourceFirst;
    private readonly uint _sourceCount;
    private readonly uint _destinationFirst;
    private readonly uint _destinationCount;
    private readonly uint _portFirst;
    private readonly uint _portCount;
    private readonly bool _random;
    private uint _source;
    private uint _destination;
    private uint _port;

    public FlowCursor(StreamSpec spec, long startFlow)
    {
        _sourceFirst = spec.SourceIps.First.Value;
        _sourceCount = (uint)Math.Min(spec.SourceIps.Count, uint.MaxValue);
        _destinationFirst = spec.DestinationIps.First.Value;
        _destinationCount = (uint)Math.Min(spec.DestinationIps.Count, uint.MaxValue);
        _portFirst = spec.SourcePort;
        _portCount = (uint)spec.Flows;
        _random = spec.RandomOrder;
        // Several workers start at different points of the walk, so together they spread over the flows
        // from the first frame instead of all sending flow 0 first.
        _port = (uint)(startFlow % _portCount);
        long rest = startFlow / _portCount;
        _source = (uint)(rest % _sourceCount);
        _destination = (uint)(rest / _sourceCount % _destinationCount);
    }

    /// <summary>The next flow's source address, destination address and port, as values (host order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Next(ref FastRandom random, out uint source, out uint destination, out uint port)
    {
        if (_random)
        {
            ulong draw = random.Next();
            port = _portFirst + FastRandom.Below((uint)draw, _portCount);
            source = _sourceFirst + FastRandom.Below((uint)(draw >> 32), _sourceCount);
            destination = _destinationCount == 1 ? _destinationFirst : _destinationFirst + FastRandom.Below((uint)random.Next(), _destinationCount);
            return;
        }
        port = _portFirst + _port;
        source = _sourceFirst + _source;
        destination = _destinationFirst + _destination;
        if (++_port < _portCount) return;
        _port = 0;
        if (++_source < _sourceCount) return;
        _source = 0;
        if (++_destination == _destinationCount) _destination = 0;
    }
}
