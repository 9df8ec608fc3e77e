using Microsoft.Extensions.ObjectPool;

namespace FastPath.Engine.Tcp;

/// <summary>
/// The worker's pool of connection objects: an <see cref="ObjectPool{T}"/> without the thread safety of
/// <see cref="DefaultObjectPool{T}"/> (a worker's stack is single-threaded, so its interlocked operations and
/// concurrent queue are pure cost per connection) and last in, first out, so a new connection reuses the object,
/// and the buffers, that finished most recently and are still in the cache, not the coldest one.
/// </summary>
internal sealed class TcpConnectionPool(PooledObjectPolicy<TcpConnection> policy, int maximumRetained) : ObjectPool<TcpConnection>
{
    private readonly TcpConnection[] _items = new TcpConnection[maximumRetained];
    private int _count;

    public override TcpConnection Get()
    {
        if (_count == 0) return policy.Create();
        TcpConnection connection = _items[--_count];
        _items[_count] = null!;
        return connection;
    }

    public override void Return(TcpConnection obj)
    {
        if (policy.Return(obj) && _count < _items.Length) _items[_count++] = obj;
    }
}
