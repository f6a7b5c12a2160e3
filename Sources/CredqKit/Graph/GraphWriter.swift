/// Writes a graph back as one file in format v1, with every field it was loaded with, under
/// the keys `Format` defines.
public enum GraphWriter {
    public static func json(_ graph: Graph) -> String {
        func s(_ v: String) -> JSONValue { .string(v) }
        func n(_ v: Double) -> JSONValue { .number(v) }
        func obj<K: FormatKey>(_ members: [(K, JSONValue?)]) -> JSONValue { .object(JSONObject(members)) }
        func strings(_ list: [String]) -> JSONValue? { list.isEmpty ? nil : .array(list.map(s)) }
        func levels(_ list: some Collection<SkillLevel>) -> JSONValue {
            .object(JSONObject(members: list.map { (graph.skills[$0.skill].id, n(Double($0.level))) }))
        }
        func ids(_ list: [Int], _ kind: EntityKind) -> JSONValue? {
            strings(list.map { graph.id(of: EntityRef(kind: kind, index: $0)) })
        }
        func rule(_ r: StackRule) -> JSONValue {
            switch r {
            case .credential(let c): s(graph.credentials[c].id)
            case .all(let items): obj([(Format.Rule.all, .array(items.map(rule)))])
            case .any(let items): obj([(Format.Rule.any, .array(items.map(rule)))])
            case .atLeast(let k, let items): obj([(Format.Rule.n, n(Double(k))), (.of, .array(items.map(rule)))])
            case .credits(let c, let items): obj([(Format.Rule.credits, n(c)), (.of, .array(items.map { s(graph.credentials[$0].id) }))])
            }
        }
        let organizations = graph.organizations.map { o in
            obj([(Format.Organization.id, s(o.id)), (.name, s(o.name)), (.kind, s(o.kind.rawValue)), (.url, o.url.map(s)),
                 (.keys, o.keys.isEmpty ? nil : .array(o.keys)), (.revoked, strings(o.revoked))])
        }
        let skills = graph.skills.map { k in
            obj([(Format.Skill.id, s(k.id)), (.name, s(k.name)), (.aliases, strings(k.aliases)), (.category, k.category.map(s)),
                 (.broader, k.broader.map { s(graph.skills[$0].id) })])
        }
        let credentials = graph.credentials.map { c in
            obj([(Format.Credential.id, s(c.id)), (.name, s(c.name)), (.kind, s(c.kind.rawValue)),
                 (.provider, s(graph.organizations[c.provider].id)),
                 (.platform, c.platform.map { s(graph.organizations[$0].id) }),
                 (.teaches, c.teaches.isEmpty ? nil : levels(c.teaches)),
                 (.weeks, n(c.weeks)), (.hours, c.hours.map(n)), (.cost, n(c.cost)), (.currency, s(c.currency)),
                 (.credits, c.credits == 0 ? nil : n(c.credits)), (.requires, ids(c.requires, .credential)),
                 (.stack, c.stack.map(rule)), (.accreditedBy, ids(c.accreditedBy, .organization)),
                 (.recognizedBy, ids(c.recognizedBy, .organization)),
                 (.validMonths, c.validMonths.map { n(Double($0)) }), (.url, c.url.map(s))])
        }
        let roles = graph.roles.map { r in
            obj([(Format.Role.id, s(r.id)), (.name, s(r.name)), (.aliases, strings(r.aliases)), (.needs, levels(r.needs)),
                 (.onet, r.onet.map(s)), (.related, ids(r.related, .role)), (.uses, ids(r.uses, .skill))])
        }
        let learners = graph.learners.map { l in
            let goal: JSONValue? = switch l.goal {
            case .role(let r): s(graph.roles[r].id)
            case .credential(let c): s(graph.credentials[c].id)
            case nil: nil
            }
            let holds = l.holdings.map { h in
                obj([(Format.Holding.id, s(h.id)), (.credential, s(graph.credentials[h.credential].id)),
                     (.issued, s(h.issued.description)), (.expires, h.expires.map { s($0.description) }),
                     (.proof, h.signedCredential.map(JSONValue.object) ?? h.proof.map(s))])
            }
            return obj([(Format.Learner.id, s(l.id)), (.name, s(l.name)), (.role, l.role.map { s(graph.roles[$0].id) }),
                        (.goal, goal), (.holds, holds.isEmpty ? nil : .array(holds))])
        }
        let root = obj([(Format.Top.credq, n(Double(Format.version))), (.organizations, .array(organizations)), (.skills, .array(skills)),
                        (.credentials, .array(credentials)), (.roles, .array(roles)), (.learners, .array(learners))])
        return root.serialized(indent: 1) + "\n"
    }
}
