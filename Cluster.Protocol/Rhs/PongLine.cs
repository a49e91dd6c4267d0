using System.Globalization;
using Cluster.Protocol.Rhs.V1;
using Google.Protobuf;

namespace Cluster.Protocol.Rhs;

/// <summary>
/// An RHS's answer to a <see cref="PingLine"/>, a line on its stdout: <c>CLUSTER-PONG|SEQ|BASE64</c>, where
/// BASE64 is a <see cref="PingResponse"/> (its PID, and every entry-point call in flight with how long it has
/// run; the resource list is left out, the Ping RPC still gives it). The prefix, like the handshake's, keeps
/// it apart from whatever else the RHS and its resource DLLs print there.
/// </summary>
public static class PongLine
{
    private const string Prefix = "CLUSTER-PONG|";

    public static string Format(long sequence, PingResponse answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}{sequence}|{Convert.ToBase64String(answer.ToByteArray())}");
    }

    /// <summary>Whether the line is meant as a pong at all (it may still be malformed).</summary>
    public static bool Claims(string line) => line is not null && line.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The answer a pong line carries; false (with why) for any other line.</summary>
    public static bool TryParse(string line, out long sequence, out PingResponse answer, out string why)
    {
        ArgumentNullException.ThrowIfNull(line);
        sequence = 0;
        answer = new PingResponse();
        if (!Claims(line))
        {
            why = $"not a pong line (expected '{Prefix}SEQ|BASE64'): '{line}'";
            return false;
        }

        var parts = line[Prefix.Length..].Split('|');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out sequence))
        {
            why = $"a pong line needs a sequence number and an answer: '{line}'";
            return false;
        }

        try
        {
            answer = PingResponse.Parser.ParseFrom(Convert.FromBase64String(parts[1]));
        }
        catch (Exception e) when (e is FormatException or InvalidProtocolBufferException)
        {
            why = $"a pong line's answer is not a base64 PingResponse ({e.Message}): '{line}'";
            return false;
        }

        why = string.Empty;
        return true;
    }
}
