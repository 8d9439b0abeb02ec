/// Why a trace could not run or finish.
package struct TraceError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable, Hashable {
        /// The plan cannot be run as given (no target address, no source address).
        case badPlan
        /// A capture point's interface is missing or vanished while the trace ran.
        case interfaceGone
        /// A capture could not be opened or failed for another reason.
        case captureFailed
        /// The probe could not be sent from the source.
        case sendFailed
        /// Kernel state (addresses, neighbours) could not be read.
        case unreadableState
    }

    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { message }
}
