"""An independent gRPC server (Python grpcio) for the interop tests.

Usage: interop_server.py STUBS_DIR TOKEN
Serves cluster.testing.v1.Interop on 127.0.0.1 (ephemeral port), prints "PORT <n>", and exits when
stdin closes. Calls without "authorization: Bearer TOKEN" fail UNAUTHENTICATED.
"""
import sys
import time
from concurrent import futures

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import interop_pb2  # noqa: E402
import interop_pb2_grpc  # noqa: E402

TOKEN = sys.argv[2]


def status_code(number):
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code
    return grpc.StatusCode.UNKNOWN


def check_auth(context):
    metadata = dict(context.invocation_metadata())
    if metadata.get("authorization") != "Bearer " + TOKEN:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong bearer token")
    return metadata


class Interop(interop_pb2_grpc.InteropServicer):
    def Echo(self, request, context):
        metadata = check_auth(context)
        remaining = context.time_remaining()
        return interop_pb2.EchoReply(
            text=request.text,
            payload=request.payload,
            probe=metadata.get("x-probe", ""),
            deadline_remaining_ms=-1 if remaining is None else int(remaining * 1000),
        )

    def Count(self, request, context):
        check_auth(context)
        for n in range(1, request.count + 1):
            yield interop_pb2.CountReply(n=n)

    def Sleep(self, request, context):
        check_auth(context)
        end = time.monotonic() + request.milliseconds / 1000.0
        while time.monotonic() < end and context.is_active():
            time.sleep(0.01)
        return interop_pb2.SleepReply()

    def Fail(self, request, context):
        check_auth(context)
        context.abort(status_code(request.code), request.message)


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    interop_pb2_grpc.add_InteropServicer_to_server(Interop(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("PORT %d" % port, flush=True)
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
