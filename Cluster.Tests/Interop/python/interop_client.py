"""An independent gRPC client (Python grpcio) for the interop tests.

Usage: interop_client.py STUBS_DIR TARGET TOKEN
Runs every case against TARGET and prints one JSON object: case name -> outcome.
"""
import json
import sys
import time

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import interop_pb2  # noqa: E402
import interop_pb2_grpc  # noqa: E402

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
    print(json.dumps(results))


if __name__ == "__main__":
    main()
