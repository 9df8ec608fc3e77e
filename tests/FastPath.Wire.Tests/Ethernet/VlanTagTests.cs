using FastPath.Wire.Ethernet;

namespace FastPath.Wire.Tests.Ethernet;

public class VlanTagTests
{
    [Theory]
    [InlineData(0x6064, 3, false, 100)]
    [InlineData(0xF0FF, 7, true, 255)]
    [InlineData(0x1FFF, 0, true, 4095)]
    [InlineData(0x0000, 0, false, 0)]
    public void FromTci_splits_pcp_dei_and_vid(int tci, int priority, bool dropEligible, int vlanId)
    {
        var tag = VlanTag.FromTci((ushort)tci);

        Assert.Equal(priority, tag.Priority);
        Assert.Equal(dropEligible, tag.DropEligible);
        Assert.Equal(vlanId, tag.VlanId);
        Assert.Equal(tag, new VlanTag((ushort)vlanId, (byte)priority, dropEligible));
        Assert.Equal((ushort)tci, new VlanTag((ushort)vlanId, (byte)priority, dropEligible).Tci);
    }

    [Fact]
    public void Constructor_refuses_values_wider_than_their_field()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new VlanTag(4096));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VlanTag(1, priority: 8));
    }

    [Fact]
    public void ToString_names_the_fields()
    {
        Assert.Equal("vlan 100 pcp 3", new VlanTag(100, 3).ToString());
        Assert.Equal("vlan 7 pcp 0 dei", new VlanTag(7, dropEligible: true).ToString());
    }
}
