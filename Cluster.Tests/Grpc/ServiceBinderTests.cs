using Cluster.Grpc.Server;
using Cluster.Tests.Interop.V1;
using Cluster.Tests.Support;

namespace Cluster.Tests.Grpc;

[TestFixture]
public sealed class ServiceBinderTests
{
    [Test]
    public void Binds_every_rpc_of_a_complete_implementation()
    {
        var methods = ServiceBinder.Bind(InteropMethods.Service, new InteropService());

        Assert.That(methods.Select(m => m.Path), Is.EquivalentTo(new[]
        {
            "/cluster.testing.v1.Interop/Echo", "/cluster.testing.v1.Interop/Count",
            "/cluster.testing.v1.Interop/Sleep", "/cluster.testing.v1.Interop/Fail",
        }));
    }

    [Test]
    public void Missing_handler_fails_at_start_up_naming_the_rpc()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ServiceBinder.Bind(InteropMethods.Service, new MissingFail()));

        Assert.That(error!.Message, Does.Contain("cluster.testing.v1.Interop.Fail"));
    }

    [Test]
    public void Handler_matching_no_rpc_fails_at_start_up_naming_it()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ServiceBinder.Bind(InteropMethods.Service, new ExtraHandler()));

        Assert.That(error!.Message, Does.Contain("ExtraHandler.Reboot matches no rpc"));
    }

    [Test]
    public void Handler_with_wrong_types_fails_at_start_up()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ServiceBinder.Bind(InteropMethods.Service, new WrongEcho()));

        Assert.That(error!.Message, Does.Contain("Interop.Echo"));
    }

    [Test]
    public async Task Server_refuses_a_service_bound_twice()
    {
        await using var server = new GrpcServer(new GrpcServerOptions());
        server.AddService(InteropMethods.Service, new InteropService());

        Assert.Throws<InvalidOperationException>(() => server.AddService(InteropMethods.Service, new InteropService()));
    }

    private class MissingFail
    {
        public Task<EchoReply> Echo(EchoRequest request, ServerCallContext context) => Task.FromResult(new EchoReply());

        public Task Count(CountRequest request, IServerStreamWriter<CountReply> writer, ServerCallContext context) => Task.CompletedTask;

        public Task<SleepReply> Sleep(SleepRequest request, ServerCallContext context) => Task.FromResult(new SleepReply());
    }

    private sealed class ExtraHandler : MissingFail
    {
        public Task<FailReply> Fail(FailRequest request, ServerCallContext context) => Task.FromResult(new FailReply());

        public Task<FailReply> Reboot(FailRequest request, ServerCallContext context) => Task.FromResult(new FailReply());
    }

    private sealed class WrongEcho
    {
        public Task<SleepReply> Echo(EchoRequest request, ServerCallContext context) => Task.FromResult(new SleepReply());

        public Task Count(CountRequest request, IServerStreamWriter<CountReply> writer, ServerCallContext context) => Task.CompletedTask;

        public Task<SleepReply> Sleep(SleepRequest request, ServerCallContext context) => Task.FromResult(new SleepReply());

        public Task<FailReply> Fail(FailRequest request, ServerCallContext context) => Task.FromResult(new FailReply());
    }
}
