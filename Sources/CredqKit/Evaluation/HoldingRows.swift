/// Holdings as rows: `credentials of LEARNER` (what the learner holds, as the trust setting
/// counts it) and `holdings` (every holding of every learner, with whether it counts).
extension Evaluator {
    /// A holding's verification status on the session's day, found once and kept.
    func status(learner: Int, holding: Int) -> VerificationStatus {
        if let ledger { return ledger.status(graph, learner: learner, holding: holding) }
        return HoldingVerifier(graph: graph).verify(learner: learner, holdingAt: holding, on: verificationDay ?? Day.today).status
    }

    /// `credentials of LEARNER`: one row per counted holding, the credential's listing columns
    /// and then the holding's id, dates and status. The rows stand for the credentials, so
    /// every credential field can be selected and filtered on.
    func credentialsOf(_ learner: Int) -> Table {
        let columns = Schema.defaultColumns(of: .credential)
        let specs = columns.map { Schema.field($0, of: .credential)! }
        var rows: [Row] = []
        for (h, holding) in graph.learners[learner].holdings.enumerated() where counts(learner: learner, holding: h) {
            let cells = specs.map { $0.get(graph, holding.credential) } + [
                .text(holding.id), .date(holding.issued), graph.expiry(of: holding).map(Value.date) ?? .null,
                .text(status(learner: learner, holding: h).rawValue),
            ]
            rows.append(Row(cells, entity: EntityRef(kind: .credential, index: holding.credential)))
        }
        var table = Table(columns: columns + ["holding", "issued", "expires", "status"], rows: rows, entityKind: .credential)
        table.enumeratedColumns = ["status"]
        table.rowNoun = "holding"
        return table
    }

    /// `holdings [where C]`: every holding, whatever the trust setting, with `counted` saying
    /// whether the setting counts it.
    func holdings(_ condition: Condition?) throws(ScriptError) -> Table {
        var rows: [Row] = []
        for (l, learner) in graph.learners.enumerated() {
            if l & 1023 == 0, isInterrupted() { throw ScriptError(.interrupted, nil) }
            for (h, holding) in learner.holdings.enumerated() {
                let status = status(learner: l, holding: h)
                rows.append(Row([
                    .text(holding.id), entity(.learner, l), entity(.credential, holding.credential),
                    entity(.organization, graph.credentials[holding.credential].provider), .date(holding.issued),
                    graph.expiry(of: holding).map(Value.date) ?? .null, .text(status.rawValue), .bool(trust.counts(status)),
                ]))
            }
        }
        var table = Table(columns: ["id", "learner", "credential", "provider", "issued", "expires", "status", "counted"], rows: rows)
        table.enumeratedColumns = ["status"]
        table.rowNoun = "holding"
        guard let condition else { return table }
        let keep = try compile(condition, for: table)
        var kept: [Row] = []
        for row in table.rows where try keep(row) { kept.append(row) }
        table.rows = kept
        return table
    }
}
