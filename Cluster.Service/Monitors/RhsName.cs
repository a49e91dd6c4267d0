namespace Cluster.Service.Monitors;

/// <summary>
/// How traces and logs name one RHS incarnation: "rhs-2 (pid 1234, shared)". Its role is known only
/// once a monitor takes it (a warm standby is started before anyone knows what it will host).
/// </summary>
internal sealed class RhsName(string label)
{
    private volatile string _role = "standby";

    public string Label { get; } = label;

    public int Pid { get; set; }

    /// <summary>"standby", "shared", or "dedicated".</summary>
    public string Role
    {
        get => _role;
        set => _role = value;
    }

    public override string ToString() => $"{Label} (pid {Pid}, {Role})";
}
