namespace FastPath.Engine.Tcp;

/// <summary>Builds the algorithm TcpOptions.CongestionControl names (once per pooled connection, then Reset per use).</summary>
internal static class CongestionControlFactory
{
    public static ICongestionControl Create(TcpCongestionControl kind) => kind switch
    {
        TcpCongestionControl.Cubic => new CubicCongestionControl(),
        TcpCongestionControl.NewReno => new NewRenoCongestionControl(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown congestion control."),
    };
}
