using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Cluster.Service.Trace;

/// <summary>
/// The resource and group a message is about, read by protobuf reflection from the fields the protos
/// use for them: a string field "resource" or "group" (OnlineRequest.resource, MoveGroupRequest.group),
/// a message field of that name with a "name" (CreateGroupRequest.group.name), or a plain "name" in a
/// method about a group or a resource (DeleteGroupRequest.name, SetResourceRequest.name).
/// </summary>
internal static class MessageSubjects
{
    private static readonly ConcurrentDictionary<(MessageDescriptor, string), Reader> s_readers = new();

    public static (string? Resource, string? Group) Of(IMessage message, string method)
    {
        var kind = method.Contains("Group", StringComparison.Ordinal) ? "group"
            : method.Contains("Resource", StringComparison.Ordinal) ? "resource"
            : "";
        var reader = s_readers.GetOrAdd((message.Descriptor, kind), static key => Reader.For(key.Item1, key.Item2));
        return (reader.Resource?.Invoke(message), reader.Group?.Invoke(message));
    }

    private sealed record Reader(Func<IMessage, string?>? Resource, Func<IMessage, string?>? Group)
    {
        public static Reader For(MessageDescriptor descriptor, string methodIsAbout)
        {
            var resource = Field(descriptor, "resource");
            var group = Field(descriptor, "group");
            if (descriptor.FindFieldByName("name") is { FieldType: FieldType.String } name)
            {
                if (methodIsAbout == "group")
                {
                    group ??= m => NonEmpty(name.Accessor.GetValue(m));
                }
                else if (methodIsAbout == "resource")
                {
                    resource ??= m => NonEmpty(name.Accessor.GetValue(m));
                }
            }

            return new Reader(resource, group);
        }

        private static Func<IMessage, string?>? Field(MessageDescriptor descriptor, string fieldName) =>
            descriptor.FindFieldByName(fieldName) switch
            {
                { FieldType: FieldType.String, IsRepeated: false } field => m => NonEmpty(field.Accessor.GetValue(m)),
                { FieldType: FieldType.Message, IsRepeated: false } field
                    when field.MessageType.FindFieldByName("name") is { FieldType: FieldType.String } name =>
                    m => field.Accessor.GetValue(m) is IMessage inner ? NonEmpty(name.Accessor.GetValue(inner)) : null,
                _ => null,
            };

        private static string? NonEmpty(object? value) => value is string { Length: > 0 } text ? text : null;
    }
}
