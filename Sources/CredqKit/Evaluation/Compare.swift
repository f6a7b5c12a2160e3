/// `compare`: credentials side by side, a row a property.
extension Evaluator {
    func compare(_ credentials: [Int]) -> Table {
        let creds = credentials.map { graph.credentials[$0] }
        func names(_ kind: EntityKind, _ ids: [Int]) -> Value { Schema.entities(graph, kind, ids) }
        let aspects: [(String, (Int, Credential) -> Value)] = [
            ("kind", { _, c in .text(c.kind.rawValue) }),
            ("provider", { _, c in self.entity(.organization, c.provider) }),
            ("weeks", { _, c in .number(c.weeks) }),
            ("cost", { _, c in .text("\(Value.format(c.cost)) \(c.currency)") }),
            ("credits", { _, c in .number(c.credits) }),
            ("skills taught", { _, c in .list(c.teaches.map { self.skillLevel($0.skill, $0.level) }) }),
            ("accredited by", { _, c in names(.organization, c.accreditedBy) }),
            ("recognized by", { _, c in names(.organization, c.recognizedBy) }),
            ("stacks into", { i, _ in names(.credential, self.graph.partOf[i]) }),
            ("verifiable", { i, c in
                let signed = self.graph.holders[i].contains { self.graph.learners[$0.learner].holdings[$0.holding].proof != nil }
                let keys = !self.graph.organizations[c.provider].keys.isEmpty
                return .text(signed && keys ? "yes: signed holdings, issuer keys published" : keys ? "issuer keys published" : "no")
            }),
        ]
        var rows = aspects.map { aspect in
            Row([.text(aspect.0)] + zip(credentials, creds).map { aspect.1($0, $1) })
        }
        // What each really takes from nothing: the one cheapest stack toward it, its total
        // cost and weeks, and which stack that is.
        let totals = credentials.map { graph.totals.total(graph, $0) }
        rows.insert(Row([.text("total cost")] + zip(totals, creds).map { t, c in
            t.map { .text("\(Value.format($0.cost)) \(c.currency)") } ?? .null
        }), at: 4)
        rows.insert(Row([.text("total weeks")] + totals.map { t in t.map { .number($0.weeks) } ?? .null }), at: 3)
        rows.insert(Row([.text("cheapest stack")] + totals.map { t in t.map { names(.credential, $0.stack) } ?? .text("none: it cannot be earned") }), at: 6)
        return Table(columns: ["aspect"] + creds.map(\.name), rows: rows)
    }
}
