using System.Globalization;

namespace Cluster.Protocol.Rhs;

/// <summary>
/// The watchdog pet as a line on the RHS's stdin, <c>pet LEASE VALID_FOR_MS</c>: what the Pet RPC
/// carries (rhs.proto), without an HTTP/2 round trip. A node renews its lease several times a second and
/// pets every RHS after each renewal; as a line, a pet costs a write, not a call.
/// </summary>
public static class PetLine
{
    private const string Verb = "pet";

    public static string Format(TimeSpan validFor, long lease) =>
        string.Create(CultureInfo.InvariantCulture, $"{Verb} {lease} {(long)Math.Max(0, validFor.TotalMilliseconds)}");

    /// <summary>The pet a line carries; false (with why) for any other line.</summary>
    public static bool TryParse(string line, out TimeSpan validFor, out long lease, out string why)
    {
        ArgumentNullException.ThrowIfNull(line);
        validFor = TimeSpan.Zero;
        lease = 0;
        var words = line.Split(' ');
        if (words.Length != 3 || words[0] != Verb)
        {
            why = $"not a pet line (expected '{Verb} LEASE VALID_FOR_MS'): '{line}'";
            return false;
        }

        if (!long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out lease)
            || !uint.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds))
        {
            why = $"a pet line needs a lease and a number of milliseconds: '{line}'";
            return false;
        }

        validFor = TimeSpan.FromMilliseconds(milliseconds);
        why = string.Empty;
        return true;
    }
}
