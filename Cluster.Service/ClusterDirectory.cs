using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace Cluster.Service;

/// <summary>
/// The cluster's directory (default ./.cluster, or CLUSTER_DIR): the admin token, readable by its
/// owner only, and one record per running node, through which client verbs find the nodes.
/// </summary>
internal sealed partial class ClusterDirectory
{
    public const string EnvironmentVariable = "CLUSTER_DIR";
    public const string DefaultName = ".cluster";

    public ClusterDirectory(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string TokenPath => Path.Combine(Root, "admin.token");

    public string NodesPath => Path.Combine(Root, "nodes");

    /// <summary>The embedded cluster store, shared by the nodes of this directory.</summary>
    public string StorePath => Path.Combine(Root, "cluster.db");

    /// <summary>Which store the cluster's nodes use, when not the embedded one: written by `cluster up --store`.</summary>
    public string StoreLocationPath => Path.Combine(Root, "store");

    /// <summary>The data of the etcd members that `cluster up --store etcd` runs for the cluster.</summary>
    public string EtcdPath => Path.Combine(Root, "etcd");

    /// <summary>The cluster log: one file per node, logs/NODE.log.</summary>
    public string LogsPath => Path.Combine(Root, "logs");

    /// <summary>Each node's recorded gRPC calls (traces/N.trace and the older N.trace.1), for `cluster trace`.</summary>
    public string TracesPath => Path.Combine(Root, "traces");

    public static ClusterDirectory Resolve(string? explicitPath)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return new(explicitPath ?? (string.IsNullOrEmpty(fromEnvironment) ? DefaultName : fromEnvironment));
    }

    /// <summary>Reads the admin token, creating the directory and a new random token on first use.</summary>
    public string EnsureToken()
    {
        Directory.CreateDirectory(Root);
        if (File.Exists(TokenPath))
        {
            return ReadToken();
        }

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var temporary = $"{TokenPath}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, create))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(token);
        }

        // Into place only if no token is there yet, in one step: nodes started at once each make a token, and
        // one that replaced another's would leave that node serving a token nobody can read (HTTP 401).
        // .NET's File.Move without overwrite checks, then renames, which replaces; link(2) does not.
        try
        {
            if (OperatingSystem.IsWindows())
            {
                try
                {
                    File.Move(temporary, TokenPath, overwrite: false); // MoveFileEx without replacing: one step there
                }
                catch (IOException)
                {
                    // Another node created it first: use theirs.
                }
            }
            else if (Link(temporary, TokenPath) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != AlreadyExists)
            {
                throw new IOException($"{TokenPath} could not be created: errno {errno}");
            }
        }
        finally
        {
            File.Delete(temporary);
        }

        return ReadToken();
    }

    private const int AlreadyExists = 17; // EEXIST: another node created it first, and theirs is used

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

    public string ReadToken()
    {
        if (!File.Exists(TokenPath))
        {
            throw new ClusterUserException($"No cluster in {Root}: {TokenPath} does not exist. Start a node first.");
        }

        return File.ReadAllText(TokenPath).Trim();
    }

    /// <summary>The store recorded for this directory (<see cref="StoreLocationPath"/>); the embedded one if none is.</summary>
    /// <exception cref="ClusterUserException">The recorded location cannot be read.</exception>
    public Store.StoreLocation ReadStoreLocation()
    {
        if (!File.Exists(StoreLocationPath))
        {
            return Store.StoreLocation.Embedded;
        }

        try
        {
            return Store.StoreLocation.Parse(File.ReadAllText(StoreLocationPath));
        }
        catch (FormatException e)
        {
            throw new ClusterUserException($"{StoreLocationPath}: {e.Message}");
        }
    }

    /// <summary>Records the store the nodes of this directory use (the embedded one: no record).</summary>
    public void WriteStoreLocation(Store.StoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        Directory.CreateDirectory(Root);
        if (!location.IsEtcd)
        {
            File.Delete(StoreLocationPath);
            return;
        }

        var temporary = StoreLocationPath + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temporary, location + "\n");
        File.Move(temporary, StoreLocationPath, overwrite: true);
    }

    public string NodeRecordPath(string node) => Path.Combine(NodesPath, node + ".json");

    public void WriteNodeRecord(NodeRecord record)
    {
        Directory.CreateDirectory(NodesPath);
        var path = NodeRecordPath(record.Name);
        var temporary = path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(record, NodeRecordJson.Default.NodeRecord));
        File.Move(temporary, path, overwrite: true);
    }

    public void DeleteNodeRecord(string node) => File.Delete(NodeRecordPath(node));

    public IReadOnlyList<NodeRecord> ReadNodeRecords()
    {
        if (!Directory.Exists(NodesPath))
        {
            return [];
        }

        var records = new List<NodeRecord>();
        foreach (var file in Directory.EnumerateFiles(NodesPath, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllText(file), NodeRecordJson.Default.NodeRecord) is { } record)
                {
                    records.Add(record);
                }
            }
            catch (JsonException)
            {
                // Records are written by rename, so a torn one is not ours: skip it rather than fail every verb.
            }
        }

        return records;
    }
}
