using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastPath.Drivers.Tests.Interop;

/// <summary>
/// Checks an interop struct against the C layout in one comparison: the table of (field, offset) pairs is compared
/// whole, so a failure shows every field that moved by name rather than only the first mismatching number.
/// </summary>
internal static class AbiLayout
{
    public static void AssertLayout<T>(int size, params (string Field, int Offset)[] fields) where T : unmanaged
    {
        Assert.Equal(size, Unsafe.SizeOf<T>());
        AssertOffsets<T>(fields);
    }

    public static void AssertOffsets<T>(params (string Field, int Offset)[] fields) where T : unmanaged
    {
        var actual = Array.ConvertAll(fields, field => (field.Field, (int)Marshal.OffsetOf<T>(field.Field)));
        Assert.Equal(fields, actual);
    }
}
