using System.CommandLine;
using Cluster.Service.Database;

namespace Cluster.Service.Cli;

/// <summary>`cluster apply -f FILE.yaml [--dry-run] [--prune]`: declare groups and resources in one file; all or nothing, idempotent.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var file = new Option<FileInfo>("--file", "-f") { Description = "The YAML file (see samples/)", Required = true };
        file.AcceptExistingOnly();
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate and print what would change; change nothing" };
        var prune = new Option<bool>("--prune") { Description = "Also delete the groups and resources the file leaves out" };
        var apply = new Command("apply", "Create or update the groups and resources a YAML file declares, validated as a whole first")
        {
            file, dryRun, prune, NodeConnections.NodeOption,
        };
        apply.SetHandler(async (parseResult, cancellationToken) =>
        {
            var request = await ClusterFile.ReadAsync(parseResult.GetValue(file)!.FullName, cancellationToken).ConfigureAwait(false);
            request.DryRun = parseResult.GetValue(dryRun);
            request.Prune = parseResult.GetValue(prune);
            if (request.DryRun)
            {
                await parseResult.InvocationConfiguration.Output.WriteLineAsync("dry run: nothing was changed; applying would do this:").ConfigureAwait(false);
            }

            return await DatabaseChange.SendAsync(parseResult, request, cancellationToken).ConfigureAwait(false);
        });
        return apply;
    }
}
