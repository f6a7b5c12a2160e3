import Foundation

/// `verify`: each holding's standing (signature, issuer key, revocation, dates) on a day.
extension Evaluator {
    func verify(_ who: NameRef?, on day: Day) throws(ScriptError) -> Table {
        var targets: [(learner: Int, holding: Int)] = []
        if let who {
            // A holding id, exactly; else a learner.
            var text: String?
            if case .words(let w) = who.spelling { text = w }
            if case .quoted(let q) = who.spelling { text = q }
            if let id = text, let found = holding(withID: id) {
                targets = [found]
            } else {
                let learner = try resolve(who, [.learner]).index
                targets = graph.learners[learner].holdings.indices.map { (learner, $0) }
            }
        } else {
            for (l, learner) in graph.learners.enumerated() { for h in learner.holdings.indices { targets.append((l, h)) } }
        }
        let verifier = HoldingVerifier(graph: graph)
        var rows: [Row] = []
        for (i, t) in targets.enumerated() {
            if i & 1023 == 0, isInterrupted() { throw ScriptError(.interrupted, nil) }
            let holding = graph.learners[t.learner].holdings[t.holding]
            let result = verifier.verify(learner: t.learner, holdingAt: t.holding, on: day)
            let credential = graph.credentials[holding.credential]
            rows.append(Row([Schema.entity(graph, .learner, t.learner), Schema.entity(graph, .credential, holding.credential),
                             Schema.entity(graph, .organization, credential.provider), .text(holding.id),
                             result.keyID.map(Value.text) ?? .null, .text(result.status.rawValue), .text(result.reason)]))
        }
        return Table(columns: ["learner", "credential", "issuer", "holding", "key_id", "status", "reason"], rows: rows)
    }

    func holding(withID id: String) -> (learner: Int, holding: Int)? {
        for (l, learner) in graph.learners.enumerated() {
            if let h = learner.holdings.firstIndex(where: { $0.id == id }) { return (l, h) }
        }
        return nil
    }
}
