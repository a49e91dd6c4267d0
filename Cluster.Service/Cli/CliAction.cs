using System.CommandLine;
using Cluster.Protocol;

namespace Cluster.Service.Cli;

/// <summary>Runs a verb and turns the errors a user can act on into one line on stderr and exit code 1.</summary>
internal static class CliAction
{
    public static void SetHandler(this Command command, Func<ParseResult, CancellationToken, Task<int>> handler) =>
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await handler(parseResult, cancellationToken).ConfigureAwait(false);
            }
            catch (ClusterUserException e)
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (ClusterException e)
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync($"error: {e.Message} ({e.Kind})").ConfigureAwait(false);
                return 1;
            }
        });
}
