using System.Globalization;

namespace Cluster.Service.Scenarios;

/// <summary>Durations as scenario files write them: "500ms", "2s", "1.5s", "2m", or a number of milliseconds.</summary>
internal static class ScenarioDurations
{
    public static TimeSpan? TryParse(string text)
    {
        var value = text.Trim();
        (string Suffix, double Scale)[] units = [("ms", 1), ("s", 1000), ("m", 60_000)];
        foreach (var (suffix, scale) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(value[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return TimeSpan.FromMilliseconds(number * scale);
            }
        }

        return double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms) : null;
    }

    public static string Format(TimeSpan duration) =>
        duration.TotalMilliseconds < 1000 || duration.TotalMilliseconds % 1000 != 0
            ? duration.TotalMilliseconds < 1000
                ? $"{duration.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture)} ms"
                : $"{duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s"
            : $"{duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
}
