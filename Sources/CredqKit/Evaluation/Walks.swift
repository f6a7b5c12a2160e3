/// Walking the graph: what an entity teaches or needs, who teaches a skill or holds a
/// credential, a credential's prerequisites in study order and its parts as a tree, a role's
/// related roles.
extension Evaluator {
    func skillsOf(_ ref: EntityRef) throws(ScriptError) -> Table {
        func skillRow(_ s: Int, _ level: Int, _ extra: [Value] = []) -> Row {
            Row([.text(graph.skills[s].id), .text(graph.skills[s].name), .number(Double(level)),
                 graph.skills[s].category.map(Value.text) ?? .null] + extra,
                entity: EntityRef(kind: .skill, index: s))
        }
        switch ref.kind {
        case .credential:
            let rows = graph.credentials[ref.index].teaches.sorted { $0.level > $1.level }.map { skillRow($0.skill, $0.level) }
            return Table(columns: ["id", "name", "level", "category"], rows: rows, entityKind: .skill)
        case .role:
            let rows = graph.roles[ref.index].needs.sorted { $0.level > $1.level }.map { skillRow($0.skill, $0.level) }
            return Table(columns: ["id", "name", "level", "category"], rows: rows, entityKind: .skill)
        default:
            let best = graph.skillLevels(of: countedCredentials(of: ref.index))
            let rows = best.sorted { a, b in
                a.value.level != b.value.level ? a.value.level > b.value.level : graph.skills[a.key].name < graph.skills[b.key].name
            }.map { skillRow($0.key, $0.value.level, [entity(.credential, $0.value.from)]) }
            return Table(columns: ["id", "name", "level", "category", "from"], rows: rows, entityKind: .skill)
        }
    }

    func credentialsTeaching(_ skill: Int) -> Table {
        let rows = graph.taughtBy[skill].map { t in
            let c = graph.credentials[t.credential]
            return Row([.text(c.id), .text(c.name), .number(Double(t.level)), entity(.organization, c.provider),
                        .number(c.cost), .number(c.weeks)],
                       entity: EntityRef(kind: .credential, index: t.credential))
        }
        return Table(columns: ["id", "name", "level", "provider", "cost", "weeks"], rows: rows, entityKind: .credential)
    }

    func holdersOf(_ credential: Int) -> Table {
        let rows: [Row] = graph.holders[credential].filter { counts(learner: $0.learner, holding: $0.holding) }.map { h in
            let learner = graph.learners[h.learner]
            let holding = learner.holdings[h.holding]
            return Row([.text(learner.id), .text(learner.name), .date(holding.issued),
                        graph.expiry(of: holding).map(Value.date) ?? .null, .text(holding.id)],
                       entity: EntityRef(kind: .learner, index: h.learner))
        }
        return Table(columns: ["id", "name", "issued", "expires", "holding"], rows: rows, entityKind: .learner)
    }

    /// The role's related roles, nearest first, as the graph lists them.
    func relatedRoles(_ role: Int) -> Table {
        let rows = graph.roles[role].related.enumerated().map { rank, r in
            let related = graph.roles[r]
            return Row([.number(Double(rank + 1)), .text(related.id), .text(related.name), related.onet.map(Value.text) ?? .null],
                       entity: EntityRef(kind: .role, index: r))
        }
        return Table(columns: ["rank", "id", "name", "onet"], rows: rows, entityKind: .role)
    }

    func prerequisitesOf(_ credential: Int) -> Table {
        let order = graph.prerequisiteOrder(of: credential)
        let inOrder = Set(order)
        let rows = order.enumerated().map { step, c in
            let cred = graph.credentials[c]
            let dependents = graph.requiredBy[c].filter { $0 == credential || inOrder.contains($0) }
            return Row([.number(Double(step + 1)), .text(cred.id), .text(cred.name), entity(.organization, cred.provider),
                        .number(cred.cost), .number(cred.weeks), Schema.entities(graph, .credential, dependents)],
                       entity: EntityRef(kind: .credential, index: c))
        }
        return Table(columns: ["step", "id", "name", "provider", "cost", "weeks", "required_by"], rows: rows,
                     shape: .prerequisites(target: EntityRef(kind: .credential, index: credential)), entityKind: .credential)
    }

    func partsOf(_ ref: EntityRef, range: SourceRange) throws(ScriptError) -> Table {
        let credential = graph.credentials[ref.index]
        guard let rule = credential.stack else {
            throw ScriptError(.typeMismatch(.notComposite(credential: credential.name)), range)
        }
        var rows: [Row] = [Row([.number(0), .text(credential.name), .text(credential.id), .text(credential.kind.rawValue),
                                .number(credential.cost), .number(credential.weeks), .number(credential.credits)],
                               entity: ref)]
        func add(_ rule: StackRule, depth: Int, prefix: String, last: Bool) {
            let branch = prefix + (last ? "└─ " : "├─ ")
            let childPrefix = prefix + (last ? "   " : "│  ")
            func node(_ label: String, _ items: [StackRule]) {
                rows.append(Row([.number(Double(depth)), .text(branch + label), .null, .text("rule"), .null, .null, .null]))
                for (i, item) in items.enumerated() { add(item, depth: depth + 1, prefix: childPrefix, last: i == items.count - 1) }
            }
            switch rule {
            case .credential(let c):
                let part = graph.credentials[c]
                rows.append(Row([.number(Double(depth)), .text(branch + part.name), .text(part.id), .text(part.kind.rawValue),
                                 .number(part.cost), .number(part.weeks), .number(part.credits)],
                                entity: EntityRef(kind: .credential, index: c)))
            case .all(let items): node("all of", items)
            case .any(let items): node("any of", items)
            case .atLeast(let n, let items): node("\(n) of", items)
            case .credits(let c, let ids): node("\(Value.format(c)) credits of", ids.map(StackRule.credential))
            }
        }
        add(rule, depth: 1, prefix: "", last: true)
        return Table(columns: ["depth", "part", "id", "kind", "cost", "weeks", "credits"], rows: rows, shape: .parts(target: ref))
    }
}
