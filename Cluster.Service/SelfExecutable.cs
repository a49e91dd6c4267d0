using Cluster.Protocol.Plugins;

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
        var args = new List<string>();
        // The `cluster` apphost beside this assembly, when there is one: the process itself may be a host
        // that merely loaded it (dotnet, a test runner).
        var processPath = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "cluster.exe" : "cluster");
        if (!File.Exists(processPath))
        {
            processPath = Environment.ProcessPath ?? throw new InvalidOperationException("The process path is unknown.");
            if (Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            {
                args.Add(typeof(SelfExecutable).Assembly.Location); // `dotnet cluster.dll`: name the assembly again
            }
        }

        args.AddRange(arguments);
        return new PluginStartInfo { FileName = processPath, Arguments = args, Kind = kind, OnOutput = onOutput };
    }
}
