import ArgumentParser
import Foundation
import LabFaults
import NetworkModel

/// What the shell completions offer (`lxcdiag --generate-completion-script bash|zsh|fish`): lxcdiag itself is
/// asked at completion time, so the lists are this host's: endpoints, faults, namespaces, labs.
///
/// Completers run without root and without touching the network: they read the endpoint file, /run/netns,
/// the LXC folder and the lab records, never rtnetlink.
enum Completions {
    /// `--from`, `--to` and endpoint arguments: `host`, the endpoint file's names, LXC containers,
    /// `netns:NAME` for every named namespace.
    static let endpoints = CompletionKind.custom { words, _, prefix in
        matching(prefix, endpointNames(endpointFile: value(of: "--endpoints", in: words)))
    }

    /// `lab break` / `lab fix`: the faults the lab can make.
    static let faults = CompletionKind.custom { _, _, prefix in
        matching(prefix, LabFaultCatalogue.all.map(\.name))
    }

    /// `-n/--netns`: the namespaces under /run/netns.
    static let namespaces = CompletionKind.custom { _, _, prefix in matching(prefix, namespaceNames()) }

    /// `lab ... --name`: the labs recorded under /run/lxcdiag/labs.
    static let labs = CompletionKind.custom { _, _, prefix in
        let records = (try? FileManager.default.contentsOfDirectory(atPath: "/run/lxcdiag/labs")) ?? []
        let names = records.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".endpoints.json") }
            .map { String($0.dropLast(".json".count)) }
        return matching(prefix, names)
    }

    /// `check PLAN...` and `trace --plan`: YAML plan files (`*.yaml`, `*.yml`) and the folders on the way to
    /// them (with a trailing `/`), under the folder typed so far; hidden entries only when a `.` is typed.
    static let planFiles = CompletionKind.custom { _, _, prefix in planFileCandidates(prefix) }

    /// The plan files and folders `prefix` can grow into, sorted, folders with a trailing `/`.
    static func planFileCandidates(_ prefix: String, in base: String = ".") -> [String] {
        let folder = prefix.contains("/") ? String(prefix[...(prefix.lastIndex(of: "/") ?? prefix.startIndex)]) : ""
        let partial = String(prefix.dropFirst(folder.count))
        let listed = folder.hasPrefix("/") ? folder : base + "/" + folder
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: listed.isEmpty ? "/" : listed)) ?? []
        var candidates: [String] = []
        for entry in entries.sorted() where entry.hasPrefix(partial) {
            if entry.hasPrefix(".") && !partial.hasPrefix(".") { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: listed + "/" + entry, isDirectory: &isDirectory) else {
                continue
            }
            if isDirectory.boolValue {
                candidates.append(folder + entry + "/")
            } else if entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
                candidates.append(folder + entry)
            }
        }
        return candidates
    }

    /// Every endpoint name the commands accept here, `host` first.
    static func endpointNames(endpointFile: String?) -> [String] {
        let path =
            endpointFile ?? ProcessInfo.processInfo.environment[EndpointRegistry.environmentVariable]
            ?? EndpointRegistry.defaultPath
        let registered = ((try? EndpointRegistry.load(from: path))?.endpoints ?? []).map(\.name)
        let containers = ((try? FileManager.default.contentsOfDirectory(atPath: "/var/lib/lxc")) ?? []).filter {
            FileManager.default.fileExists(atPath: "/var/lib/lxc/\($0)/config")
        }
        var seen = Set<String>()
        return (["host"] + registered + containers.sorted() + namespaceNames().map { "netns:\($0)" })
            .filter { seen.insert($0).inserted }
    }

    private static func namespaceNames() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).sorted()
    }

    private static func matching(_ prefix: String, _ names: [String]) -> [String] {
        names.filter { $0.hasPrefix(prefix) }
    }

    /// The value given to `option` on the command line being completed (`--endpoints FILE` or `--endpoints=FILE`).
    private static func value(of option: String, in words: [String]) -> String? {
        for (index, word) in words.enumerated() {
            if word == option, index + 1 < words.count { return words[index + 1] }
            if word.hasPrefix(option + "=") { return String(word.dropFirst(option.count + 1)) }
        }
        return nil
    }
}
