using Cluster.Contracts.Resources;

namespace Cluster.Resources;

/// <summary>
/// What a disk, an IP address and a network name have in common here: Online claims something of
/// which the cluster may hold only one (a SCSI reservation, an address on the wire, a name in DNS),
/// and a second claimer fails. A claim is an exclusively locked file under the cluster directory's
/// claims/ folder (or CLUSTER_CLAIMS_DIR), so it spans all node processes of the machine, and the
/// kernel drops it when the holder dies, as a reservation lapses with its host.
/// </summary>
public abstract class SimulatedClaim : Resource, IDisposable
{
    /// <summary>The variable the node sets for its RHS processes: where claims live.</summary>
    public const string ClaimsVariable = "CLUSTER_CLAIMS_DIR";

    private readonly Lock _lock = new();
    private FileStream? _claim;

    /// <summary>The kind of thing claimed, e.g. "disk": a folder of its own.</summary>
    protected abstract string Kind { get; }

    /// <summary>The property naming what is claimed.</summary>
    protected abstract string KeyProperty { get; }

    /// <summary>Checks the value's form; null when it is fine.</summary>
    protected virtual string? Check(string value) => null;

    public override ResourceState Online()
    {
        var value = Context.Properties.GetString(KeyProperty)!;
        if (Check(value) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        var folder = Path.Combine(Environment.GetEnvironmentVariable(ClaimsVariable) ?? Path.Combine(Path.GetTempPath(), "cluster-claims"), Kind);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Uri.EscapeDataString(value));
        lock (_lock)
        {
            if (_claim is not null)
            {
                return ResourceState.Online;
            }

            try
            {
                _claim = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                throw new InvalidOperationException($"{Kind} {value} is claimed by another holder");
            }
        }

        Context.Log(ResourceLogLevel.Information, $"claimed {Kind} {value}");
        return ResourceState.Online;
    }

    public override ResourceState Offline()
    {
        Release();
        return ResourceState.Offline;
    }

    public override void Terminate() => Release();

    public override bool LooksAlive()
    {
        lock (_lock)
        {
            return _claim is not null;
        }
    }

    public override bool IsAlive() => LooksAlive();

    public override void Close() => Release();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Release();
        }
    }

    private void Release()
    {
        lock (_lock)
        {
            _claim?.Dispose();
            _claim = null;
        }
    }
}
