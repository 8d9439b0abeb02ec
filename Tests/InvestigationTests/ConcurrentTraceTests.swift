import Containers
import ExpectedPath
import Foundation
import Investigation
import LinuxNet
import NetworkModel
import TestSupport
import Testing
import Trace

/// `lxcdiag check` runs many traces at once in one process: the pipeline keeps no state between calls.
@Suite("Investigation: two traces at once", .enabled(if: getuid() == 0, "needs root: builds namespaces"))
struct ConcurrentTraceTests {
    @Test("two traces over one path run concurrently in one process; each is reachable with its own run")
    func twoTracesAtOnce() throws {
        let lab = try VethPairLab()
        defer { lab.tearDown() }
        let (from, to) = ("netns:\(lab.left)", "netns:\(lab.right)")
        // One request each: a request's options carry the run marker that tells its frames from the other's.
        let requests = (0..<2).map { _ in
            TraceRequest(from: from, to: to) {
                EndpointResolver(
                    hostNamespace: .current,
                    registry: EndpointRegistry(endpoints: []),
                    inventory: ContainerInventory.scan()
                )
            }
        }
        let reports = try DedicatedThread.map(requests.count, name: "investigation") { index in
            try Investigation.trace(requests[index])
        }.map { try $0.get() }
        #expect(reports.map(\.report.verdict) == [.reachable, .reachable])
        #expect(reports[0].report.runID != reports[1].report.runID)
        #expect(reports.map { $0.path?.reachable } == [true, true])
        #expect(reports.map { $0.report.findings.map(\.code) } == [[], []])
        #expect(reports.map(\.failed) == [false, false])
    }
}
