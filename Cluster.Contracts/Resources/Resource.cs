
namespace Cluster.Contracts.Resources;

/// <summary>
/// The base class of a resource type in a resource DLL: one instance per resource, created by Open.
/// Override the entry points the type needs. As in WSFC, a call to an entry point the type does not
/// override is discarded: nothing happens, and the RHS reports the neutral answer (Online and
/// Offline succeed at once, LooksAlive and IsAlive answer alive).
/// </summary>
/// <remarks>
/// Entry points are synchronous calls on a worker thread of the RHS: a hang is a real hung thread,
/// caught by the node's DeadlockTimeout. They are never re-entered for one resource, except
/// <see cref="Terminate"/>, which may arrive while another entry point is still running.
/// An exception thrown by Online or Offline means the resource Failed; by LooksAlive or IsAlive, not alive.
/// </remarks>
public abstract class Resource
{
    private IResourceContext? _context;

    /// <summary>The resource's link to its RHS: properties, progress, failures, logging.</summary>
    protected IResourceContext Context => _context ?? throw new InvalidOperationException("The resource has not been opened.");

    /// <summary>Called by the RHS before Open; not for resource authors.</summary>
    public void Attach(IResourceContext context) => _context = context ?? throw new ArgumentNullException(nameof(context));

    /// <summary>Creates the resource's private state. Properties are readable from here on.</summary>
    public virtual void Open()
    {
    }

    /// <summary>Releases what Open created. The resource is Offline (or terminated) when this is called.</summary>
    public virtual void Close()
    {
    }

    /// <summary>
    /// Brings the resource online. Return Online when done, or OnlinePending and report progress and
    /// the final state through <see cref="IResourceContext"/> from another thread.
    /// </summary>
    public virtual ResourceState Online() => ResourceState.Online;

    /// <summary>Takes the resource offline gracefully: Offline, or OfflinePending with progress to follow.</summary>
    public virtual ResourceState Offline() => ResourceState.Offline;

    /// <summary>Stops the resource at once, without grace. May run concurrently with another entry point.</summary>
    public virtual void Terminate()
    {
    }

    /// <summary>The quick, cheap check (WSFC calls it every 5 s by default).</summary>
    public virtual bool LooksAlive() => true;

    /// <summary>The thorough check (every 60 s by default). False means the resource has Failed.</summary>
    public virtual bool IsAlive() => true;

    /// <summary>A type-specific control code, with string arguments; answers string outputs.</summary>
    public virtual IReadOnlyDictionary<string, string> ResourceControl(string code, IReadOnlyDictionary<string, string> arguments) =>
        throw new NotSupportedException($"Control code '{code}' is not supported by this resource type.");
}
