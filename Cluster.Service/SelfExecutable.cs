using System.Reflection;
using Cluster.Grpc.Hosting;

namespace Cluster.Service;

/// <summary>How to start this same program again as a child (a node, a benchmark peer).</summary>
internal static class SelfExecutable
{
    /// <summary>
    /// This program as words for a shell variable (`$CLUSTER_EXE sim-app ...` in samples). Unquoted, since
    /// a shell splits an expanded variable on spaces but does not remove quotes: a path with spaces breaks.
    /// </summary>
    public static string CommandLine()
    {
        var start = StartInfo("self", []);
        return string.Join(' ', [start.FileName, .. start.Arguments]);
    }

    public static PluginStartInfo StartInfo(string kind, IEnumerable<string> arguments, Action<string>? onOutput = null)
    {
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("The process path is unknown.");
        var args = new List<string>();
        // Under `dotnet cluster.dll` the process is the dotnet host: name the assembly again.
        if (Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            args.Add(Assembly.GetEntryAssembly()!.Location);
        }

        args.AddRange(arguments);
        return new PluginStartInfo { FileName = processPath, Arguments = args, Kind = kind, OnOutput = onOutput };
    }
}
