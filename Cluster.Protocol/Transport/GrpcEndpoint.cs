using System.Globalization;
using System.Net;

namespace Cluster.Protocol.Transport;

/// <summary>
/// Where a server listens or a channel connects: TCP ("127.0.0.1:5000", "http://127.0.0.1:5000")
/// or a Unix domain socket ("unix:/path/to/socket"), spelled as gRPC's name syntax does.
/// </summary>
public sealed record GrpcEndpoint
{
    private GrpcEndpoint(string? host, int port, string? unixPath)
    {
        Host = host;
        Port = port;
        UnixPath = unixPath;
    }

    /// <summary>The TCP host (an IP address or "localhost"); null for a Unix socket.</summary>
    public string? Host { get; }

    /// <summary>The TCP port; 0 asks the server for an ephemeral one.</summary>
    public int Port { get; }

    /// <summary>The path of a Unix domain socket; null for TCP.</summary>
    public string? UnixPath { get; }

    public bool IsUnixSocket => UnixPath is not null;

    public static GrpcEndpoint Tcp(string host, int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        return new GrpcEndpoint(host, port, null);
    }

    /// <summary>Loopback TCP on an ephemeral port.</summary>
    public static GrpcEndpoint Loopback(int port = 0) => Tcp("127.0.0.1", port);

    public static GrpcEndpoint Unix(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new GrpcEndpoint(null, 0, Path.GetFullPath(path));
    }

    public static GrpcEndpoint Parse(string text)
    {
        if (TryParse(text, out var endpoint, out var error))
        {
            return endpoint;
        }

        throw new FormatException(error);
    }

    public static bool TryParse(string? text, out GrpcEndpoint endpoint, out string error)
    {
        endpoint = null!;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "an endpoint is empty; expected HOST:PORT or unix:PATH";
            return false;
        }

        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = text["unix:".Length..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                path = path[2..];
            }

            if (path.Length == 0)
            {
                error = $"endpoint '{text}' names no socket path";
                return false;
            }

            endpoint = Unix(path);
            return true;
        }

        var hostPort = text.StartsWith("http://", StringComparison.Ordinal) ? text["http://".Length..].TrimEnd('/') : text;
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(hostPort.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port > IPEndPoint.MaxPort)
        {
            error = $"endpoint '{text}' is not HOST:PORT or unix:PATH";
            return false;
        }

        endpoint = Tcp(hostPort[..colon].Trim('[', ']'), port);
        return true;
    }

    /// <summary>The base address an HTTP client uses; Unix sockets get a placeholder authority.</summary>
    internal Uri ToBaseUri() => IsUnixSocket
        ? new Uri("http://localhost/")
        : new Uri($"http://{(Host!.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}/");

    public override string ToString() => IsUnixSocket
        ? $"unix:{UnixPath}"
        : $"{(Host!.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}";
}
