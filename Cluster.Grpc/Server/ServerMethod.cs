using System.IO.Pipelines;
using Cluster.Grpc.Protocol;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Cluster.Grpc.Server;

/// <summary>A method of a bound service: how to read its request and run its handler.</summary>
internal abstract class ServerMethod(MethodDescriptor descriptor)
{
    public MethodDescriptor Descriptor { get; } = descriptor;

    public string Path { get; } = $"/{descriptor.Service.FullName}/{descriptor.Name}";

    public abstract ValueTask<IMessage?> ReadRequestAsync(PipeReader body, int maxSize, CancellationToken cancellationToken);

    public abstract Task InvokeAsync(ServerCall call, IMessage request);
}

/// <summary>A method whose request is one <typeparamref name="TRequest"/> (every kind this layer serves).</summary>
internal abstract class ServerMethod<TRequest>(MethodDescriptor descriptor) : ServerMethod(descriptor)
    where TRequest : class, IMessage<TRequest>, new()
{
    private static readonly MessageParser<TRequest> s_parser = new(() => new TRequest());

    public override async ValueTask<IMessage?> ReadRequestAsync(PipeReader body, int maxSize, CancellationToken cancellationToken) =>
        await MessageFraming.ReadAsync(body, s_parser, maxSize, cancellationToken).ConfigureAwait(false);
}

internal sealed class UnaryServerMethod<TRequest, TResponse>(
    MethodDescriptor descriptor, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
    : ServerMethod<TRequest>(descriptor)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>
{
    public override async Task InvokeAsync(ServerCall call, IMessage request)
    {
        var response = await handler((TRequest)request, call.Context).ConfigureAwait(false);
        await call.WriteMessageAsync(response, call.Context.CancellationToken).ConfigureAwait(false);
    }
}

internal sealed class ServerStreamingServerMethod<TRequest, TResponse>(
    MethodDescriptor descriptor, Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
    : ServerMethod<TRequest>(descriptor)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>
{
    public override Task InvokeAsync(ServerCall call, IMessage request) =>
        handler((TRequest)request, new Writer(call), call.Context);

    private sealed class Writer(ServerCall call) : IServerStreamWriter<TResponse>
    {
        public Task WriteAsync(TResponse message, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(message);
            return call.WriteMessageAsync(message, cancellationToken);
        }
    }
}
