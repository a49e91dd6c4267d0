using System.Text.Json.Serialization;

namespace Cluster.Service;

/// <summary>What a running node publishes in the cluster directory.</summary>
internal sealed record NodeRecord(string Name, int Pid, string Endpoint, DateTimeOffset Started);

[JsonSerializable(typeof(NodeRecord))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class NodeRecordJson : JsonSerializerContext;
