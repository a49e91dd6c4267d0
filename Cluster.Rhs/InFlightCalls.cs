using System.Collections.Concurrent;
using System.Diagnostics;
using Cluster.Protocol.Rhs.V1;

namespace Cluster.Rhs;

/// <summary>
/// The entry-point calls running in this RHS and since when. The RHS does not judge them: it lists them
/// on every ping, and the node, outside this possibly sick process, declares a deadlock (1230).
/// </summary>
internal sealed class InFlightCalls
{
    private readonly ConcurrentDictionary<long, (string Resource, string EntryPoint, long Started)> _calls = new();
    private long _nextId;

    /// <summary>A call begins (the DLL is about to be called); dispose the result when it returns.</summary>
    public Registration Enter(string resource, string entryPoint)
    {
        var id = Interlocked.Increment(ref _nextId);
        _calls[id] = (resource, entryPoint, Stopwatch.GetTimestamp());
        return new Registration(this, id);
    }

    /// <summary>The calls running now, oldest first.</summary>
    public List<InFlightCall> Snapshot()
    {
        // Enumerated, never copied as a collection: LINQ sizes an array from Count and then copies into it, and a
        // call that begins or ends in between breaks that copy. Enumeration takes no lock and sees every call
        // that runs throughout; one that begins or ends meanwhile may or may not be listed, and either is true.
        var running = new List<KeyValuePair<long, (string Resource, string EntryPoint, long Started)>>(_calls.Count);
        foreach (var call in _calls)
        {
            running.Add(call);
        }

        running.Sort((x, y) => x.Key.CompareTo(y.Key));
        var now = Stopwatch.GetTimestamp();
        return running.ConvertAll(c => new InFlightCall
        {
            Resource = c.Value.Resource,
            EntryPoint = c.Value.EntryPoint,
            RunningMs = (uint)Math.Clamp(Stopwatch.GetElapsedTime(c.Value.Started, now).TotalMilliseconds, 0, uint.MaxValue),
        });
    }

    public readonly struct Registration(InFlightCalls calls, long id) : IDisposable
    {
        public void Dispose() => calls._calls.TryRemove(id, out _);
    }
}
