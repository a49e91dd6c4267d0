using System.Globalization;

namespace Cluster.Protocol.Rhs;

/// <summary>
/// The node's health ping as a line on the RHS's stdin, <c>ping SEQ</c>; the RHS answers with a
/// <see cref="PongLine"/> on its stdout. It asks what the Ping RPC asks (rhs.proto), without an HTTP/2
/// round trip: the node pings every RHS each second, and over gRPC each ping cost the two processes
/// some forty thread wake-ups, more than everything else an idle node does.
/// </summary>
public static class PingLine
{
    private const string Verb = "ping";

    public static string Format(long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{Verb} {sequence}");

    /// <summary>Whether the line is meant as a ping at all (it may still be malformed).</summary>
    public static bool Claims(string line) => line is not null && (line == Verb || line.StartsWith(Verb + " ", StringComparison.Ordinal));

    /// <summary>The sequence number a ping line carries; false (with why) for any other line.</summary>
    public static bool TryParse(string line, out long sequence, out string why)
    {
        ArgumentNullException.ThrowIfNull(line);
        sequence = 0;
        var words = line.Split(' ');
        if (words.Length != 2 || words[0] != Verb)
        {
            why = $"not a ping line (expected '{Verb} SEQ'): '{line}'";
            return false;
        }

        if (!long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out sequence))
        {
            why = $"a ping line needs a sequence number: '{line}'";
            return false;
        }

        why = string.Empty;
        return true;
    }
}
