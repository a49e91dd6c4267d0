using System.CommandLine;
using Cluster.Service.Database;

namespace Cluster.Service.Cli;

/// <summary>`cluster apply -f FILE.yaml`: declare groups and resources in one file; all or nothing, idempotent.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var file = new Option<FileInfo>("--file", "-f") { Description = "The YAML file (see samples/)", Required = true };
        file.AcceptExistingOnly();
        var apply = new Command("apply", "Create or update the groups and resources a YAML file declares, validated as a whole first")
        {
            file, NodeConnections.NodeOption,
        };
        apply.SetHandler(async (parseResult, cancellationToken) =>
        {
            var request = await ClusterFile.ReadAsync(parseResult.GetValue(file)!.FullName, cancellationToken).ConfigureAwait(false);
            return await DatabaseChange.SendAsync(parseResult, request, cancellationToken).ConfigureAwait(false);
        });
        return apply;
    }
}
