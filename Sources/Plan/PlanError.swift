/// Why a plan cannot be used: where, and what to change. Printed as `FILE:LINE:COLUMN: message`.
package struct PlanError: Error, Sendable, Hashable, CustomStringConvertible {
    package var location: SourceLocation
    package var message: String

    package init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    package var description: String { "\(location): \(message)" }
}
