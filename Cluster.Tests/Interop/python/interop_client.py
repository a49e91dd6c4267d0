"""An independent gRPC client (Python grpcio) for the interop tests.

Usage: interop_client.py STUBS_DIR TARGET TOKEN
Runs every case against TARGET and prints one JSON object: case name -> outcome. Besides the test
service it uses what any gRPC tool can: the standard Health service, and server reflection to
call a method with no .proto at hand (what `grpcurl list` and `grpcurl -d ... TARGET method` do).
"""
import json
import sys
import time

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import interop_pb2  # noqa: E402
import interop_pb2_grpc  # noqa: E402
import health_pb2  # noqa: E402
import health_pb2_grpc  # noqa: E402
import reflection_pb2  # noqa: E402
import reflection_pb2_grpc  # noqa: E402
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory  # noqa: E402

TARGET, TOKEN = sys.argv[2], sys.argv[3]
AUTH = (("authorization", "Bearer " + TOKEN),)


def outcome(call):
    started = time.monotonic()
    try:
        result = call()
        return {"code": "OK", "result": result, "seconds": time.monotonic() - started}
    except grpc.RpcError as error:
        return {
            "code": error.code().name,
            "details": error.details(),
            "seconds": time.monotonic() - started,
        }


def main():
    channel = grpc.insecure_channel(TARGET)
    stub = interop_pb2_grpc.InteropStub(channel)
    results = {}

    def echo():
        reply = stub.Echo(
            interop_pb2.EchoRequest(text="héllo", payload=b"\x00\x01\xff"),
            metadata=AUTH + (("x-probe", "42"),),
            timeout=30,
        )
        return {
            "text": reply.text,
            "payload": list(reply.payload),
            "probe": reply.probe,
            "deadline_remaining_ms": reply.deadline_remaining_ms,
        }

    results["unary"] = outcome(echo)
    results["streaming"] = outcome(
        lambda: [r.n for r in stub.Count(interop_pb2.CountRequest(count=5), metadata=AUTH, timeout=30)]
    )
    results["deadline"] = outcome(
        lambda: stub.Sleep(interop_pb2.SleepRequest(milliseconds=10000), metadata=AUTH, timeout=0.3) and None
    )
    results["error"] = outcome(
        lambda: stub.Fail(
            interop_pb2.FailRequest(code=9, message="précondition échouée: 資源 ✗ 100%"), metadata=AUTH, timeout=30
        )
        and None
    )
    missing = channel.unary_unary(
        "/cluster.testing.v1.Missing/Nothing",
        request_serializer=interop_pb2.EchoRequest.SerializeToString,
        response_deserializer=interop_pb2.EchoReply.FromString,
    )
    results["unknown_method"] = outcome(lambda: missing(interop_pb2.EchoRequest(), metadata=AUTH, timeout=30) and None)
    results["no_token"] = outcome(lambda: stub.Echo(interop_pb2.EchoRequest(text="x"), timeout=30) and None)
    results["unknown_method_no_token"] = outcome(lambda: missing(interop_pb2.EchoRequest(), timeout=30) and None)

    health = health_pb2_grpc.HealthStub(channel)
    results["health_check"] = outcome(
        lambda: {
            name or "(server)": health_pb2.HealthCheckResponse.ServingStatus.Name(
                health.Check(health_pb2.HealthCheckRequest(service=name), timeout=30).status
            )
            for name in ("", "cluster.testing.v1.Interop")
        }
    )
    results["health_watch"] = outcome(lambda: first_watched(health, "cluster.testing.v1.Interop"))
    results["health_watch_unknown"] = outcome(lambda: first_watched(health, "no.such.Service"))
    results["reflection_list"] = outcome(lambda: sorted(list_services(channel)))
    results["reflection_call"] = outcome(lambda: call_by_reflection(channel))
    print(json.dumps(results))


def first_watched(health, service):
    watch = health.Watch(health_pb2.HealthCheckRequest(service=service), timeout=30)
    try:
        return health_pb2.HealthCheckResponse.ServingStatus.Name(next(watch).status)
    finally:
        watch.cancel()


def reflect(channel, request):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    return next(stub.ServerReflectionInfo(iter([request]), metadata=AUTH, timeout=30))


def list_services(channel):
    reply = reflect(channel, reflection_pb2.ServerReflectionRequest(list_services=""))
    return [service.name for service in reply.list_services_response.service]


def call_by_reflection(channel):
    """Echo, with its request built from the descriptors the server reflects, not from interop_pb2."""
    reply = reflect(channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol="cluster.testing.v1.Interop"))
    pool = descriptor_pool.DescriptorPool()
    for serialized in reply.file_descriptor_response.file_descriptor_proto:
        pool.Add(descriptor_pb2.FileDescriptorProto.FromString(serialized))
    method = pool.FindServiceByName("cluster.testing.v1.Interop").FindMethodByName("Echo")
    factory = message_factory.MessageFactory(pool)
    request_class = factory.GetPrototype(method.input_type)
    reply_class = factory.GetPrototype(method.output_type)
    echo = channel.unary_unary(
        "/cluster.testing.v1.Interop/Echo",
        request_serializer=request_class.SerializeToString,
        response_deserializer=reply_class.FromString,
    )
    answer = echo(request_class(text="by reflection"), metadata=AUTH, timeout=30)
    return {"input": method.input_type.full_name, "text": answer.text}


if __name__ == "__main__":
    main()
