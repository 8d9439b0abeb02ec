import Foundation
import Testing

/// A program found on PATH, or nil.
func onPath(_ name: String) -> String? {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

@Suite("contrib: systemd units and the Ansible role")
struct ContribTests {
    @Test("the service and timer pass systemd-analyze verify", .enabled(if: onPath("systemd-analyze") != nil))
    func systemdUnits() throws {
        let folder = NSTemporaryDirectory() + "lxcdiag-units-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // verify checks that the timer's unit exists: both are copied side by side, as they are installed.
        for unit in ["lxcdiag-check.service", "lxcdiag-check.timer"] {
            try FileManager.default.copyItem(
                atPath: "\(repository)/contrib/systemd/\(unit)",
                toPath: "\(folder)/\(unit)"
            )
        }
        let (status, output, error) = try Binary.command(
            [onPath("systemd-analyze")!, "verify", "\(folder)/lxcdiag-check.service", "\(folder)/lxcdiag-check.timer"],
            []
        )
        #expect(status == 0, "\(output)\(error)")
        #expect(!error.contains("lxcdiag-check"), "\(error)")
        // The command the service runs is one lxcdiag accepts (it refuses a bad option with exit 2).
        let unit = try String(contentsOfFile: "\(repository)/contrib/systemd/lxcdiag-check.service", encoding: .utf8)
        #expect(unit.contains("check --retry-timeout 20s --sleep 2s --prometheus "))
        let (helpStatus, _, _) = try Binary.run(["check", "--retry-timeout", "20s", "--sleep", "2s", "--help"])
        #expect(helpStatus == 0)
    }

    @Test(
        "the playbook installs lxcdiag and a plan, checks, fetches JUnit, and fails the play on a failed expectation",
        .enabled(if: isRoot && onPath("ansible-playbook") != nil, "root and ansible-core (pip install ansible-core)")
    )
    func ansiblePlaybook() throws {
        let lab = CheckLab()
        defer { lab.down() }
        try lab.up()
        let folder = NSTemporaryDirectory() + "\(lab.name)-ansible"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let python = try Binary.command(["/usr/bin/env", "python3", "-c", "import sys; print(sys.executable)"], [])
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        let variables: [String: Any] = [
            "lxcdiag_binary": Binary.path, "lxcdiag_install_path": "\(folder)/bin/lxcdiag",
            "lxcdiag_plans": ["\(repository)/probes/lab-veth.yaml"], "lxcdiag_plan_dir": "\(folder)/plans",
            "lxcdiag_junit_path": "\(folder)/var/check.xml",
            "lxcdiag_prometheus_path": "\(folder)/textfile/lxcdiag.prom",
            "lxcdiag_junit_dest": "\(folder)/junit", "lxcdiag_check_args": ["--endpoints", lab.endpoints],
            "lxcdiag_hosts": "localhost", "ansible_python_interpreter": python,
        ]
        try JSONSerialization.data(withJSONObject: variables).write(to: URL(fileURLWithPath: "\(folder)/vars.json"))
        func play() throws -> (status: Int32, output: String, error: String) {
            try Binary.command(
                [
                    "/usr/bin/env", "ANSIBLE_ROLES_PATH=\(repository)/contrib/ansible/roles", "ANSIBLE_NOCOLOR=1",
                    onPath("ansible-playbook")!, "-i", "localhost,", "-c", "local",
                    "\(repository)/contrib/ansible/playbook.yml", "-e", "@\(folder)/vars.json",
                ],
                []
            )
        }
        let healthy = try play()
        #expect(healthy.status == 0, "\(healthy.output)\(healthy.error)")
        #expect(FileManager.default.isExecutableFile(atPath: "\(folder)/bin/lxcdiag"))
        #expect(FileManager.default.fileExists(atPath: "\(folder)/plans/lab-veth.yaml"))
        let junit = try String(contentsOfFile: "\(folder)/junit/localhost.xml", encoding: .utf8)
        #expect(junit.contains("<testsuite name=\"lab-veth\" tests=\"11\" failures=\"0\""))
        let textfile = try String(contentsOfFile: "\(folder)/textfile/lxcdiag.prom", encoding: .utf8)
        #expect(textfile.contains("lxcdiag_check_success{plan=\"lab-veth\",expectation=\"reach ext->ct1\""))
        try lab.fault("break", "container-mtu")
        let broken = try play()
        try lab.fault("fix", "container-mtu")
        #expect(broken.status == 2, "\(broken.output)")
        #expect(
            broken.output.contains("lxcdiag check failed on localhost") && broken.output.contains("mtu ext->ct1>=1500")
        )
        let failed = try String(contentsOfFile: "\(folder)/junit/localhost.xml", encoding: .utf8)
        #expect(failed.contains("failures=\"2\"") && failed.contains("type=\"MTU_MISMATCH\""))
    }
}
