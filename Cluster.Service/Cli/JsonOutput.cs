using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Service.Cli;

/// <summary>Writes --json output: indented, camelCase names as scripts rely on them.</summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    public static Task WriteAsync(ParseResult parseResult, JsonNode node) =>
        parseResult.InvocationConfiguration.Output.WriteLineAsync(node.ToJsonString(s_indented));
}
