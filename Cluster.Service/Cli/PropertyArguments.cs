using System.CommandLine.Parsing;

namespace Cluster.Service.Cli;

/// <summary>NAME=VALUE arguments (--prop, control code arguments).</summary>
internal static class PropertyArguments
{
    public static Dictionary<string, string> Parse(IEnumerable<string> items)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            values[item[..equals]] = item[(equals + 1)..];
        }

        return values;
    }

    /// <summary>Rejects anything that is not NAME=VALUE with a non-empty NAME, or a NAME given twice.</summary>
    public static void Validate(OptionResult result)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in result.GetValueOrDefault<string[]>() ?? [])
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                result.AddError($"'{item}' is not NAME=VALUE.");
            }
            else if (!seen.Add(item[..equals]))
            {
                result.AddError($"Property {item[..equals]} is given twice.");
            }
        }
    }
}
