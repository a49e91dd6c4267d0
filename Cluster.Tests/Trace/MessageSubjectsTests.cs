using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Rhs.V1;
using Cluster.Service.Trace;
using Google.Protobuf;

namespace Cluster.Tests.Trace;

public class MessageSubjectsTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(new OnlineRequest { Resource = "web-app" }, "/cluster.rhs.v1.ResourceHost/Online", "web-app", null)
            .SetName("rhs request names its resource");
        yield return new TestCaseData(new ResourceEvent { Resource = "db" }, "/cluster.rhs.v1.ResourceHost/WatchEvents", "db", null)
            .SetName("rhs event names its resource");
        yield return new TestCaseData(new MoveGroupRequest { Group = "web", To = "n2" }, "/cluster.admin.v1.ClusterAdmin/MoveGroup", null, "web")
            .SetName("group field");
        yield return new TestCaseData(new DeleteGroupRequest { Name = "web" }, "/cluster.admin.v1.ClusterAdmin/DeleteGroup", null, "web")
            .SetName("name in a method about a group");
        yield return new TestCaseData(new SetResourceRequest { Name = "db" }, "/cluster.admin.v1.ClusterAdmin/SetResource", "db", null)
            .SetName("name in a method about a resource");
        yield return new TestCaseData(new SetNodeRequest { Name = "n2" }, "/cluster.admin.v1.ClusterAdmin/SetNode", null, null)
            .SetName("name in a method about a node is neither");
        yield return new TestCaseData(
                new CreateGroupRequest { Group = new Protocol.Config.V1.Group { Name = "web" } }, "/cluster.admin.v1.ClusterAdmin/CreateGroup", null, "web")
            .SetName("nested group message");
        yield return new TestCaseData(new SetPersistentStateRequest { Resource = "db" }, "/cluster.admin.v1.ClusterAdmin/SetPersistentState", "db", null)
            .SetName("oneof target set to a resource");
        yield return new TestCaseData(new PingRequest(), "/cluster.rhs.v1.ResourceHost/Ping", null, null)
            .SetName("a message about nothing");
    }

    [TestCaseSource(nameof(Cases))]
    public void Reads_the_resource_and_group_a_message_is_about(IMessage message, string method, string? resource, string? group) =>
        Assert.That(MessageSubjects.Of(message, method), Is.EqualTo((resource, group)));
}
