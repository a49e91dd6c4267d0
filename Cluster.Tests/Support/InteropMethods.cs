using Cluster.Grpc.Client;
using Cluster.Tests.Interop.V1;
using Google.Protobuf.Reflection;

namespace Cluster.Tests.Support;

/// <summary>Client handles on the test service's rpcs.</summary>
public static class InteropMethods
{
    public static ServiceDescriptor Service { get; } = InteropReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Interop");

    public static GrpcMethod<EchoRequest, EchoReply> Echo { get; } = GrpcMethod.For<EchoRequest, EchoReply>(Service, "Echo");

    public static GrpcMethod<CountRequest, CountReply> Count { get; } = GrpcMethod.For<CountRequest, CountReply>(Service, "Count");

    public static GrpcMethod<SleepRequest, SleepReply> Sleep { get; } = GrpcMethod.For<SleepRequest, SleepReply>(Service, "Sleep");

    public static GrpcMethod<FailRequest, FailReply> Fail { get; } = GrpcMethod.For<FailRequest, FailReply>(Service, "Fail");

    public static GrpcMethod<EchoRequest, EchoReply> Missing { get; } =
        GrpcMethod.For<EchoRequest, EchoReply>(InteropReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Missing"), "Nothing");
}
