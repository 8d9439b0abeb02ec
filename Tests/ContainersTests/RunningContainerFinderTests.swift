import Glibc
import Testing

@testable import Containers

@Suite("Finding running containers' init processes in the process table")
struct RunningContainerFinderTests {
    private func process(
        _ pid: Int32,
        parent: Int32,
        _ commandLine: String,
        cgroups: [String] = ["/"],
        inner: Int32? = nil
    ) -> ProcessRecord {
        ProcessRecord(
            pid: pid,
            parentPid: parent,
            commandLine: commandLine,
            cgroups: cgroups,
            innermostPid: inner ?? pid
        )
    }

    @Test("the monitor's child that is pid 1 inside is the init, without any cgroup")
    func viaMonitor() {
        let table = [
            process(1, parent: 0, "/sbin/init"),
            process(500, parent: 1, "[lxc monitor] /var/lib/lxc ct1"),
            process(501, parent: 500, "/sbin/init", inner: 1),
            process(502, parent: 501, "/bin/sh /etc/init.d/rcS", inner: 2),
            process(600, parent: 1, "[lxc monitor] /srv/lxc ct2"),
            process(601, parent: 600, "init", inner: 1),
        ]
        let found = RunningContainerFinder.find(in: table)
        #expect(found.map(\.name) == ["ct1", "ct2"])
        #expect(found.map(\.initPid) == [501, 601])
        #expect(found.map(\.lxcpath) == ["/var/lib/lxc", "/srv/lxc"])
    }

    @Test("without a monitor, the lxc.payload.NAME cgroup names the container (v1 nested and v2)")
    func viaCgroup() {
        let table = [
            process(700, parent: 1, "init", cgroups: ["/lxc.payload.ct3", "/x/lxc.payload.ct3/init.scope"], inner: 1),
            process(701, parent: 700, "sh", cgroups: ["/lxc.payload.ct3"], inner: 5),
            process(800, parent: 1, "sleep", cgroups: ["/lxc.payload.ct4/sub"], inner: 9),
            process(799, parent: 1, "sh", cgroups: ["/lxc.payload.ct4"], inner: 3),
            process(900, parent: 1, "x", cgroups: ["/lxc.monitor.ct3"]),
        ]
        let found = RunningContainerFinder.find(in: table)
        #expect(found.map(\.name) == ["ct3", "ct4"])
        // ct3's init is pid 1 inside; ct4 has none, so the lowest pid stands in.
        #expect(found.map(\.initPid) == [700, 799])
    }

    @Test("the process table of this machine reads, and lxcdiag's own process is in it")
    func ownProcess() {
        let me = ProcessTable.read(pid: getpid())
        #expect(me != nil)
        #expect(me?.parentPid == getppid())
    }
}
