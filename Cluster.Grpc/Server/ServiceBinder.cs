using System.Reflection;
using Google.Protobuf.Reflection;

namespace Cluster.Grpc.Server;

/// <summary>
/// Binds an implementation object to a protoc-generated service descriptor, the way grpc-dotnet's
/// generated base classes do: each rpc needs a public method of the same name,
/// <c>Task&lt;TResponse&gt; M(TRequest, ServerCallContext)</c> for unary calls and
/// <c>Task M(TRequest, IServerStreamWriter&lt;TResponse&gt;, ServerCallContext)</c> for server streaming.
/// A missing handler, a wrong signature or a handler that matches no rpc fails here, at start-up.
/// </summary>
internal static class ServiceBinder
{
    public static IReadOnlyList<ServerMethod> Bind(ServiceDescriptor service, object implementation)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(implementation);
        var type = implementation.GetType();
        var candidates = type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.DeclaringType != typeof(object) && IsHandlerShaped(m))
            .ToList();
        var errors = new List<string>();
        var bound = new List<ServerMethod>();

        foreach (var method in service.Methods)
        {
            var requestType = method.InputType.ClrType;
            var responseType = method.OutputType.ClrType;
            if (method.IsClientStreaming)
            {
                errors.Add($"{method.FullName}: client streaming is not supported by this wire layer");
                continue;
            }

            var expected = method.IsServerStreaming
                ? new[] { requestType, typeof(IServerStreamWriter<>).MakeGenericType(responseType), typeof(ServerCallContext) }
                : new[] { requestType, typeof(ServerCallContext) };
            var expectedReturn = method.IsServerStreaming ? typeof(Task) : typeof(Task<>).MakeGenericType(responseType);
            var handler = candidates.FirstOrDefault(m =>
                m.Name == method.Name
                && m.ReturnType == expectedReturn
                && m.GetParameters().Select(p => p.ParameterType).SequenceEqual(expected));
            if (handler is null)
            {
                errors.Add($"{method.FullName}: {type.Name} has no handler "
                    + $"'{Describe(expectedReturn)} {method.Name}({string.Join(", ", expected.Select(Describe))})'");
                continue;
            }

            candidates.RemoveAll(m => m.Name == method.Name);
            bound.Add(Create(method, handler, implementation, requestType, responseType));
        }

        errors.AddRange(candidates.Select(m => $"{type.Name}.{m.Name} matches no rpc of {service.FullName}"));
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(
                $"Cannot bind {type.Name} to service {service.FullName}: {string.Join("; ", errors)}.");
        }

        return bound;
    }

    private static bool IsHandlerShaped(MethodInfo method)
    {
        var parameters = method.GetParameters();
        return parameters.Length > 0 && parameters[^1].ParameterType == typeof(ServerCallContext);
    }

    private static ServerMethod Create(
        MethodDescriptor method, MethodInfo handler, object target, Type requestType, Type responseType)
    {
        Type methodType, delegateType;
        if (method.IsServerStreaming)
        {
            methodType = typeof(ServerStreamingServerMethod<,>).MakeGenericType(requestType, responseType);
            delegateType = typeof(Func<,,,>).MakeGenericType(
                requestType, typeof(IServerStreamWriter<>).MakeGenericType(responseType), typeof(ServerCallContext), typeof(Task));
        }
        else
        {
            methodType = typeof(UnaryServerMethod<,>).MakeGenericType(requestType, responseType);
            delegateType = typeof(Func<,,>).MakeGenericType(
                requestType, typeof(ServerCallContext), typeof(Task<>).MakeGenericType(responseType));
        }

        var invoker = Delegate.CreateDelegate(delegateType, target, handler);
        return (ServerMethod)Activator.CreateInstance(methodType, method, invoker)!;
    }

    private static string Describe(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Describe))}>"
        : type.Name;
}
