using FastPath.Engine.Ports;

namespace FastPath.Engine.Runtime;

/// <summary>One queue of the engine: how to open its port (on its worker's thread) and the CPU to run it on.</summary>
/// <param name="Open">Opens the port; the worker disposes it.</param>
/// <param name="Cpu">The CPU to pin the worker to, or null.</param>
public readonly record struct PortBinding<TPort>(Func<TPort> Open, int? Cpu = null) where TPort : IPacketPort;
