using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Cluster.Protocol.Admin.V1;

namespace Cluster.Service.Trace;

/// <summary>How `cluster trace` prints a record: one readable line (more with verbose), or one JSON object a line.</summary>
internal static class CallRecordFormat
{
    public static DateTimeOffset TimeOf(CallRecord record) =>
        UnixMicroseconds.ToTime(record.TimeUnixUs);

    /// <summary>"01:02:03.456  cli -> n1  ClusterAdmin/SetPersistentState  group=web  OK  4.2 ms".</summary>
    public static string Line(CallRecord record, bool verbose)
    {
        var line = new StringBuilder()
            .Append(TimeOf(record).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)).Append("  ")
            .Append(record.Caller).Append(record.Kind == "message" ? " <- " : " -> ").Append(record.Callee).Append("  ")
            .Append(TraceFilter.MethodForms(record.Method).ElementAt(1));
        if (record.Resource.Length > 0)
        {
            line.Append("  resource=").Append(record.Resource);
        }

        if (record.Group.Length > 0)
        {
            line.Append("  group=").Append(record.Group);
        }

        if (record.Kind == "message")
        {
            line.Append("  stream message");
        }
        else
        {
            line.Append("  ").Append(record.Status);
            if (record.Status != "OK" && record.StatusMessage.Length > 0)
            {
                line.Append(" \"").Append(record.StatusMessage).Append('"');
            }

            line.Append("  ").Append(record.DurationMs.ToString("0.0", CultureInfo.InvariantCulture)).Append(" ms");
        }

        if (verbose)
        {
            line.Append("\n    peer:     ").Append(record.Peer);
            if (record.DeadlineMs > 0)
            {
                line.Append("\n    deadline: ").Append(record.DeadlineMs.ToString(CultureInfo.InvariantCulture)).Append(" ms");
            }

            if (record.Metadata.Count > 0)
            {
                line.Append("\n    metadata: ").AppendJoin(", ", record.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value}"));
            }

            line.Append("\n    request:  ").Append(record.RequestJson);
            if (record.ResponseJson.Length > 0)
            {
                line.Append(record.Kind == "message" ? "\n    message:  " : "\n    response: ").Append(record.ResponseJson);
            }
        }

        return line.ToString();
    }

    /// <summary>One JSON object (grpc-dump's shape): the messages nested as JSON, absent parts null.</summary>
    public static string Json(CallRecord record)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping: the output is a terminal's or jq's, not HTML, and "<redacted>" should read as such.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("time", TimeOf(record).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
            json.WriteString("node", record.Node);
            json.WriteNumber("sequence", record.Sequence);
            json.WriteString("kind", record.Kind);
            json.WriteString("caller", record.Caller);
            json.WriteString("callee", record.Callee);
            json.WriteString("method", record.Method);
            json.WriteString("peer", record.Peer);
            WriteOptional(json, "resource", record.Resource);
            WriteOptional(json, "group", record.Group);
            if (record.DeadlineMs > 0)
            {
                json.WriteNumber("deadlineMs", record.DeadlineMs);
            }
            else
            {
                json.WriteNull("deadlineMs");
            }

            WriteOptional(json, "status", record.Status);
            WriteOptional(json, "statusMessage", record.StatusMessage);
            if (record.Kind == "call")
            {
                json.WriteNumber("durationMs", Math.Round(record.DurationMs, 3));
            }
            else
            {
                json.WriteNull("durationMs");
            }

            json.WriteStartObject("metadata");
            foreach (var (key, value) in record.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            WriteMessage(json, "request", record.RequestJson);
            WriteMessage(json, "response", record.ResponseJson);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string value)
    {
        if (value.Length > 0)
        {
            json.WriteString(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteMessage(Utf8JsonWriter json, string name, string messageJson)
    {
        json.WritePropertyName(name);
        if (messageJson.Length > 0)
        {
            json.WriteRawValue(messageJson);
        }
        else
        {
            json.WriteNullValue();
        }
    }
}
