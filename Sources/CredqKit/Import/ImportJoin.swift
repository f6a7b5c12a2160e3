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
        func list(_ o: JSONObject, _ key: String) -> [JSONObject] {
            guard case .array(let items)? = o[key] else { return [] }
            return items.compactMap { if case .object(let x) = $0 { x } else { nil } }
        }
        func string(_ o: JSONObject, _ key: String) -> String? { if case .string(let s)? = o[key] { s } else { nil } }

        /// The import's entities of one list: those the graph has map to its ids, the rest are added.
        func match(_ key: String, _ what: String, mapped: [String: String] = [:]) -> (renamed: [String: String], added: [JSONObject]) {
            let existing = list(base, key)
            let ids = Set(existing.compactMap { string($0, "id") })
            var byMapping: [String: [String]] = [:]
            var byName: [String: String] = [:]
            for e in existing { if let n = string(e, "name")?.lowercased(), let id = string(e, "id"), byName[n] == nil { byName[n] = id } }
            var renamed: [String: String] = [:]
            var added: [JSONObject] = []
            var matched = 0
            for e in list(incoming, key) {
                guard let id = string(e, "id") else { continue }
                if let name = string(e, "name"), let target = mapped[name], ids.contains(target) {
                    renamed[id] = target
                    byMapping[target, default: []].append(name)
                } else if ids.contains(id) {
                    renamed[id] = id
                    matched += 1
                } else if let name = string(e, "name")?.lowercased(), let same = byName[name] {
                    renamed[id] = same
                    matched += 1
                    report.append("\(what) \(id) is \(same) in the graph (same name)")
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

        let organizations = match("organizations", "organization")
        var mapped: [String: String] = [:]
        for entry in mapping where mapped[entry.name] == nil { mapped[entry.name] = entry.skill }
        let skills = match("skills", "skill", mapped: mapped)
        let credentials = match("credentials", "credential")
        let roles = match("roles", "role")
        func org(_ id: String) -> String { organizations.renamed[id] ?? id }
        func skill(_ id: String) -> String { skills.renamed[id] ?? id }
        func credential(_ id: String) -> String { credentials.renamed[id] ?? id }
        func role(_ id: String) -> String { roles.renamed[id] ?? id }
        /// A list of ids, pointed at the graph's, each once.
        func remappedIDs(_ items: [JSONValue], _ to: (String) -> String) -> JSONValue {
            var seen = Set<String>()
            return .array(items.compactMap { item in
                guard case .string(let s) = item else { return item }
                let id = to(s)
                return seen.insert(id).inserted ? .string(id) : nil
            })
        }

        /// A stack rule's credential ids, pointed at the graph's.
        func remappedRule(_ rule: JSONValue) -> JSONValue {
            switch rule {
            case .string(let s): return .string(credential(s))
            case .array(let items): return .array(items.map(remappedRule))
            case .object(let o):
                return .object(JSONObject(members: o.members.map { ($0.key, $0.key == "credits" || $0.key == "n" ? $0.value : remappedRule($0.value)) }))
            default: return rule
            }
        }

        /// An entity's references, pointed at the graph's ids.
        func remapped(_ e: JSONObject) -> JSONObject {
            JSONObject(members: e.members.map { member in
                switch (member.key, member.value) {
                case ("provider", .string(let s)), ("platform", .string(let s)): return (member.key, .string(org(s)))
                case ("broader", .string(let s)): return (member.key, .string(skill(s)))
                case ("credential", .string(let s)): return (member.key, .string(credential(s)))
                case ("requires", .array(let items)):
                    return (member.key, .array(items.map { if case .string(let s) = $0 { .string(credential(s)) } else { $0 } }))
                case ("teaches", .object(let levels)), ("needs", .object(let levels)):
                    // Two imported skills that are one graph skill: the higher level.
                    var merged: [(key: String, value: JSONValue)] = []
                    for l in levels.members {
                        let id = skill(l.key)
                        if let i = merged.firstIndex(where: { $0.key == id }) {
                            if case .number(let a) = merged[i].value, case .number(let b) = l.value, b > a { merged[i].value = l.value }
                        } else {
                            merged.append((id, l.value))
                        }
                    }
                    return (member.key, .object(JSONObject(members: merged)))
                case ("uses", .array(let items)):
                    // What a role needs is not also listed as what it uses.
                    let needed = Set(e["needs"].flatMap { v -> [String]? in
                        guard case .object(let levels) = v else { return nil }
                        return levels.members.map { skill($0.key) }
                    } ?? [])
                    guard case .array(let ids) = remappedIDs(items, skill) else { return member }
                    return (member.key, .array(ids.filter { if case .string(let s) = $0 { !needed.contains(s) } else { true } }))
                case ("related", .array(let items)):
                    return (member.key, remappedIDs(items, role))
                case ("stack", let rule):
                    return (member.key, remappedRule(rule))
                case ("holds", .array(let items)):
                    return (member.key, .array(items.map { if case .object(let h) = $0 { .object(remapped(h)) } else { $0 } }))
                default: return member
                }
            })
        }

        var learners = list(base, "learners")
        var addedLearners: [JSONObject] = []
        for l in list(incoming, "learners").map(remapped) {
            guard let id = string(l, "id"), let i = learners.firstIndex(where: { string($0, "id") == id }) else {
                addedLearners.append(l)
                continue
            }
            // The learner is already there: the imported holdings join theirs.
            var holds = list(learners[i], "holds")
            let taken = Set(holds.compactMap { string($0, "id") })
            var joined = 0
            for h in list(l, "holds") {
                guard let hid = string(h, "id") else { continue }
                if taken.contains(hid) {
                    report.append("holding \(hid) of \(id) is already in the graph: left as it is")
                    continue
                }
                holds.append(h)
                joined += 1
            }
            var members = learners[i].members.filter { $0.key != "holds" }
            members.append(("holds", .array(holds.map(JSONValue.object))))
            learners[i] = JSONObject(members: members)
            report.append("learner \(id) is already in the graph: \(joined) holding\(joined == 1 ? "" : "s") added to theirs")
        }

        func set(_ key: String, _ items: [JSONObject]) {
            var members = base.members.filter { $0.key != key }
            members.append((key, .array(items.map(JSONValue.object))))
            base = JSONObject(members: members)
        }
        set("organizations", list(base, "organizations") + organizations.added.map(remapped))
        set("skills", list(base, "skills") + skills.added.map(remapped))
        set("credentials", list(base, "credentials") + credentials.added.map(remapped))
        set("roles", list(base, "roles") + roles.added.map(remapped))
        set("learners", learners + addedLearners)
        return Result(json: JSONValue.object(base).serialized(indent: 1) + "\n", report: report)
    }
}
