using System.Text.RegularExpressions;
using Cluster.Protocol;
using Cluster.Protocol.Admin.V1;

namespace Cluster.Service.Trace;

/// <summary>Which records a trace shows (<see cref="CallFilter"/>, checked and compiled once per subscription).</summary>
internal sealed class TraceFilter
{
    private readonly CallFilter _filter;
    private readonly Regex? _method;
    private readonly Regex[] _excluded;

    private TraceFilter(CallFilter filter, Regex? method, Regex[] excluded)
    {
        _filter = filter;
        _method = method;
        _excluded = excluded;
    }

    /// <exception cref="ClusterException">InvalidArgument: a negative --slow, or a method pattern with characters no method has.</exception>
    public static TraceFilter From(CallFilter? filter)
    {
        filter ??= new CallFilter();
        if (filter.SlowerThanMs < 0)
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument, $"slower_than_ms must be 0 or more, not {filter.SlowerThanMs}.");
        }

        var method = filter.Method.Length > 0 ? Glob(filter.Method) : null;
        return new TraceFilter(filter, method, [.. filter.ExcludeMethods.Select(Glob)]);
    }

    /// <exception cref="ClusterException">InvalidArgument: characters no method has.</exception>
    private static Regex Glob(string pattern)
    {
        if (pattern.Length == 0 || !pattern.All(c => char.IsAsciiLetterOrDigit(c) || c is '*' or '?' or '/' or '.' or '_'))
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument,
                $"The method pattern '{pattern}' may hold only letters, digits, '.', '/', '_' and the wildcards '*' and '?'.");
        }

        return new Regex(
            "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
    }

    /// <summary>A group filter needs to know which group a resource is in; other filters do not.</summary>
    public bool NeedsGroups => _filter.Group.Length > 0;

    /// <summary>Whether <paramref name="record"/> is one to show.</summary>
    /// <param name="record">A recorded call or stream message.</param>
    /// <param name="groupOfResource">The group of the record's resource, where the record names none itself.</param>
    public bool Matches(CallRecord record, string? groupOfResource = null)
    {
        if (_filter.Resource.Length > 0 && record.Resource != _filter.Resource)
        {
            return false;
        }

        if (_filter.Group.Length > 0 && record.Group != _filter.Group && groupOfResource != _filter.Group)
        {
            return false;
        }

        if (_filter.ErrorsOnly && (record.Kind != "call" || record.Status == "OK"))
        {
            return false;
        }

        if (_filter.SlowerThanMs > 0 && (record.Kind != "call" || record.DurationMs < _filter.SlowerThanMs))
        {
            return false;
        }

        if (_excluded.Length > 0 && MethodForms(record.Method).Any(form => _excluded.Any(e => e.IsMatch(form))))
        {
            return false;
        }

        return _method is null || MethodForms(record.Method).Any(_method.IsMatch);
    }

    /// <summary>"/cluster.rhs.v1.ResourceHost/Online", "ResourceHost/Online" and "Online".</summary>
    public static IEnumerable<string> MethodForms(string method)
    {
        yield return method;
        var slash = method.LastIndexOf('/');
        var service = method[..Math.Max(slash, 0)].TrimStart('/');
        var dot = service.LastIndexOf('.');
        yield return $"{service[(dot + 1)..]}/{method[(slash + 1)..]}";
        yield return method[(slash + 1)..];
    }
}
