using FastPath.Drivers.Linux.Devices;
using FastPath.Wire.Ethernet;

namespace FastPath.Drivers.Tests.Devices;

public sealed class NetworkDeviceTests
{
    [Fact]
    public void Loopback_is_found_with_its_kernel_values()
    {
        // Reading lo's attributes sends nothing; the values are fixed by the kernel (index 1 in any namespace).
        NetworkDevice lo = NetworkDevice.Find("lo");
        Assert.Equal(1, lo.Index);
        Assert.True(lo.IsLoopback);
        Assert.Equal(MacAddress.Zero, lo.Mac);
        Assert.Equal(65536, lo.Mtu);
        Assert.Equal(1, lo.RxQueues);
    }

    [Theory]
    [InlineData("fpnosuch0")]
    [InlineData("a-name-far-too-long-for-linux")]
    [InlineData("../etc")]
    public void A_missing_or_invalid_interface_is_one_clear_IOException(string name)
    {
        var error = Assert.Throws<IOException>(() => NetworkDevice.Find(name));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
