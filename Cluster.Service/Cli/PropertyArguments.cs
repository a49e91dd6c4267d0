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
    public static void Validate(OptionResult result) => Check(result.GetValueOrDefault<string[]>() ?? [], result.AddError);

    /// <inheritdoc cref="Validate(OptionResult)"/>
    public static void Validate(ArgumentResult result) => Check(result.GetValueOrDefault<string[]>() ?? [], result.AddError);

    private static void Check(string[] items, Action<string> addError)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                addError($"'{item}' is not NAME=VALUE.");
            }
            else if (!seen.Add(item[..equals]))
            {
                addError($"{item[..equals]} is given twice.");
            }
        }
    }
}
