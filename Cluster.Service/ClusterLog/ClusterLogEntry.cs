using System.Text.Json.Serialization;

namespace Cluster.Service.ClusterLog;

/// <summary>
/// One line of the cluster log: a state change or a decision, with its cause and WSFC's event id where
/// one exists. Components are named as WSFC's: RCM, RHS (the resource monitor), FM, NM.
/// </summary>
internal sealed record ClusterLogEntry
{
    public required DateTimeOffset Time { get; init; }

    public required string Node { get; init; }

    /// <summary>INFO, WARN or ERR, as cluster.log spells them.</summary>
    public required string Level { get; init; }

    public required string Component { get; init; }

    public string? Group { get; init; }

    public string? Resource { get; init; }

    public string? OldState { get; init; }

    public string? NewState { get; init; }

    public required string Text { get; init; }

    public int? EventId { get; init; }

    /// <summary>On the policy's restart decision: the resource's restarts within its RestartPeriod.</summary>
    public int? RestartCount { get; init; }

    /// <summary>cluster.log's shape: <c>time LEVEL [COMPONENT] text</c>.</summary>
    public string Format()
    {
        var subject = Resource is not null ? $"resource {Resource}: " : Group is not null ? $"group {Group}: " : string.Empty;
        var transition = OldState is not null && NewState is not null ? $"{OldState} -> {NewState}, " : string.Empty;
        var id = EventId is { } e ? $" (event {e})" : string.Empty;
        return $"{Time.ToLocalTime():yyyy-MM-dd HH:mm:ss.fff} {Level,-4} [{Component}] {Node}: {subject}{transition}{Text}{id}";
    }
}

[JsonSerializable(typeof(ClusterLogEntry))]
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class ClusterLogJson : JsonSerializerContext;
