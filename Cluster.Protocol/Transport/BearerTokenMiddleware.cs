using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Cluster.Protocol.Transport;

/// <summary>
/// The server's authentication, ahead of routing: a request without the right bearer token is
/// answered HTTP 401, which every gRPC client reads as UNAUTHENTICATED (the gRPC spec's HTTP-to-status
/// table). A gRPC interceptor would run too late: grpc-dotnet answers an unknown method UNIMPLEMENTED
/// without calling interceptors, which would tell an unauthenticated caller what exists.
/// </summary>
internal sealed class BearerTokenMiddleware(RequestDelegate next, string token)
{
    /// <summary>Health probes (orchestrators, load balancers, grpc_health_probe) carry no credentials.</summary>
    public const string HealthPathPrefix = "/grpc.health.v1.Health/";

    private readonly byte[] _expected = Encoding.UTF8.GetBytes("Bearer " + token);

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments(HealthPathPrefix.TrimEnd('/'), StringComparison.Ordinal) || Carries(context))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    private bool Carries(HttpContext context)
    {
        var presented = context.Request.Headers.Authorization;
        return presented.Count == 1
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented[0] ?? string.Empty), _expected);
    }
}
