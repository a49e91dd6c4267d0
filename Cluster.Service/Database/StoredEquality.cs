using System.Collections.Immutable;
using Google.Protobuf;

namespace Cluster.Service.Database;

/// <summary>
/// Whether two stored objects are the same, as the store would keep them. Protobuf's own Equals does not
/// tell an optional field set to its zero value from an absent one (RestartThreshold=0 from "the
/// default", 3), so a change to or from zero would be taken for no change and never stored.
/// </summary>
internal static class StoredEquality
{
    public static bool Same<T>(T a, T b)
        where T : IMessage
    {
        if (!Equals(a, b))
        {
            return false;
        }

        foreach (var field in a.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.HasPresence && field.Accessor.HasValue(a) != field.Accessor.HasValue(b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// An empty dictionary of stored objects by name that compares values this way: an immutable
    /// dictionary's SetItem keeps the old value when the new one is "equal", which would drop the change.
    /// </summary>
    public static ImmutableSortedDictionary<string, T> Dictionary<T>()
        where T : IMessage => ImmutableSortedDictionary.Create<string, T>(StringComparer.Ordinal, ValueComparer<T>.Instance);

    public static ImmutableSortedDictionary<string, T>.Builder DictionaryBuilder<T>()
        where T : IMessage => ImmutableSortedDictionary.CreateBuilder<string, T>(StringComparer.Ordinal, ValueComparer<T>.Instance);

    private sealed class ValueComparer<T> : IEqualityComparer<T>
        where T : IMessage
    {
        public static readonly ValueComparer<T> Instance = new();

        public bool Equals(T? x, T? y) => x is null || y is null ? x is null && y is null : Same(x, y);

        public int GetHashCode(T obj) => obj.GetHashCode();
    }
}
