using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cluster.Service.Lab;

/// <summary>
/// What a running lab publishes in its cluster directory (lab.json), so that other commands can act on it:
/// `cluster lab cut`/`heal` and `cluster node isolate`/`rejoin` unplug a host's port on the switch.
/// </summary>
internal sealed record LabRecord(int Pid, string Switch, IReadOnlyList<LabHost> Hosts)
{
    public const string FileName = "lab.json";

    public static string PathIn(ClusterDirectory directory) => Path.Combine(directory.Root, FileName);

    /// <summary>The lab running for <paramref name="directory"/>; null when there is none (or its process is gone).</summary>
    public static LabRecord? Read(ClusterDirectory directory)
    {
        try
        {
            var record = File.Exists(PathIn(directory)) ? JsonSerializer.Deserialize(File.ReadAllText(PathIn(directory)), LabJson.Default.LabRecord) : null;
            return record is not null && Directory.Exists($"/proc/{record.Pid}") ? record : null;
        }
        catch (JsonException)
        {
            return null; // written by rename: a torn record is not ours
        }
    }

    public void Write(ClusterDirectory directory)
    {
        var path = PathIn(directory);
        var temporary = path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, LabJson.Default.LabRecord));
        File.Move(temporary, path, overwrite: true);
    }

    public LabHost? Host(string name) => Hosts.FirstOrDefault(h => h.Name == name);
}

/// <summary>A simulated host: its namespace, its address, and its port on the switch.</summary>
internal sealed record LabHost(string Name, string Namespace, string Address, string Port);

[JsonSerializable(typeof(LabRecord))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class LabJson : JsonSerializerContext;
