using System.Net;
using System.Text.RegularExpressions;

namespace Cluster.Service.Store;

/// <summary>
/// Which cluster store a node uses: the embedded SQLite file in the cluster directory (the default), or an
/// etcd cluster, written `etcd://HOST:PORT[,HOST:PORT...]` (its members' client addresses, plain http).
/// </summary>
internal sealed record StoreLocation
{
    public const string EtcdScheme = "etcd://";

    private StoreLocation(IReadOnlyList<Uri> etcdEndpoints) => EtcdEndpoints = etcdEndpoints;

    public static StoreLocation Embedded { get; } = new([]);

    /// <summary>The etcd members' client URLs; empty for the embedded store.</summary>
    public IReadOnlyList<Uri> EtcdEndpoints { get; }

    public bool IsEtcd => EtcdEndpoints.Count > 0;

    public static StoreLocation Etcd(IEnumerable<Uri> endpoints) => new([.. endpoints]);

    /// <summary>Reads `sqlite` or `etcd://HOST:PORT[,...]`.</summary>
    /// <exception cref="FormatException">The text is neither; the message says what is wrong.</exception>
    public static StoreLocation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text is "sqlite")
        {
            return Embedded;
        }

        if (!text.StartsWith(EtcdScheme, StringComparison.Ordinal))
        {
            throw new FormatException($"'{text}' is not a cluster store: use sqlite (the embedded default) or etcd://HOST:PORT[,HOST:PORT...].");
        }

        var endpoints = new List<Uri>();
        foreach (var member in text[EtcdScheme.Length..].Split(','))
        {
            if (!Uri.TryCreate("http://" + member.Trim(), UriKind.Absolute, out var uri)
                || !Regex.IsMatch(member.Trim(), @":[0-9]{1,5}$") || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query)
                || (uri.HostNameType is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6)))
            {
                throw new FormatException($"'{member}' in '{text}' is not an etcd member's address: write HOST:PORT, for example 127.0.0.1:2379.");
            }

            endpoints.Add(new Uri($"http://{uri.Authority}"));
        }

        return new StoreLocation(endpoints);
    }

    public override string ToString() =>
        IsEtcd ? EtcdScheme + string.Join(',', EtcdEndpoints.Select(e => e.Authority)) : "sqlite";

    public bool Equals(StoreLocation? other) => other is not null && ToString() == other.ToString();

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    /// <summary>An etcd member on this machine, at <paramref name="port"/> of the loopback address.</summary>
    public static Uri Loopback(int port) => new($"http://{IPAddress.Loopback}:{port}");
}
