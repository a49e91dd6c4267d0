using System.Diagnostics;

namespace Cluster.Tests.Support;

/// <summary>
/// Debian's python3-grpcio, the independent gRPC implementation the interop tests run against, with
/// stubs for the test service and for the standard Health and reflection services (Debian's grpc-proto).
/// Missing, it fails the tests under CI (CI=true) and skips them elsewhere with the reason.
/// </summary>
public static class PythonGrpc
{
    /// <summary>Debian's interpreter: the python3 first on PATH may not see Debian's packages.</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<(string? Stubs, string? Problem)> s_stubs = new(Generate);

    public static string InteropDirectory => Path.Combine(AppContext.BaseDirectory, "Interop");

    /// <summary>Where Debian's grpc-proto package puts the standard protos.</summary>
    public const string StandardProtos = "/usr/share/grpc-proto/grpc";

    /// <summary>The folder with interop_pb2*.py, health_pb2*.py and reflection_pb2*.py, generated once per test run.</summary>
    public static string RequireStubs()
    {
        var (stubs, problem) = s_stubs.Value;
        if (stubs is not null)
        {
            return stubs;
        }

        var reason = $"Python gRPC is not usable: {problem}. Install it with: apt-get install -y python3-grpcio python3-grpc-tools python3-protobuf grpc-proto";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(reason);
        }

        Assert.Ignore(reason);
        return string.Empty;
    }

    public static ProcessStartInfo Script(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(InteropDirectory, "python", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        return start;
    }

    private static (string?, string?) Generate()
    {
        if (!File.Exists(Python))
        {
            return (null, $"{Python} does not exist");
        }

        var output = Path.Combine(Path.GetTempPath(), $"cluster-interop-stubs-{Environment.ProcessId}");
        Directory.CreateDirectory(output);
        // Each standard proto is compiled from inside its own folder: a generated grpc/ package in the
        // output would hide grpcio's own.
        foreach (var (folder, proto) in new[]
        {
            (InteropDirectory, "interop.proto"),
            (Path.Combine(StandardProtos, "health", "v1"), "health.proto"),
            (Path.Combine(StandardProtos, "reflection", "v1alpha"), "reflection.proto"),
        })
        {
            if (!File.Exists(Path.Combine(folder, proto)))
            {
                return (null, $"{Path.Combine(folder, proto)} does not exist");
            }

            var start = new ProcessStartInfo(Python)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "-m", "grpc_tools.protoc", "-I" + folder, "--python_out=" + output, "--grpc_python_out=" + output, Path.Combine(folder, proto) })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                return (null, $"grpc_tools.protoc failed on {proto}: {errors.Result.Trim()}");
            }
        }

        using var check = Process.Start(new ProcessStartInfo(Python, ["-c", "import grpc"]) { RedirectStandardError = true })!;
        var checkErrors = check.StandardError.ReadToEndAsync();
        check.WaitForExit();
        return check.ExitCode == 0 ? (output, null) : (null, checkErrors.Result.Trim());
    }
}
