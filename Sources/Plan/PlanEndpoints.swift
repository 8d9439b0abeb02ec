/// Which endpoint names a plan uses that nothing knows, all of them at once.
package enum PlanEndpoints {
    /// Fails with every name used by an expectation that the plan does not declare and `isKnown` rejects: one
    /// error at the first of them whose message names each with its line and column, and what is known.
    package static func check(
        _ plan: Plan,
        known: [String],
        isKnown: (String) -> Bool
    ) throws(PlanError) {
        let declared = Set(plan.endpoints.map(\.name))
        var unknown: [EndpointReference] = []
        var verdicts: [String: Bool] = [:]
        for reference in plan.expectations.flatMap(\.references) where !declared.contains(reference.name) {
            let ok = verdicts[reference.name] ?? isKnown(reference.name)
            verdicts[reference.name] = ok
            if !ok { unknown.append(reference) }
        }
        guard let first = unknown.first else { return }
        let listed = unknown.map { "'\($0.name)' (\($0.location.line):\($0.location.column))" }
        let names = (plan.endpoints.map(\.name) + known).reduce(into: [String]()) { list, name in
            if !list.contains(name) { list.append(name) }
        }
        throw PlanError(
            first.location,
            "unknown endpoint\(unknown.count == 1 ? "" : "s") \(listed.joined(separator: ", ")); known: "
                + (names.isEmpty ? "none (declare them under endpoints:)" : names.joined(separator: ", "))
        )
    }
}
