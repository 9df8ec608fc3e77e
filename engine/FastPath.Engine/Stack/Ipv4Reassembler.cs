using FastPath.Engine.Memory;

namespace FastPath.Engine.Stack;

internal sealed class Ipv4Reassembler
{
    private readonly NetworkStack _stack;

    public Ipv4Reassembler(NetworkStack stack, int maxDatagrams, int memoryLimit, long timeoutNanoseconds) => _stack = stack;

    public void Receive(in Packet packet, Span<byte> fragment, int headerLength, Delivery delivery) =>
        _stack.Drop(packet, StackDropReason.FragmentInvalid);

    public void Clear() => GC.KeepAlive(_stack);
}
