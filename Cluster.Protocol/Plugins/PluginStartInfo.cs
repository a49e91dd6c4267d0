namespace Cluster.Protocol.Plugins;

/// <summary>How to start a plugin child process and what to expect of it.</summary>
public sealed class PluginStartInfo
{
    public required string FileName { get; init; }

    public IList<string> Arguments { get; init; } = [];

    /// <summary>Added to the child's environment (secrets go here, never on the command line).</summary>
    public IDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The kind the child must name in its handshake line.</summary>
    public required string Kind { get; init; }

    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Receives every line the child prints that is not the handshake (stdout and stderr).</summary>
    public Action<string>? OnOutput { get; init; }
}
