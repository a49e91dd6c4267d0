using System.Globalization;
using System.Xml.Linq;

namespace Cluster.Service.Scenarios;

/// <summary>
/// JUnit XML of scenario runs, as CI systems read it: one test case per scenario, its steps' timings as
/// properties (<c>step.LINE</c>: what the step did and how long it took, or when each expectation held).
/// </summary>
internal static class ScenarioJunit
{
    public static XDocument Create(IReadOnlyList<ScenarioResult> results)
    {
        var cases = results.Select(result =>
        {
            var testCase = new XElement("testcase",
                new XAttribute("name", result.Name),
                new XAttribute("classname", "scenarios." + Path.GetFileNameWithoutExtension(result.Path)),
                new XAttribute("file", result.Path),
                new XAttribute("time", Seconds(result.DurationMs)),
                new XElement("properties",
                    new XElement("property", new XAttribute("name", "setup_ms"), new XAttribute("value", Milliseconds(result.SetupMs))),
                    result.Steps.Select(step => new XElement("property",
                        new XAttribute("name", $"step.{step.Line}"),
                        new XAttribute("value", StepValue(step))))));
            if (!result.Passed)
            {
                testCase.Add(new XElement("failure", new XAttribute("message", result.Failure ?? "failed"), new XAttribute("type", "ScenarioFailed"),
                    result.Directory is null ? result.Failure : $"{result.Failure}\nthe cluster directory is kept: {result.Directory}"));
            }

            return testCase;
        }).ToList();
        return new XDocument(new XElement("testsuites",
            new XElement("testsuite",
                new XAttribute("name", "cluster scenarios"),
                new XAttribute("tests", results.Count),
                new XAttribute("failures", results.Count(r => !r.Passed)),
                new XAttribute("errors", 0),
                new XAttribute("skipped", 0),
                new XAttribute("time", Seconds(results.Sum(r => r.DurationMs))),
                new XAttribute("timestamp", (results.Count > 0 ? results[0].Started : DateTimeOffset.UtcNow).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)),
                cases)));
    }

    private static string StepValue(StepResult step)
    {
        var what = $"{step.Outcome}: {step.Description}";
        return step.Expectations is { } expectations
            ? $"{what}: {string.Join("; ", expectations.Select(e => e.Met ? $"{e.Description} after {Milliseconds(e.AfterMs!.Value)} ms" : $"{e.Description} not met"))}"
            : $"{what} in {Milliseconds(step.DurationMs)} ms";
    }

    private static string Seconds(double milliseconds) => (milliseconds / 1000).ToString("0.000", CultureInfo.InvariantCulture);

    private static string Milliseconds(double milliseconds) => milliseconds.ToString("0.0", CultureInfo.InvariantCulture);
}
