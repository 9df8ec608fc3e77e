using System.Net;
using System.Net.Sockets;
using FastPath.TestKit;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Tests.Embedding;

/// <summary>The README's example appliance, run on a veth lab with a kernel UDP client.</summary>
public sealed class UdpEchoApplianceTests
{
    [Fact]
    public void The_readme_appliance_echoes_a_kernel_client()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var stop = new CancellationTokenSource();
        Exception? failure = null;
        var appliance = new Thread(() =>
        {
            try
            {
                UdpEchoAppliance.Run(lab.LocalInterface, new Ipv4Cidr(lab.LocalIp, lab.PrefixLength), stop.Token);
            }
#pragma warning disable CA1031 // carried to the test thread and asserted there
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        });
        appliance.Start();

        using Socket client = lab.OpenPeerUdp(40017, TimeSpan.FromSeconds(1));
        var server = new IPEndPoint(IPAddress.Parse(lab.LocalIp.ToString()), 7);
        byte[] payload = "hello, appliance"u8.ToArray();
        var buffer = new byte[2048];
        int length = 0;
        // The appliance starts in the background: ask again until it answers (a request sent before it is up is lost).
        for (int attempt = 0; attempt < 30 && length == 0; attempt++)
        {
            client.SendTo(payload, server);
            try
            {
                length = client.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                Assert.Null(failure);
            }
        }
        stop.Cancel();
        Assert.True(appliance.Join(TimeSpan.FromSeconds(30)), "the appliance did not stop");
        Assert.Null(failure);
        Assert.Equal(payload, buffer[..length]);
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
    }
}
