using System.Collections;

namespace Cluster.Grpc;

/// <summary>
/// Call metadata (request headers or trailers): ordered ASCII key/value pairs with lower-case keys.
/// Binary ("-bin") entries are not supported by this layer and are refused when added.
/// </summary>
public sealed class Metadata : IReadOnlyList<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _entries = [];

    public static Metadata Empty { get; } = new();

    public int Count => _entries.Count;

    public KeyValuePair<string, string> this[int index] => _entries[index];

    public Metadata Add(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        var normalized = key.ToLowerInvariant();
        if (normalized.EndsWith("-bin", StringComparison.Ordinal))
        {
            throw new ArgumentException($"binary metadata '{key}' is not supported", nameof(key));
        }

        if (normalized.StartsWith("grpc-", StringComparison.Ordinal) || normalized.StartsWith(':'))
        {
            throw new ArgumentException($"metadata key '{key}' is reserved for the protocol", nameof(key));
        }

        _entries.Add(new(normalized, value));
        return this;
    }

    /// <summary>The last value for <paramref name="key"/>, or null.</summary>
    public string? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return _entries[i].Value;
            }
        }

        return null;
    }

    /// <summary>A copy in which the values of <paramref name="secretKeys"/> are masked.</summary>
    public Metadata Redact(IReadOnlySet<string> secretKeys)
    {
        var copy = new Metadata();
        foreach (var (key, value) in _entries)
        {
            copy._entries.Add(new(key, secretKeys.Contains(key) ? "<redacted>" : value));
        }

        return copy;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void AddTrusted(string key, string value) => _entries.Add(new(key, value));
}
