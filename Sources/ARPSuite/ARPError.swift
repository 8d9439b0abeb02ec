/// Why an ARP command could not run: a bad endpoint, interface or address, named so the user can fix it.
package struct ARPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whether the user's command line was wrong (exit 2) rather than the system (exit 3).
    package enum Kind: Sendable, Equatable {
        case usage
        case environment
    }

    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { message }
}
