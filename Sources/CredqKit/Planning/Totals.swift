import Foundation

/// What a credential really takes from nothing (`total_cost`, `total_weeks`): the cheapest
/// stack toward it, as `stacks toward` defines and ranks stacks by cost, with no holdings. Its
/// own fee is part of that stack, so a composite whose own fee is 0 is not "free". Found when
/// first asked for, and kept with the graph.
final class Totals: @unchecked Sendable {
    struct Total: Sendable {
        var cost: Double
        var weeks: Double
        /// The stack, in study order.
        var stack: [Int]
    }

    private let lock = NSLock()
    private var known: [Int: Total?] = [:]
    /// Credentials whose search stopped at its budget: their totals are unknown, and say so.
    private var unknown: [Int] = []

    /// The credential's total, or nil when no stack reaches it (or its search ran out).
    func total(_ graph: Graph, _ c: Int) -> Total? {
        lock.lock()
        if let found = known[c] {
            lock.unlock()
            return found
        }
        lock.unlock()
        let credential = graph.credentials[c]
        var result: Total?
        if credential.requires.isEmpty, credential.stack == nil {
            result = Total(cost: credential.cost, weeks: credential.weeks, stack: [c])
        } else {
            var options = Planner.Options()
            options.limit = 1
            do {
                let best = try Planner(graph: graph, target: .credential(c), held: [], options: options).plan()
                result = best.first.map { Total(cost: $0.cost, weeks: $0.weeks, stack: $0.credentials) }
            } catch .budgetExhausted {
                lock.lock()
                unknown.append(c)
                lock.unlock()
            } catch {
                result = nil
            }
        }
        lock.lock()
        known[c] = .some(result)
        lock.unlock()
        return result
    }

    /// A note naming the credentials whose totals were left unknown since the last call.
    func notice(_ graph: Graph) -> String? {
        lock.lock()
        let missed = unknown
        unknown = []
        lock.unlock()
        guard !missed.isEmpty else { return nil }
        let names = missed.prefix(3).map { "\"\(graph.credentials[$0].name)\"" }.joined(separator: ", ")
        let more = missed.count > 3 ? " and \(missed.count - 3) more" : ""
        return "note: total_cost and total_weeks unknown (shown empty) for \(names)\(more): the search for the cheapest stack stopped at its budget of \(Planner.Options().stateBudget) states\n"
    }
}
