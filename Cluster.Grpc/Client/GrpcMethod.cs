using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Cluster.Grpc.Client;

/// <summary>A client's handle on one rpc, checked against its protoc descriptor.</summary>
public sealed class GrpcMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>, new()
{
    internal GrpcMethod(string path, bool isServerStreaming)
    {
        Path = path;
        IsServerStreaming = isServerStreaming;
    }

    /// <summary>"/package.Service/Method".</summary>
    public string Path { get; }

    public bool IsServerStreaming { get; }

    internal MessageParser<TResponse> ResponseParser { get; } = new(() => new TResponse());
}

/// <summary>Creates <see cref="GrpcMethod{TRequest, TResponse}"/> handles.</summary>
public static class GrpcMethod
{
    /// <exception cref="ArgumentException">The service has no such rpc, or its message types differ.</exception>
    public static GrpcMethod<TRequest, TResponse> For<TRequest, TResponse>(ServiceDescriptor service, string name)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(service);
        var method = service.FindMethodByName(name)
            ?? throw new ArgumentException($"Service {service.FullName} has no rpc {name}.", nameof(name));
        if (method.InputType.ClrType != typeof(TRequest) || method.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"{method.FullName} takes {method.InputType.Name} and returns {method.OutputType.Name}, "
                + $"not {typeof(TRequest).Name} and {typeof(TResponse).Name}.",
                nameof(name));
        }

        if (method.IsClientStreaming)
        {
            throw new ArgumentException($"{method.FullName}: client streaming is not supported.", nameof(name));
        }

        return new GrpcMethod<TRequest, TResponse>($"/{service.FullName}/{name}", method.IsServerStreaming);
    }
}
