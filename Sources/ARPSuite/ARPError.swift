/// Why an ARP command could not run: a bad endpoint, interface or address, named so the user can fix it.
public struct ARPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whether the user's command line was wrong (exit 2) rather than the system (exit 3).
    public enum Kind: Sendable, Equatable {
        case usage
        case environment
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
