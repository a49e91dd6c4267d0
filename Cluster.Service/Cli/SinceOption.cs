using System.CommandLine;
using System.Globalization;

namespace Cluster.Service.Cli;

/// <summary>--since for verbs that read history (`log`, `trace`): a time, or a duration ago.</summary>
internal static class SinceOption
{
    public static Option<string?> Create(string what)
    {
        var since = new Option<string?>("--since") { Description = $"Only {what} from this time (2026-11-22T10:00:00Z) or this long ago (30s, 5m, 2h, 1d)" };
        since.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !TryParse(text, DateTimeOffset.UtcNow, out _))
            {
                result.AddError($"--since '{text}' is neither a time (2026-11-22T10:00:00Z) nor a duration (30s, 5m, 2h, 1d).");
            }
        });
        return since;
    }

    /// <summary>The instant --since names, or null when it was not given.</summary>
    public static DateTimeOffset? ValueOf(ParseResult parseResult, Option<string?> since, DateTimeOffset now) =>
        parseResult.GetValue(since) is { } text && TryParse(text, now, out var parsed) ? parsed : null;

    /// <summary>An absolute time, or a duration ago (s, m, h, d).</summary>
    public static bool TryParse(string text, DateTimeOffset now, out DateTimeOffset since)
    {
        since = default;
        if (text.Length >= 2 && "smhd".Contains(text[^1], StringComparison.Ordinal)
            && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            since = now - text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out since);
    }
}
