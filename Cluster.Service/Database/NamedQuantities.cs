using System.Globalization;
using Cluster.Protocol;
using Google.Protobuf.Collections;

namespace Cluster.Service.Database;

/// <summary>
/// Named capacities of nodes and weights of groups (Pacemaker's utilization): properties spelled
/// <c>Capacity.NAME</c> on a node and <c>Weight.NAME</c> on a group, a whole number each; empty removes it.
/// </summary>
internal static class NamedQuantities
{
    public const string CapacityPrefix = "Capacity.";
    public const string WeightPrefix = "Weight.";

    /// <summary>Whether <paramref name="property"/> is <paramref name="prefix"/>NAME (any case); answers NAME.</summary>
    public static bool TryName(string property, string prefix, out string name)
    {
        name = property.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? property[prefix.Length..] : string.Empty;
        return name.Length > 0;
    }

    /// <summary>Sets (or, with an empty value, removes) one named quantity.</summary>
    /// <exception cref="ClusterException">The name or the value is not one; the message names the property.</exception>
    public static void Set(MapField<string, uint> quantities, string property, string name, string value)
    {
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument,
                $"Property {property}: a quantity's name has letters, digits, '-' and '_' only, not '{name}'.");
        }

        if (value.Trim().Length == 0)
        {
            quantities.Remove(name);
            return;
        }

        quantities[name] = uint.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
            ? amount
            : throw new ClusterException(ClusterErrorKind.InvalidArgument, $"Property {property} must be a whole number from 0 to {uint.MaxValue}, not '{value}'.");
    }
}
