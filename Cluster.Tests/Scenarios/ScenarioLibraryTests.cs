using System.Diagnostics;
using System.Xml.Linq;
using Cluster.Tests.Support;

namespace Cluster.Tests.Scenarios;

/// <summary>
/// README's scenario command, run verbatim from the repository root with `cluster` on the PATH: every
/// scenario of the library passes, and the JUnit file has one passing test case for each.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ScenarioLibraryTests
{
    [Test]
    public async Task Every_scenario_of_the_library_passes_with_one_junit_test_case_each()
    {
        var root = Readme.RepositoryRoot();
        var command = Readme.CommandsAfter("## Scripted scenarios").Single();
        Assert.That(command, Does.StartWith("cluster scenario run scenarios/*.yaml --junit scenarios.xml --report scenario-report"));
        var junit = Path.Combine(root, "scenarios.xml");
        var report = Path.Combine(root, "scenario-report");
        try
        {
            var (exitCode, output) = await BashAsync(root, command);

            TestContext.Out.WriteLine(output);
            Assert.That(exitCode, Is.Zero, output);
            var cases = XDocument.Load(junit).Descendants("testcase").ToList();
            var files = Directory.GetFiles(Path.Combine(root, "scenarios"), "*.yaml").Select(f => Path.GetFileNameWithoutExtension(f)).Order().ToList();
            Assert.That(cases.Select(c => c.Attribute("classname")!.Value["scenarios.".Length..]).Order(), Is.EqualTo(files), "one test case per scenario file");
            Assert.That(cases.Where(c => c.Element("failure") is not null), Is.Empty);
            Assert.That(cases.SelectMany(c => c.Descendants("property")).Select(p => p.Attribute("name")!.Value), Has.Some.StartsWith("step."), "step timings as properties");
            Assert.That(File.ReadAllText(Path.Combine(report, "index.html")), Does.Contain($"{files.Count} of {files.Count} passed"));
        }
        finally
        {
            File.Delete(junit);
            if (Directory.Exists(report))
            {
                Directory.Delete(report, recursive: true);
            }
        }
    }

    /// <summary>Runs a README line through bash (for its glob), `cluster` being the build's executable.</summary>
    private static async Task<(int ExitCode, string Output)> BashAsync(string directory, string command)
    {
        var start = new ProcessStartInfo("/bin/bash") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        start.Environment["PATH"] = Path.GetDirectoryName(ClusterCli.ExecutablePath) + ":" + Environment.GetEnvironmentVariable("PATH");
        using var bash = Cluster.Contracts.Processes.ForkThread.Start(new Process { StartInfo = start });
        var output = bash.StandardOutput.ReadToEndAsync();
        var error = bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync();
        return (bash.ExitCode, await output + await error);
    }
}
