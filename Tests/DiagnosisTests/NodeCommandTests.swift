import Testing
import Topology

@testable import Diagnosis

@Suite("Fix commands name the namespace the way ip netns knows it")
struct NodeCommandTests {
    @Test("a node registered under another name uses its /run/netns name")
    func registeredNode() {
        let host = NetworkNode(name: "host", kind: .netns, namespacePath: "/run/netns/lxcdiag-host")
        #expect(
            NodeCommand.tool("bridge", host, "link set dev veth-ct1 state 3")
                == "bridge -n lxcdiag-host link set dev veth-ct1 state 3"
        )
        #expect(NodeCommand.inside(host, "sysctl -w x=1") == "ip netns exec lxcdiag-host sysctl -w x=1")
    }

    @Test("a host that is a named namespace (the lab's) takes commands inside it")
    func registeredHost() {
        let host = NetworkNode(name: "host", kind: .host, namespacePath: "/run/netns/lxcdiag-host")
        #expect(NodeCommand.inside(host, "sysctl -w a=1") == "ip netns exec lxcdiag-host sysctl -w a=1")
        #expect(NodeCommand.tool("ip", host, "link") == "ip -n lxcdiag-host link")
        #expect(NodeCommand.tool("nft", host, "list ruleset") == "ip netns exec lxcdiag-host nft list ruleset")
    }

    @Test("the host runs commands plainly, containers through lxc-attach, processes through nsenter")
    func otherKinds() {
        #expect(NodeCommand.tool("ip", NetworkNode(name: "host", kind: .host), "link") == "ip link")
        #expect(NodeCommand.inside(NetworkNode(name: "ct1", kind: .lxc), "ip link") == "lxc-attach -n ct1 -- ip link")
        let process = NetworkNode(name: "pid42", kind: .process, namespacePath: "/proc/42/ns/net")
        #expect(NodeCommand.inside(process, "ip link") == "nsenter --net=/proc/42/ns/net ip link")
        #expect(NodeCommand.tool("ip", NetworkNode(name: "lab-ct1", kind: .netns), "link") == "ip -n lab-ct1 link")
        // An engine's container through its netns file, with the host's tools (its image may have no `ip`).
        let docker = NetworkNode(name: "docker:web", kind: .container, namespacePath: "/run/docker/netns/62a4957b4b56")
        #expect(NodeCommand.tool("ip", docker, "link") == "nsenter --net=/run/docker/netns/62a4957b4b56 ip link")
    }
}
