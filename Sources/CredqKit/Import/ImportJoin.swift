/// An import joined to a graph already there (`credq import ... --into GRAPH` or `--catalog`):
/// one graph in format v1 holding both, where the import's organizations, skills and
/// credentials that the graph already has are the graph's (matched by id, then by exact name,
/// ignoring case), and a learner it already has gets the imported holdings. Every match is
/// reported, so nothing is merged without a word.
public enum ImportJoin {
    public struct Result: Sendable {
        public var json: String
        public var report: [String]
    }

    /// Joins the import (format v1 text, as the importers write it) to the graph. The
    /// mapping's imported skills (by name) are the graph's skills it names, where the graph
    /// has them.
    public static func join(_ imported: String, into graph: Graph, mapping: [SkillMapping.Entry] = []) -> Result {
        var report: [String] = []
        guard case .object(var base)? = try? JSONParser.parse(Array(GraphWriter.json(graph).utf8)),
              case .object(let incoming)? = try? JSONParser.parse(Array(imported.utf8)) else {
            return Result(json: imported, report: ["the import could not be joined: it is not a graph"])
        }
        func objects(_ items: [JSONValue]) -> [JSONObject] { items.compactMap { if case .object(let x) = $0 { x } else { nil } } }
        func list(_ o: JSONObject, _ key: some FormatKey) -> [JSONObject] { objects(o.list(key)) }

        /// The import's entities of one list: those the graph has map to its ids, the rest are added.
        func match<K: FormatKey>(_ key: Format.Top, _ what: String, id: K, name: K,
                                 mapped: [String: String] = [:]) -> (renamed: [String: String], added: [JSONObject]) {
            let existing = list(base, key)
            let ids = Set(existing.compactMap { $0.string(id) })
            var byMapping: [String: [String]] = [:]
            var byName: [String: String] = [:]
            for e in existing { if let n = e.string(name)?.lowercased(), let i = e.string(id), byName[n] == nil { byName[n] = i } }
            var renamed: [String: String] = [:]
            var added: [JSONObject] = []
            var matched = 0
            for e in list(incoming, key) {
                guard let eid = e.string(id) else { continue }
                if let n = e.string(name), let target = mapped[n], ids.contains(target) {
                    renamed[eid] = target
                    byMapping[target, default: []].append(n)
                } else if ids.contains(eid) {
                    renamed[eid] = eid
                    matched += 1
                } else if let n = e.string(name)?.lowercased(), let same = byName[n] {
                    renamed[eid] = same
                    matched += 1
                    report.append("\(what) \(eid) is \(same) in the graph (same name)")
                } else {
                    added.append(e)
                }
            }
            if matched > 0 { report.append("\(matched) \(what)\(matched == 1 ? "" : "s") already in the graph: reused") }
            for (target, names) in byMapping.sorted(by: { $0.key < $1.key }) {
                report.append("mapped to the graph's \(what) \(target): \(names.joined(separator: ", "))")
            }
            return (renamed, added)
        }

        let organizations = match(.organizations, "organization", id: Format.Organization.id, name: .name)
        var mapped: [String: String] = [:]
        for entry in mapping where mapped[entry.name] == nil { mapped[entry.name] = entry.skill }
        let skills = match(.skills, "skill", id: Format.Skill.id, name: .name, mapped: mapped)
        let credentials = match(.credentials, "credential", id: Format.Credential.id, name: .name)
        let roles = match(.roles, "role", id: Format.Role.id, name: .name)
        func org(_ id: String) -> String { organizations.renamed[id] ?? id }
        func skill(_ id: String) -> String { skills.renamed[id] ?? id }
        func credential(_ id: String) -> String { credentials.renamed[id] ?? id }
        func role(_ id: String) -> String { roles.renamed[id] ?? id }
        /// An id, pointed at the graph's.
        func remappedID(_ value: JSONValue, _ to: (String) -> String) -> JSONValue {
            if case .string(let s) = value { .string(to(s)) } else { value }
        }
        /// A list of ids, pointed at the graph's, each once.
        func remappedIDs(_ items: [JSONValue], _ to: (String) -> String) -> [JSONValue] {
            var seen = Set<String>()
            return items.compactMap { item in
                guard case .string(let s) = item else { return item }
                let id = to(s)
                return seen.insert(id).inserted ? .string(id) : nil
            }
        }
        /// Skill levels pointed at the graph's skills; two imported skills that are one graph skill keep the higher level.
        func remappedLevels(_ value: JSONValue) -> JSONValue {
            guard case .object(let levels) = value else { return value }
            var merged: [(key: String, value: JSONValue)] = []
            for l in levels.members {
                let id = skill(l.key)
                if let i = merged.firstIndex(where: { $0.key == id }) {
                    if case .number(let a) = merged[i].value, case .number(let b) = l.value, b > a { merged[i].value = l.value }
                } else {
                    merged.append((id, l.value))
                }
            }
            return .object(JSONObject(members: merged))
        }
        /// A stack rule's credential ids, pointed at the graph's.
        func remappedRule(_ rule: JSONValue) -> JSONValue {
            switch rule {
            case .string(let s): return .string(credential(s))
            case .array(let items): return .array(items.map(remappedRule))
            case .object(let o):
                return .object(JSONObject(members: o.members.map { member in
                    switch Format.Rule(rawValue: member.key) {
                    case .credits?, .n?: member
                    default: (member.key, remappedRule(member.value))
                    }
                }))
            default: return rule
            }
        }
        /// An entity with each value of a key of its kind changed.
        func edited<K: FormatKey>(_ e: JSONObject, _ change: (K, JSONValue) -> JSONValue) -> JSONObject {
            JSONObject(members: e.members.map { member in K(rawValue: member.key).map { (member.key, change($0, member.value)) } ?? member })
        }
        func remappedSkill(_ e: JSONObject) -> JSONObject {
            edited(e) { (key: Format.Skill, value) in key == .broader ? remappedID(value, skill) : value }
        }
        func remappedCredential(_ e: JSONObject) -> JSONObject {
            edited(e) { (key: Format.Credential, value) in
                switch (key, value) {
                case (.provider, _), (.platform, _): remappedID(value, org)
                case (.requires, .array(let items)): .array(items.map { remappedID($0, credential) })
                case (.teaches, _): remappedLevels(value)
                case (.stack, _): remappedRule(value)
                default: value
                }
            }
        }
        func remappedRole(_ e: JSONObject) -> JSONObject {
            // What a role needs is not also listed as what it uses.
            var needed = Set<String>()
            if case .object(let levels)? = e[Format.Role.needs] { needed = Set(levels.members.map { skill($0.key) }) }
            return edited(e) { (key: Format.Role, value) in
                switch (key, value) {
                case (.needs, _): remappedLevels(value)
                case (.uses, .array(let items)): .array(remappedIDs(items, skill).filter { if case .string(let s) = $0 { !needed.contains(s) } else { true } })
                case (.related, .array(let items)): .array(remappedIDs(items, role))
                default: value
                }
            }
        }
        func remappedLearner(_ e: JSONObject) -> JSONObject {
            edited(e) { (key: Format.Learner, value) in
                guard key == .holds, case .array(let items) = value else { return value }
                return .array(items.map { item in
                    guard case .object(let h) = item else { return item }
                    return .object(edited(h) { (key: Format.Holding, value) in key == .credential ? remappedID(value, credential) : value })
                })
            }
        }

        var learners = list(base, Format.Top.learners)
        var addedLearners: [JSONObject] = []
        for l in list(incoming, Format.Top.learners).map(remappedLearner) {
            guard let id = l.string(Format.Learner.id), let i = learners.firstIndex(where: { $0.string(Format.Learner.id) == id }) else {
                addedLearners.append(l)
                continue
            }
            // The learner is already there: the imported holdings join theirs.
            var holds = list(learners[i], Format.Learner.holds)
            let taken = Set(holds.compactMap { $0.string(Format.Holding.id) })
            var joined = 0
            for h in list(l, Format.Learner.holds) {
                guard let hid = h.string(Format.Holding.id) else { continue }
                if taken.contains(hid) {
                    report.append("holding \(hid) of \(id) is already in the graph: left as it is")
                    continue
                }
                holds.append(h)
                joined += 1
            }
            learners[i].set(Format.Learner.holds, .array(holds.map(JSONValue.object)))
            report.append("learner \(id) is already in the graph: \(joined) holding\(joined == 1 ? "" : "s") added to theirs")
        }

        func append(_ key: Format.Top, _ added: [JSONObject]) {
            base.set(key, .array((list(base, key) + added).map(JSONValue.object)))
        }
        append(.organizations, organizations.added)
        append(.skills, skills.added.map(remappedSkill))
        append(.credentials, credentials.added.map(remappedCredential))
        append(.roles, roles.added.map(remappedRole))
        base.set(Format.Top.learners, .array((learners + addedLearners).map(JSONValue.object)))
        return Result(json: JSONValue.object(base).serialized(indent: 1) + "\n", report: report)
    }
}
