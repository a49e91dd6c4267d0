using System.Globalization;
using Cluster.Protocol.Config.V1;
using Cluster.Protocol;

namespace Cluster.Service.Database;

/// <summary>
/// The common properties of resources and groups by their WSFC names (RestartAction, PreferredOwners...),
/// as `resource set`, `group set` and YAML files give them: text, parsed here. An empty value restores the
/// default. Any other name is a private property of the resource's type. Ranges are checked by
/// <see cref="ConfigurationValidator"/>, which sees every change however it arrived.
/// </summary>
internal static class CommonProperties
{
    private const string WholeNumber = "a whole number from 0 to 4294967295"; // uint
    private const string Int32 = "an integer from -2147483648 to 2147483647";
    private const string Int64 = "an integer from -9223372036854775808 to 9223372036854775807";

    private static readonly Dictionary<string, Action<Resource, string>> s_resource = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Description"] = (r, v) => r.Description = v,
        ["SeparateMonitor"] = (r, v) => r.SeparateMonitor = v.Length > 0 && Boolean("SeparateMonitor", v),
        ["DependsOn"] = (r, v) => Replace(r.DependsOn, List(v)),
        ["PossibleOwners"] = (r, v) => Replace(r.PossibleOwners, List(v)),
        ["LooksAlivePollInterval"] = (r, v) => Set(v, "LooksAlivePollInterval", () => r.ClearLooksAlivePollIntervalMs(), x => r.LooksAlivePollIntervalMs = UInt(x), WholeNumber),
        ["IsAlivePollInterval"] = (r, v) => Set(v, "IsAlivePollInterval", () => r.ClearIsAlivePollIntervalMs(), x => r.IsAlivePollIntervalMs = UInt(x), WholeNumber),
        ["PendingTimeout"] = (r, v) => Set(v, "PendingTimeout", () => r.ClearPendingTimeoutMs(), x => r.PendingTimeoutMs = UInt(x), WholeNumber),
        ["DeadlockTimeout"] = (r, v) => Set(v, "DeadlockTimeout", () => r.ClearDeadlockTimeoutMs(), x => r.DeadlockTimeoutMs = UInt(x), WholeNumber),
        ["RestartAction"] = (r, v) => Set(v, "RestartAction", () => r.ClearRestartAction(), x => r.RestartAction = UInt(x), WholeNumber),
        ["RestartThreshold"] = (r, v) => Set(v, "RestartThreshold", () => r.ClearRestartThreshold(), x => r.RestartThreshold = UInt(x), WholeNumber),
        ["RestartPeriod"] = (r, v) => Set(v, "RestartPeriod", () => r.ClearRestartPeriodMs(), x => r.RestartPeriodMs = UInt(x), WholeNumber),
        ["RestartDelay"] = (r, v) => Set(v, "RestartDelay", () => r.ClearRestartDelayMs(), x => r.RestartDelayMs = UInt(x), WholeNumber),
        ["RetryPeriodOnFailure"] = (r, v) => Set(v, "RetryPeriodOnFailure", () => r.ClearRetryPeriodOnFailureMs(), x => r.RetryPeriodOnFailureMs = Integer(x), Int64),
    };

    private static readonly Dictionary<string, Action<Group, string>> s_group = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Description"] = (g, v) => g.Description = v,
        ["PreferredOwners"] = (g, v) => Replace(g.PreferredOwners, List(v)),
        ["FailoverThreshold"] = (g, v) => Set(v, "FailoverThreshold", () => g.ClearFailoverThreshold(), x => g.FailoverThreshold = UInt(x), WholeNumber),
        ["FailoverPeriod"] = (g, v) => Set(v, "FailoverPeriod", () => g.ClearFailoverPeriodHours(), x => g.FailoverPeriodHours = UInt(x), WholeNumber),
        ["AutoFailbackType"] = (g, v) => Set(v, "AutoFailbackType", () => g.ClearAutoFailbackType(), x => g.AutoFailbackType = UInt(x), WholeNumber),
        ["FailbackWindowStart"] = (g, v) => Set(v, "FailbackWindowStart", () => g.ClearFailbackWindowStart(), x => g.FailbackWindowStart = checked((int)Integer(x)), Int32),
        ["FailbackWindowEnd"] = (g, v) => Set(v, "FailbackWindowEnd", () => g.ClearFailbackWindowEnd(), x => g.FailbackWindowEnd = checked((int)Integer(x)), Int32),
        ["Priority"] = (g, v) => Set(v, "Priority", () => g.ClearPriority(), x => g.Priority = checked((int)Integer(x)), Int32),
    };

    public static IEnumerable<string> ResourceNames => s_resource.Keys;

    public static IEnumerable<string> GroupNames => s_group.Keys;

    public static bool IsResourceProperty(string name) => s_resource.ContainsKey(name);

    /// <summary>Sets a common property, or else a private one (an empty value removes a private property).</summary>
    /// <exception cref="ClusterException">The value does not parse; the message names the property.</exception>
    public static void SetOnResource(Resource resource, string name, string value)
    {
        if (s_resource.TryGetValue(name, out var set))
        {
            set(resource, value.Trim());
        }
        else if (value.Length == 0)
        {
            resource.Properties.Remove(name);
        }
        else
        {
            resource.Properties[name] = value;
        }
    }

    /// <exception cref="ClusterException">An unknown property, or a value that does not parse; the message names it.</exception>
    public static void SetOnGroup(Group group, string name, string value)
    {
        if (NamedQuantities.TryName(name, NamedQuantities.WeightPrefix, out var quantity))
        {
            NamedQuantities.Set(group.Weights, name, quantity, value);
            return;
        }

        if (!s_group.TryGetValue(name, out var set))
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument,
                $"Groups have no property {name} (they have: {string.Join(", ", s_group.Keys)}, and Weight.NAME for a named capacity).");
        }

        set(group, value.Trim());
    }

    /// <summary>Parses and sets a numeric property, or clears it when empty; <c>expected</c> says what it must be, for the error.</summary>
    private static void Set(string value, string name, Action clear, Action<string> set, string expected)
    {
        if (value.Length == 0)
        {
            clear();
            return;
        }

        try
        {
            set(value);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument, $"Property {name} must be {expected}, not '{value}'.");
        }
    }

    private static uint UInt(string text) => uint.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    private static long Integer(string text) => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static bool Boolean(string name, string text) => text.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new ClusterException(ClusterErrorKind.InvalidArgument, $"Property {name} must be true or false, not '{text}'."),
    };

    private static string[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void Replace(Google.Protobuf.Collections.RepeatedField<string> field, string[] values)
    {
        field.Clear();
        field.AddRange(values);
    }
}
