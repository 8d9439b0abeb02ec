import Glibc

/// A network namespace, named the ways an operator names one.
package enum NetworkNamespace: Sendable, Hashable, CustomStringConvertible {
    /// The namespace lxcdiag itself runs in.
    case current
    /// A named namespace under /run/netns, as `ip netns` makes them.
    case named(String)
    /// The namespace of a process, such as a container's init.
    case pid(Int32)
    /// Any file that refers to a namespace (a bind mount or /proc/PID/ns/net).
    case path(String)

    /// The file that refers to this namespace, or nil for the current one.
    package var filePath: String? {
        switch self {
        case .current: nil
        case .named(let name): "/run/netns/\(name)"
        case .pid(let pid): "/proc/\(pid)/ns/net"
        case .path(let path): path
        }
    }

    package var description: String {
        switch self {
        case .current: "the current namespace"
        case .named(let name): "netns \(name)"
        case .pid(let pid): "pid \(pid)"
        case .path(let path): path
        }
    }

    /// The kernel's identity of the namespace (device and inode), to tell whether two names are one namespace.
    package func identity() throws -> NamespaceIdentity {
        // thread-self: a thread switched by withNetworkNamespace reports where it is, not where the process is.
        let path = filePath ?? "/proc/thread-self/ns/net"
        let fd: Int32
        do { fd = try Syscall.open(path, flags: O_RDONLY) } catch { throw NamespaceError(self, error) }
        defer { Syscall.close(fd) }
        do {
            let status = try Syscall.fileStatus(fd, path: path)
            return NamespaceIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        } catch {
            throw NamespaceError(self, error)
        }
    }
}

/// The device and inode that identify a namespace.
package struct NamespaceIdentity: Sendable, Hashable {
    package var device: UInt64
    package var inode: UInt64
}

/// A namespace that could not be entered.
package struct NamespaceError: Error, Sendable, CustomStringConvertible {
    package var namespace: NetworkNamespace
    package var underlying: SystemError

    init(_ namespace: NetworkNamespace, _ underlying: SystemError) {
        self.namespace = namespace
        self.underlying = underlying
    }

    package var isMissing: Bool { underlying.code == ENOENT }
    package var isPermissionDenied: Bool { underlying.isPermissionDenied }

    package var description: String {
        if isMissing { return "\(namespace) does not exist (\(namespace.filePath ?? "?") is missing)" }
        if isPermissionDenied { return "cannot enter \(namespace): permission denied (run as root)" }
        return "cannot enter \(namespace): \(underlying)"
    }
}

/// Runs `body` on a dedicated thread inside `namespace` and blocks until it returns.
///
/// Everything `body` opens (sockets, pcap handles) stays bound to that namespace and may be used from any
/// thread afterwards. The thread ends when `body` returns, so no other code ever runs in the switched thread.
/// This is the one place lxcdiag calls `setns`.
package func withNetworkNamespace<T>(
    _ namespace: NetworkNamespace,
    _ body: @escaping @Sendable () throws -> T
) throws -> T {
    try DedicatedThread.run(name: "netns \(namespace)") {
        try enterNetworkNamespace(namespace)
        return try body()
    }
}

/// Runs `body` on a dedicated thread inside `namespace` and suspends until it returns.
package func withNetworkNamespace<T: Sendable>(
    _ namespace: NetworkNamespace,
    _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    try await DedicatedThread.run(name: "netns \(namespace)") {
        try enterNetworkNamespace(namespace)
        return try body()
    }
}

/// Runs `body(index)` inside `namespaces[index]` for every index, each on a dedicated thread of its own, and
/// waits for all; results in index order (a namespace that cannot be entered gives its `NamespaceError`).
package func mapInNetworkNamespaces<T>(
    _ namespaces: [NetworkNamespace],
    name: String,
    _ body: @escaping @Sendable (Int) throws -> T
) -> [Result<T, any Error>] {
    DedicatedThread.map(namespaces.count, name: name) { index in
        try enterNetworkNamespace(namespaces[index])
        return try body(index)
    }
}

/// Runs `body(index)` inside `namespaces[index]` for every index on at most `maxThreads` dedicated threads, each
/// switching from one namespace to the next; results in index order (a namespace that cannot be entered gives its
/// `NamespaceError` and `body` does not run for it).
///
/// For reading many namespaces (a host with a thousand containers): a thread per namespace costs a thread start
/// each, this a `setns` each. `.current` is the namespace the calling thread is in, as everywhere: a worker
/// returns there for it. The workers end when all is done, so no other code runs in a switched thread.
package func mapInNetworkNamespaces<T>(
    _ namespaces: [NetworkNamespace],
    name: String,
    maxThreads: Int,
    _ body: @escaping @Sendable (Int) throws -> T
) -> [Result<T, any Error>] {
    guard !namespaces.isEmpty else { return [] }
    // The caller's namespace, for `.current`: a descriptor any worker can switch back to.
    let callers = Result { () throws(SystemError) in
        try FileDescriptor.open("/proc/thread-self/ns/net", flags: O_RDONLY)
    }
    return DedicatedThread.map(namespaces.count, name: name, maxThreads: maxThreads) { index in
        let namespace = namespaces[index]
        if namespace.filePath == nil {
            do throws(SystemError) {
                try Syscall.setNetworkNamespace(callers.get().rawValue, path: "/proc/thread-self/ns/net")
            } catch {
                throw NamespaceError(.current, error)
            }
        } else {
            try enterNetworkNamespace(namespace)
        }
        return try body(index)
    }
}

/// Starts a long-lived dedicated thread inside `namespace` (for capture loops); errors entering it are
/// passed to `body` as a failed result so the caller can report them.
package func startThread(
    in namespace: NetworkNamespace,
    name: String,
    _ body: @escaping @Sendable (Result<Void, any Error>) -> Void
) {
    DedicatedThread.start(name: name) {
        do {
            try enterNetworkNamespace(namespace)
            body(.success(()))
        } catch {
            body(.failure(error))
        }
    }
}

private func enterNetworkNamespace(_ namespace: NetworkNamespace) throws {
    guard let path = namespace.filePath else { return }
    let fd: Int32
    do { fd = try Syscall.open(path, flags: O_RDONLY) } catch { throw NamespaceError(namespace, error) }
    defer { Syscall.close(fd) }
    do { try Syscall.setNetworkNamespace(fd, path: path) } catch { throw NamespaceError(namespace, error) }
}
