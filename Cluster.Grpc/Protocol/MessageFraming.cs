using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Cluster.Grpc.Protocol;

/// <summary>gRPC's length-prefixed messages: a compressed flag, a 4-byte big-endian length, the bytes.</summary>
internal static class MessageFraming
{
    public const int HeaderSize = 5;

    public static void Write(IBufferWriter<byte> writer, IMessage message, int maxMessageSize)
    {
        var size = message.CalculateSize();
        if (size > maxMessageSize)
        {
            throw new RpcException(
                StatusCode.ResourceExhausted,
                $"Sending message of {size} bytes exceeds the maximum message size of {maxMessageSize} bytes.");
        }

        var header = writer.GetSpan(HeaderSize);
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)size);
        writer.Advance(HeaderSize);
        message.WriteTo(writer);
    }

    public static byte[] ToFrame(IMessage message, int maxMessageSize)
    {
        var buffer = new ArrayBufferWriter<byte>(HeaderSize + message.CalculateSize());
        Write(buffer, message, maxMessageSize);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads the next message, or null when the stream ends cleanly between messages.</summary>
    public static async ValueTask<T?> ReadAsync<T>(
        PipeReader reader, MessageParser<T> parser, int maxMessageSize, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        var result = await reader.ReadAtLeastAsync(HeaderSize, cancellationToken).ConfigureAwait(false);
        var buffer = result.Buffer;
        if (buffer.Length == 0 && result.IsCompleted)
        {
            reader.AdvanceTo(buffer.End);
            return null;
        }

        if (buffer.Length < HeaderSize)
        {
            reader.AdvanceTo(buffer.End);
            throw new RpcException(StatusCode.Internal, "The stream ended inside a message header.");
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        var compressed = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (compressed != 0)
        {
            reader.AdvanceTo(buffer.End);
            throw new RpcException(
                StatusCode.Internal, "Received a compressed message, but only the identity encoding is accepted.");
        }

        if (length > (uint)maxMessageSize)
        {
            reader.AdvanceTo(buffer.End);
            throw new RpcException(
                StatusCode.ResourceExhausted,
                $"Received message of {length} bytes exceeds the maximum message size of {maxMessageSize} bytes.");
        }

        var total = HeaderSize + (int)length;
        if (buffer.Length < total)
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
            result = await reader.ReadAtLeastAsync(total, cancellationToken).ConfigureAwait(false);
            buffer = result.Buffer;
            if (buffer.Length < total)
            {
                reader.AdvanceTo(buffer.End);
                throw new RpcException(StatusCode.Internal, "The stream ended inside a message.");
            }
        }

        try
        {
            return parser.ParseFrom(buffer.Slice(HeaderSize, length));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to deserialize {typeof(T).Name}: {e.Message}");
        }
        finally
        {
            reader.AdvanceTo(buffer.GetPosition(total));
        }
    }
}
