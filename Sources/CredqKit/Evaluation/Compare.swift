/// `compare`: two or more entities of one kind side by side, a column each: credentials a row
/// an aspect, roles a row a needed skill, learners a row a skill held.
extension Evaluator {
    func compare(_ names: [NameRef]) throws(ScriptError) -> Table {
        // The first name says the kind; the others must be of it.
        let first = try resolve(names[0], [.credential, .role, .learner])
        var refs = [first]
        for n in names.dropFirst() { refs.append(try resolve(n, [first.kind])) }
        switch first.kind {
        case .role: return compareRoles(refs.map(\.index))
        case .learner: return compareLearners(refs.map(\.index))
        default: return compare(refs.map(\.index))
        }
    }

    /// Roles: one row per skill any of them needs (in the order the roles list them), the
    /// level each needs.
    func compareRoles(_ roles: [Int]) -> Table {
        var skills: [Int] = []
        var seen = Set<Int>()
        for r in roles { for need in graph.roles[r].needs where seen.insert(need.skill).inserted { skills.append(need.skill) } }
        let rows = skills.map { s in
            Row([entity(.skill, s)] + roles.map { r in
                graph.roles[r].needs.first { $0.skill == s }.map { .number(Double($0.level)) } ?? .null
            }, entity: EntityRef(kind: .skill, index: s))
        }
        return Table(columns: ["skill"] + roles.map { graph.roles[$0].name }, rows: rows)
    }

    /// Learners: one row per skill any of them holds (best level first), the level each has
    /// through the holdings the trust setting counts, then their credential counts and goals.
    func compareLearners(_ learners: [Int]) -> Table {
        let levels = learners.map { graph.skillLevels(of: countedCredentials(of: $0)) }
        var best: [Int: Int] = [:]
        for l in levels { for (s, v) in l { best[s] = max(best[s] ?? 0, v.level) } }
        let skills = best.keys.sorted { a, b in
            best[a]! != best[b]! ? best[a]! > best[b]! : graph.skills[a].name < graph.skills[b].name
        }
        var rows = skills.map { s in
            Row([entity(.skill, s)] + levels.map { l in l[s].map { .number(Double($0.level)) } ?? .null },
                entity: EntityRef(kind: .skill, index: s))
        }
        rows.append(Row([.text("credentials held")] + learners.map { .number(Double(countedCredentials(of: $0).count)) }))
        rows.append(Row([.text("goal")] + learners.map { l in
            switch graph.learners[l].goal {
            case .role(let r): entity(.role, r)
            case .credential(let c): entity(.credential, c)
            case nil: .null
            }
        }))
        return Table(columns: ["skill"] + learners.map { graph.learners[$0].name }, rows: rows)
    }

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
            ("stacks into", { i, _ in names(.credential, Array(self.graph.partOf[i])) }),
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
