namespace Cluster.Tests.Support;

/// <summary>README.md and the repository around it, for the tests that run README's commands verbatim.</summary>
public static class Readme
{
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && Directory.Exists(Path.Combine(dir.FullName, "samples")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (README.md beside samples/) is not above the test binaries.");
    }

    /// <summary>The commands of the first bash block after <paramref name="marker"/>, without their comments.</summary>
    public static List<string> CommandsAfter(string marker)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var start = readme.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException($"README.md has no '{marker}'.");
        }

        var block = readme.IndexOf("```bash", start, StringComparison.Ordinal) + "```bash".Length;
        var end = readme.IndexOf("```", block, StringComparison.Ordinal);
        return [.. readme[block..end].Split('\n')
            .Select(line => line.Split(" #")[0].Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))];
    }
}
