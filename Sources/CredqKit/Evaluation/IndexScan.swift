/// The indexes a listing's condition can use instead of looking at every entity: skills
/// taught, holders, prerequisites, names, kinds and providers, and the flat cost and weeks
/// arrays.
extension Evaluator {
    /// Entities that may meet a condition, found through an index, in ascending order; nil
    /// when only a scan of them all will do. Each is still checked against the condition.
    func candidates(_ condition: Condition, _ kind: EntityKind) throws(ScriptError) -> [Int]? {
        switch condition {
        case .and:
            // The smallest list any part gives.
            var best: [Int]?
            for part in Self.chain(condition, and: true) {
                if let found = try candidates(part, kind), found.count < (best?.count ?? .max) { best = found }
            }
            return best
        case .or:
            var union = Set<Int>()
            for part in Self.chain(condition, and: false) {
                guard let found = try candidates(part, kind) else { return nil }
                union.formUnion(found)
            }
            return union.sorted()
        case .teaches(let name, _, _, _) where kind == .credential:
            guard let skill = try? resolve(name, [.skill]).index else { return nil }
            return graph.taughtBy[skill].map(\.credential).sorted()
        case .holds(let name, _) where kind == .learner:
            guard let credential = try? resolve(name, [.credential]).index else { return nil }
            return Array(Set(graph.holders[credential].filter { counts(learner: $0.learner, holding: $0.holding) }.map(\.learner))).sorted()
        case .requires(let name, _) where kind == .credential:
            guard let credential = try? resolve(name, [.credential]).index else { return nil }
            var found = Set<Int>(), queue = [credential]
            while let c = queue.popLast() {
                for d in graph.requiredBy[c] where found.insert(d).inserted { queue.append(d) }
            }
            return found.sorted()
        case .compare(let field, .equal, let literal):
            return try equalCandidates(field, literal, kind)
        case .member(let field, let literals, negated: false, _):
            var union = Set<Int>()
            for literal in literals {
                guard let found = try equalCandidates(field, literal, kind) else { return nil }
                union.formUnion(found)
            }
            return union.sorted()
        default:
            return nil
        }
    }

    /// Whether `candidates` gives exactly the entities meeting the condition: a credential's
    /// kind or provider equal to a text (both compared without case, as `=` does).
    static func indexIsExact(_ condition: Condition, _ kind: EntityKind) -> Bool {
        guard kind == .credential, case .compare(let field, .equal, let literal) = condition, case .text = literal.form else { return false }
        return ["kind", "provider"].contains(field.name.lowercased())
    }

    /// The credentials that meet a condition made only of `cost` and `weeks` compared with
    /// numbers (one, or several joined by `and`), the first `atMost` of them, read from the
    /// flat arrays beside the credentials (8 bytes a credential where each credential is
    /// 192); nil for any other condition, which the general path then checks and explains.
    func flatMatches(_ condition: Condition, _ kind: EntityKind, atMost: Int) throws(ScriptError) -> [Int32]? {
        guard kind == .credential, graph.costByCredential.count == graph.credentials.count,
              graph.weeksByCredential.count == graph.credentials.count else { return nil }
        var tests: [(values: [Double], op: CompareOp, bound: Double)] = []
        for part in Self.chain(condition, and: true) {
            guard case .compare(let field, let op, let literal) = part, case .number(let bound) = try resolve(literal) else { return nil }
            switch field.name.lowercased() {
            case "cost": tests.append((graph.costByCredential, op, bound))
            case "weeks": tests.append((graph.weeksByCredential, op, bound))
            default: return nil
            }
        }
        var out: [Int32] = []
        guard atMost > 0 else { return out }
        for i in graph.credentials.indices {
            if i & 65535 == 0, isInterrupted() { throw ScriptError(.interrupted, nil) }
            guard tests.allSatisfy({ Self.compare($0.values[i], $0.op, $0.bound) }) else { continue }
            out.append(Int32(i))
            if out.count == atMost { break }
        }
        return out
    }

    /// Entities whose field may equal a text literal, for the fields with an index.
    func equalCandidates(_ field: Field, _ literal: Literal, _ kind: EntityKind) throws(ScriptError) -> [Int]? {
        guard case .text(let text) = try resolve(literal) else { return nil }
        let lowered = text.lowercased()
        switch (kind, field.name.lowercased()) {
        case (_, "name"):
            return graph.entities(named: lowered).filter { $0.kind == kind }.map(\.index).sorted()
        case (.credential, "kind"):
            return CredentialKind(rawValue: lowered).map { graph.credentials(of: $0) } ?? []
        case (.credential, "provider"):
            // Resolved as the condition resolves it (an id, a name, an alias...).
            guard let org = try? resolver.resolve(text, kinds: [.organization], range: literal.range) else { return nil }
            return graph.provided[org.index].sorted()
        default:
            return nil
        }
    }
}
