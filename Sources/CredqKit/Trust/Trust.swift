import Foundation

/// Which holdings count in answers about learners (`.trust`, `--trust`): their skills, what
/// they hold, who holds what, their gaps and their plans.
public enum Trust: String, Sendable, CaseIterable {
    /// Every holding.
    case any
    /// A holding counts unless its verification refutes it (the default).
    case unrefuted
    /// Only holdings whose proof verifies.
    case verified

    /// Whether a holding with this verification status counts.
    public func counts(_ status: VerificationStatus) -> Bool {
        if status == .assumed { return true }
        return switch self {
        case .any: true
        case .verified: status == .valid
        case .unrefuted: !Self.refuting.contains(status)
        }
    }

    /// What says a holding is not (or no longer, or not yet) what it claims.
    static let refuting: Set<VerificationStatus> = [.tampered, .revoked, .suspended, .expired, .notYetValid, .malformed]
}

/// The holdings' verification statuses on one day, each found when first needed and kept
/// (a signature is checked once a session, not once a question); and the holdings the current
/// statement left out, for the one notice it gives.
final class TrustLedger: @unchecked Sendable {
    struct Key: Hashable {
        var learner: Int32
        var holding: Int32
    }

    let day: Day
    private let lock = NSLock()
    private var statuses: [Key: VerificationStatus] = [:]
    private var leftOut: [Key: VerificationStatus] = [:]
    private var leftOutOrder: [Key] = []

    init(day: Day) { self.day = day }

    func status(_ graph: Graph, learner: Int, holding: Int) -> VerificationStatus {
        let key = Key(learner: Int32(learner), holding: Int32(holding))
        lock.lock()
        if let known = statuses[key] {
            lock.unlock()
            return known
        }
        lock.unlock()
        let status = HoldingVerifier(graph: graph).verify(learner: learner, holdingAt: holding, on: day).status
        lock.lock()
        statuses[key] = status
        lock.unlock()
        return status
    }

    /// Notes a holding an answer did not count.
    func leave(learner: Int, holding: Int, _ status: VerificationStatus) {
        let key = Key(learner: Int32(learner), holding: Int32(holding))
        lock.lock()
        defer { lock.unlock() }
        if leftOut.updateValue(status, forKey: key) == nil { leftOutOrder.append(key) }
    }

    /// The notice for the holdings left out since the last call (nil when none were), and a
    /// fresh start for the next statement.
    func notice(_ graph: Graph) -> String? {
        lock.lock()
        let keys = leftOutOrder, statuses = leftOut
        leftOut = [:]
        leftOutOrder = []
        lock.unlock()
        guard !keys.isEmpty else { return nil }
        let shown = keys.prefix(5).map { key -> String in
            let learner = graph.learners[Int(key.learner)]
            let credential = graph.credentials[learner.holdings[Int(key.holding)].credential]
            return "\(credential.name) (\(learner.name)) — \(statuses[key]!.rawValue)"
        }
        let more = keys.count > 5 ? ", and \(keys.count - 5) more" : ""
        let counted = keys.count == 1 ? "holding not counted" : "holdings not counted"
        let them = keys.count == 1 ? "it" : "them"
        return "note: \(keys.count) \(counted): \(shown.joined(separator: ", "))\(more); .trust any counts \(them)\n"
    }
}

extension Evaluator {
    /// Whether one of a learner's holdings counts under the trust setting; one that does not
    /// is noted for the statement's notice.
    func counts(learner: Int, holding: Int) -> Bool {
        guard trust != .any, let ledger else { return true }
        let status = ledger.status(graph, learner: learner, holding: holding)
        if trust.counts(status) { return true }
        ledger.leave(learner: learner, holding: holding, status)
        return false
    }

    /// The credentials a learner's counted holdings are for, each once, in holding order.
    func countedCredentials(of learner: Int) -> [Int] {
        guard trust != .any, ledger != nil else { return graph.heldCredentials(of: learner) }
        var seen = Set<Int>()
        var out: [Int] = []
        for (h, holding) in graph.learners[learner].holdings.enumerated() where counts(learner: learner, holding: h) {
            if seen.insert(holding.credential).inserted { out.append(holding.credential) }
        }
        return out
    }
}
