using System.Diagnostics;
using FastPath.Engine.Memory;
using FastPath.Engine.Rings;

namespace FastPath.Engine.Flows;

/// <summary>
/// One worker's side of <see cref="FlowSteering"/>: its outgoing hand-over rings and incoming return rings
/// (it produces the first and consumes the second), and the other way round for its peers. Used only on
/// the worker's thread; its counters are read by others for statistics.
/// </summary>
internal sealed class FlowSteeringEndpoint
{
    private readonly FlowSteering _steering;
    private readonly int _self;
    // Indexed by the peer worker; null at _self.
    private readonly SpscRing<Packet>?[] _toPeer;        // packets of ours for the peer
    private readonly SpscRing<Packet>?[] _fromPeer;      // packets of the peer's for us
    private readonly SpscRing<Packet>?[] _giveBackToPeer; // the peer's frames, done with
    private readonly SpscRing<Packet>?[] _givenBack;      // our frames, done with
    private Packet[][] _staged = [];
    private int[] _stagedCount = [];
    private Packet[] _scratch = [];
    private FramePool? _pool;
    // Read by the peers (acquire through the ring that carried a frame) to find the bytes of our frames.
    private FrameRegion? _region;
    private long _steeredOut;
    private long _steeredIn;
    private long _drops;
    // Our frames that a peer holds (handed over, not yet given back): Quiesce waits for it to reach zero.
    private long _outstanding;
    private bool _stopped;
    private bool _quiesced;

    public FlowSteeringEndpoint(FlowSteering steering, int self, SpscRing<Packet>?[][] handOver, SpscRing<Packet>?[][] giveBack)
    {
        _steering = steering;
        _self = self;
        int workers = steering.WorkerCount;
        _toPeer = new SpscRing<Packet>?[workers];
        _fromPeer = new SpscRing<Packet>?[workers];
        _giveBackToPeer = new SpscRing<Packet>?[workers];
        _givenBack = new SpscRing<Packet>?[workers];
        for (int peer = 0; peer < workers; peer++)
        {
            _toPeer[peer] = handOver[self][peer];
            _fromPeer[peer] = handOver[peer][self];
            _giveBackToPeer[peer] = giveBack[self][peer];
            _givenBack[peer] = giveBack[peer][self];
        }
    }

    public long SteeredOut => Volatile.Read(ref _steeredOut);

    public long SteeredIn => Volatile.Read(ref _steeredIn);

    public long Drops => Volatile.Read(ref _drops);

    /// <summary>Binds the endpoint to its worker's pool; on the worker's thread before its first burst.</summary>
    public void Attach(FramePool pool, int burstSize)
    {
        _pool = pool;
        _region = pool.Region;
        int workers = _steering.WorkerCount;
        _staged = new Packet[workers][];
        for (int peer = 0; peer < workers; peer++) _staged[peer] = new Packet[burstSize];
        _stagedCount = new int[workers];
        _scratch = new Packet[burstSize];
    }

    /// <summary>
    /// Takes back our returned frames, hands the burst's packets that belong to peers over to them, and
    /// appends the peers' packets for us (copied into our frames) up to the burst's length. Returns how many
    /// packets of <paramref name="burst"/> are now ours to process.
    /// </summary>
    public int Steer(Span<Packet> burst, int received)
    {
        FramePool pool = _pool!;
        FrameRegion region = _region!;
        ReclaimGivenBack(pool, _scratch);

        int kept = 0;
        if (received > 0)
        {
            FlowSteering steering = _steering;
            for (int i = 0; i < received; i++)
            {
                Packet packet = burst[i];
                int worker = steering.SelectWorker(region.GetSpan(packet));
                if (worker < 0 || worker == _self)
                {
                    burst[kept++] = packet;
                    continue;
                }
                _staged[worker][_stagedCount[worker]++] = packet;
            }
            HandOverStaged(pool);
        }
        return kept + TakeHandedOver(burst[kept..], pool, region);
    }

    /// <summary>
    /// Shutdown, on the worker's thread after its last burst: stops handing over, then keeps giving back the
    /// peers' frames (uncopied: the packets are dropped) and taking back ours until every worker has stopped
    /// and none of our frames is out, or <see cref="FlowSteering.QuiesceTimeout"/> passes.
    /// </summary>
    public void Quiesce(FramePool? pool)
    {
        if (_quiesced) return;
        if (!_stopped)
        {
            _stopped = true;
            _steering.StopSending();
        }
        long deadline = Environment.TickCount64 + (long)_steering.QuiesceTimeout.TotalMilliseconds;
        Span<Packet> scratch = stackalloc Packet[32];
        while (true)
        {
            bool inboundEmpty = true;
            for (int peer = 0; peer < _fromPeer.Length; peer++)
            {
                SpscRing<Packet>? ring = _fromPeer[peer];
                if (ring is null) continue;
                int n;
                while ((n = ring.DequeueBurst(scratch[..Math.Min(scratch.Length, GiveBackRoom(peer))])) > 0)
                {
                    GiveBack(peer, scratch[..n]);
                    _drops += n;
                }
                inboundEmpty &= ring.IsEmpty;
            }
            if (pool is not null) ReclaimGivenBack(pool, scratch);
            if ((_steering.AllStoppedSending && inboundEmpty && _outstanding == 0) || Environment.TickCount64 > deadline)
            {
                _quiesced = true;
                return;
            }
            Thread.Yield();
        }
    }

    private void HandOverStaged(FramePool pool)
    {
        for (int peer = 0; peer < _stagedCount.Length; peer++)
        {
            int count = _stagedCount[peer];
            if (count == 0) continue;
            _stagedCount[peer] = 0;
            ReadOnlySpan<Packet> staged = _staged[peer].AsSpan(0, count);
            int sent = _toPeer[peer]!.EnqueueBurst(staged);
            _steeredOut += sent;
            _outstanding += sent;
            if (sent < count)
            {
                // The peer is behind: drop rather than wait, as a NIC queue does.
                pool.Free(staged[sent..]);
                _drops += count - sent;
            }
        }
    }

    private int TakeHandedOver(Span<Packet> room, FramePool pool, FrameRegion region)
    {
        int taken = 0;
        for (int peer = 0; peer < _fromPeer.Length && taken < room.Length; peer++)
        {
            SpscRing<Packet>? ring = _fromPeer[peer];
            if (ring is null) continue;
            // Never take more than the give-back ring has room for: a peer's frame can only go home.
            int limit = Math.Min(Math.Min(room.Length - taken, _scratch.Length), GiveBackRoom(peer));
            int n = ring.DequeueBurst(_scratch.AsSpan(0, limit));
            if (n == 0) continue;
            Span<Packet> arrived = _scratch.AsSpan(0, n);
            // The ring's acquire makes the peer's earlier write of its region (in Attach) visible here.
            FrameRegion peerRegion = _steering.GetEndpoint(peer)._region!;
            foreach (ref readonly Packet original in arrived)
            {
                ReadOnlySpan<byte> bytes = peerRegion.GetSpan(original);
                // No frame to copy into, or a peer frame larger than ours (regions of different frame sizes).
                if (bytes.Length > region.FrameSize - pool.Headroom || !pool.TryAllocate(out Packet copy))
                {
                    _drops++;
                    continue;
                }
                copy.Length = (ushort)bytes.Length;
                bytes.CopyTo(region.GetSpan(copy));
                room[taken++] = copy;
                _steeredIn++;
            }
            GiveBack(peer, arrived);
        }
        return taken;
    }

    private int GiveBackRoom(int peer)
    {
        // From the producer's side Count can only overstate (the consumer's head only grows), so the room
        // is never overstated and the bulk enqueue below cannot fail.
        SpscRing<Packet> ring = _giveBackToPeer[peer]!;
        return ring.Capacity - ring.Count;
    }

    private void GiveBack(int peer, ReadOnlySpan<Packet> originals)
    {
        bool returned = _giveBackToPeer[peer]!.EnqueueBulk(originals);
        Debug.Assert(returned, "dequeues are bounded by the give-back ring's room");
    }

    private void ReclaimGivenBack(FramePool pool, Span<Packet> scratch)
    {
        for (int peer = 0; peer < _givenBack.Length; peer++)
        {
            SpscRing<Packet>? ring = _givenBack[peer];
            if (ring is null) continue;
            int n;
            while ((n = ring.DequeueBurst(scratch)) > 0)
            {
                pool.Free(scratch[..n]);
                _outstanding -= n;
            }
        }
    }
}
