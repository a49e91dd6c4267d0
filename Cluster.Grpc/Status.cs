namespace Cluster.Grpc;

/// <summary>The outcome of a call: a code and a human-readable detail.</summary>
public readonly record struct Status(StatusCode Code, string Detail = "")
{
    public static readonly Status Ok = new(StatusCode.OK);

    public override string ToString() => Detail.Length == 0 ? Code.ToString() : $"{Code}: {Detail}";
}
