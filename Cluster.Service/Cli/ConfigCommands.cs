using System.CommandLine;
using Cluster.Service.Database;

namespace Cluster.Service.Cli;

/// <summary>`cluster config export`: the cluster database as a file that `cluster apply -f` takes back unchanged.</summary>
internal static class ConfigCommands
{
    public static Command Create()
    {
        var config = new Command("config", "The cluster's configuration as a whole");
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write to this file instead of the standard output" };
        var export = new Command("export", "Print the groups and resources as YAML that `cluster apply -f` accepts (and reports unchanged)")
        {
            output, NodeConnections.NodeOption,
        };
        export.SetHandler(async (parseResult, cancellationToken) =>
        {
            using var client = await NodeConnections.ConnectAnyAsync(parseResult, cancellationToken).ConfigureAwait(false);
            var configuration = await client.GetConfiguration(cancellationToken).ConfigureAwait(false);
            var text = ClusterFileWriter.Write(configuration.Groups, configuration.Resources, configuration.PersistentOnline);
            if (parseResult.GetValue(output) is { } file)
            {
                try
                {
                    await File.WriteAllTextAsync(file.FullName, text, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new ClusterUserException($"{file.FullName} cannot be written: {e.Message}");
                }

                await parseResult.InvocationConfiguration.Output.WriteLineAsync(
                    $"wrote {configuration.Groups.Count} groups and {configuration.Resources.Count} resources to {file.FullName}").ConfigureAwait(false);
            }
            else
            {
                await parseResult.InvocationConfiguration.Output.WriteAsync(text).ConfigureAwait(false);
            }

            return 0;
        });
        config.Subcommands.Add(export);
        return config;
    }
}
