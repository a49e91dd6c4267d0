using Cluster.Protocol.Transport;

namespace Cluster.Protocol.Plugins;

/// <summary>
/// The one line a child process prints on stdout once it serves gRPC (hashicorp/go-plugin's pattern):
/// <c>CLUSTER-PLUGIN|1|&lt;kind&gt;|&lt;endpoint&gt;</c>, e.g. <c>CLUSTER-PLUGIN|1|rhs|127.0.0.1:41234</c>.
/// Anything else the child prints before it is passed through as log output.
/// </summary>
public sealed record PluginHandshake(string Kind, GrpcEndpoint Endpoint)
{
    public const string Prefix = "CLUSTER-PLUGIN";
    public const int ProtocolVersion = 1;

    public override string ToString() => $"{Prefix}|{ProtocolVersion}|{Kind}|{Endpoint}";

    /// <summary>Null when the line is not a handshake; an exception when it is one we cannot use.</summary>
    public static PluginHandshake? TryParse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Trim().Split('|');
        if (parts.Length == 0 || parts[0] != Prefix)
        {
            return null;
        }

        if (parts.Length != 4)
        {
            throw new FormatException($"Malformed handshake line '{line}': expected {Prefix}|version|kind|endpoint.");
        }

        if (parts[1] != ProtocolVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new FormatException($"Handshake protocol version {parts[1]} is not supported (expected {ProtocolVersion}).");
        }

        return new PluginHandshake(parts[2], GrpcEndpoint.Parse(parts[3]));
    }
}
