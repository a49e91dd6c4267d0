namespace Cluster.Service.Node;

internal static class NodeNames
{
    /// <summary>A node name is a file name and a log field: 1-63 ASCII letters, digits, '-' or '_'.</summary>
    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= 63 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
