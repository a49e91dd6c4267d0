namespace Cluster.Service.Store;

internal enum CompareTarget
{
    Version,
    CreateRevision,
    ModRevision,
    Value,
}

internal enum CompareOperator
{
    Equal,
    NotEqual,
    Greater,
    Less,
}

/// <summary>
/// One condition of a transaction, on one key, as in etcd. A key that does not exist has version,
/// create and mod revision 0, and no value (a value comparison with it is false).
/// </summary>
internal sealed record Compare(string Key, CompareTarget Target, CompareOperator Operator, long Number = 0, byte[]? Value = null)
{
    public static Compare Version(string key, CompareOperator op, long version) => new(key, CompareTarget.Version, op, version);

    public static Compare CreateRevision(string key, CompareOperator op, long revision) => new(key, CompareTarget.CreateRevision, op, revision);

    public static Compare ModRevision(string key, CompareOperator op, long revision) => new(key, CompareTarget.ModRevision, op, revision);

    public static Compare ValueOf(string key, CompareOperator op, byte[] value) => new(key, CompareTarget.Value, op, Value: value);

    /// <summary>The key does not exist.</summary>
    public static Compare Absent(string key) => Version(key, CompareOperator.Equal, 0);

    /// <summary>Whether the condition holds for <paramref name="current"/> (null: the key does not exist).</summary>
    public bool Holds(KeyValue? current)
    {
        if (Target == CompareTarget.Value)
        {
            if (current is null || Value is null)
            {
                return false;
            }

            var order = ((ReadOnlySpan<byte>)current.Value).SequenceCompareTo(Value);
            return Test(order);
        }

        var actual = Target switch
        {
            CompareTarget.Version => current?.Version ?? 0,
            CompareTarget.CreateRevision => current?.CreateRevision ?? 0,
            _ => current?.ModRevision ?? 0,
        };
        return Test(actual.CompareTo(Number));
    }

    private bool Test(int order) => Operator switch
    {
        CompareOperator.Equal => order == 0,
        CompareOperator.NotEqual => order != 0,
        CompareOperator.Greater => order > 0,
        _ => order < 0,
    };
}
