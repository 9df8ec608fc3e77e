using FastPath.Drivers.Linux;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Tests.Embedding;

/// <summary>The README's embedding example, word for word: a UDP echo appliance on FastPath's stack.</summary>
public static class UdpEchoAppliance
{
    // README: begin embedding example
    public static void Run(string interfaceName, Ipv4Cidr address, CancellationToken stop)
    {
        // One worker on CPU 1 with its own port (AF_XDP where possible) and its own stack: ARP, ICMP echo, UDP.
        var port = new PortBinding<IPacketPort>(() => LinuxPorts.Open(new PortRequest(interfaceName, PortDriver.Auto)).Port, Cpu: 1);
        using var engine = global::FastPath.Engine.Runtime.Engine.Create([port], worker =>
        {
            var stack = new NetworkStack(new InterfaceConfig { Address = address });
            // Called on the worker's thread with the payload in place; the reply is built without allocating.
            stack.Udp.Bind(7, (socket, datagram) => socket.SendTo(datagram.Payload, datagram.From));
            return stack;
        });
        engine.Run(stop); // until stop is cancelled (TerminationSignals.Token maps SIGINT/SIGTERM to it)
    }
    // README: end embedding example
}
