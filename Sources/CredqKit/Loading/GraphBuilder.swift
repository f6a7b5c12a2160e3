/// Turns raw entities from all files into one graph: ids made unique, references resolved,
/// cycles found. Every problem becomes a diagnostic; the build goes on to find the next one.
struct GraphBuilder {
    let raw: RawGraph
    var diagnostics: [GraphDiagnostic]

    init(raw: RawGraph, diagnostics: [GraphDiagnostic]) {
        self.raw = raw
        self.diagnostics = diagnostics
    }

    private var ids: [EntityKind: [String: Int]] = [:]

    mutating func build(sources: [String]) -> Graph {
        for (list, what) in [("organizations", "organization"), ("skills", "skill"), ("credentials", "credential"),
                             ("roles", "role"), ("learners", "learner"), ("holdings", "holding")] {
            reportDuplicates(raw.idsSeen[list] ?? [], what)
        }
        ids[.organization] = table(raw.organizations.map(\.id))
        ids[.skill] = table(raw.skills.map(\.id))
        ids[.credential] = table(raw.credentials.map(\.id))
        ids[.role] = table(raw.roles.map(\.id))
        ids[.learner] = table(raw.learners.map(\.id))

        var graph = Graph()
        graph.sources = sources
        graph.organizations = EntityTable(raw.organizations.map { o in
            Organization(id: o.id, name: o.name, kind: o.kind, url: o.url, keys: o.keys, revoked: o.revoked)
        })
        graph.skills = EntityTable(raw.skills.map { s in
            Skill(id: s.id, name: s.name, aliases: s.aliases, category: s.category,
                  broader: s.broader.flatMap { resolve($0, .skill, s.origin, "\(s.origin.path).broader") })
        })
        var currency: (code: String, origin: Origin)?
        // A credential that names no currency has the graph's: the one others name, else USD.
        let graphCurrency = raw.credentials.lazy.compactMap(\.currency).first ?? "USD"
        // Every credential's levels go into one store, which each credential's
        // `SkillLevels` names once it is made.
        var taught: [SkillLevel] = []
        let credentials = raw.credentials.map { c in
            let p = c.origin.path
            if let code = c.currency {
                if let first = currency, first.code != code {
                    fail(c.origin, "\(p).currency", .mixedCurrency(code, first: first.code, at: "\(first.origin.file): \(first.origin.path)"))
                } else if currency == nil {
                    currency = (code, c.origin)
                }
            }
            // Resolved in the order the fields are reported: provider, platform, teaches, ...
            let provider = resolve(c.provider, .organization, c.origin, "\(p).provider") ?? 0
            let platform = c.platform.flatMap { resolve($0, .organization, c.origin, "\(p).platform") }
            let first = taught.count
            for t in c.teaches {
                if let s = resolve(t.skill, .skill, c.origin, "\(p).teaches.\(t.skill)") { taught.append(SkillLevel(skill: s, level: t.level)) }
            }
            return Credential(
                id: c.id, name: c.name, kind: c.kind, provider: provider, platform: platform,
                teaches: SkillLevels(store: .empty, first: first, end: taught.count),
                weeks: c.weeks, hours: c.hours, cost: c.cost, currency: c.currency ?? graphCurrency,
                credits: c.credits,
                requires: refs(c.requires, .credential, c.origin, "\(p).requires"),
                stack: c.stack.flatMap { resolveRule($0, c.origin) },
                accreditedBy: refs(c.accreditedBy, .organization, c.origin, "\(p).accredited_by"),
                recognizedBy: refs(c.recognizedBy, .organization, c.origin, "\(p).recognized_by"),
                validMonths: c.validMonths, url: c.url)
        }
        let taughtStore = SkillLevelStore(taught)
        graph.credentials = EntityTable(credentials.map {
            var credential = $0
            credential.teaches = credential.teaches.placed(in: taughtStore)
            return credential
        })
        graph.roles = EntityTable(raw.roles.map { r in
            Role(id: r.id, name: r.name, aliases: r.aliases,
                 needs: r.needs.compactMap { n in
                     resolve(n.skill, .skill, r.origin, "\(r.origin.path).needs.\(n.skill)").map { SkillLevel(skill: $0, level: n.level) }
                 },
                 onet: r.onet,
                 related: refs(r.related, .role, r.origin, "\(r.origin.path).related"),
                 uses: refs(r.uses, .skill, r.origin, "\(r.origin.path).uses"))
        })
        // Every learner's holdings go into one store, which each learner's `Holdings` names
        // once it is made.
        var holdings = HoldingStore.Builder()
        let learners = raw.learners.map { l in
            let p = l.origin.path
            var goal: Goal?
            if let g = l.goal {
                if let r = ids[.role]?[g] { goal = .role(r) } else if let c = ids[.credential]?[g] { goal = .credential(c) } else {
                    fail(l.origin, "\(p).goal", .unknownID(kind: "role or credential", id: g, suggestions: suggestions(g, [.role, .credential])))
                }
            }
            let first = holdings.count
            for h in l.holds {
                if let c = resolve(h.credential, .credential, l.origin, "\(h.path).credential") {
                    holdings.append(Holding(id: h.id, credential: c, issued: h.issued, expires: h.expires, proof: h.proof))
                }
            }
            return Learner(
                id: l.id, name: l.name,
                role: l.role.flatMap { resolve($0, .role, l.origin, "\(p).role") },
                goal: goal,
                holdings: Holdings(store: .empty, first: first, end: holdings.count))
        }
        let store = holdings.finished()
        graph.learners = EntityTable(learners.map {
            var learner = $0
            learner.holdings = learner.holdings.moved(to: store, by: 0)
            return learner
        })
        checkCycles(in: graph)
        if !diagnostics.contains(where: { $0.severity == .error }) { graph.buildIndexes() }
        return graph
    }

    // MARK: - Ids and references

    private mutating func reportDuplicates(_ items: [(id: String, origin: Origin)], _ what: String) {
        var first = [String: Origin](minimumCapacity: items.count)
        for (id, origin) in items {
            if let o = first[id] {
                fail(origin, "\(origin.path).id", .duplicateID(kind: what, id: id, firstIn: o.file, at: o.path))
            } else {
                first[id] = origin
            }
        }
    }

    /// id → index; on a duplicate the first definition wins (the duplicate is already an error).
    private func table(_ ids: [String]) -> [String: Int] {
        var t = [String: Int](minimumCapacity: ids.count)
        for (i, id) in ids.enumerated() where t[id] == nil { t[id] = i }
        return t
    }

    private mutating func resolve(_ id: String, _ kind: EntityKind, _ origin: Origin, _ path: String) -> Int? {
        if let i = ids[kind]?[id] { return i }
        fail(origin, path, .unknownID(kind: kind.rawValue, id: id, suggestions: suggestions(id, [kind])))
        return nil
    }

    private mutating func refs(_ list: [String], _ kind: EntityKind, _ origin: Origin, _ path: String) -> [Int] {
        list.enumerated().compactMap { resolve($1, kind, origin, "\(path)[\($0)]") }
    }

    private func suggestions(_ id: String, _ kinds: [EntityKind]) -> [String] {
        Suggest.closest(to: id, among: kinds.flatMap { ids[$0].map { Array($0.keys) } ?? [] }, limit: 3)
    }

    private mutating func resolveRule(_ rule: RawRule, _ origin: Origin) -> StackRule? {
        switch rule {
        case .credential(let id, let path): return resolve(id, .credential, origin, path).map(StackRule.credential)
        case .all(let items): return allPresent(items.map { resolveRule($0, origin) }).map(StackRule.all)
        case .any(let items): return allPresent(items.map { resolveRule($0, origin) }).map(StackRule.any)
        case .atLeast(let n, let items):
            return allPresent(items.map { resolveRule($0, origin) }).map { StackRule.atLeast(n, $0) }
        case .credits(let c, let items):
            return allPresent(items.map { resolve($0.0, .credential, origin, $0.path) }).map { StackRule.credits(c, $0) }
        }
    }

    private mutating func fail(_ origin: Origin, _ path: String, _ problem: GraphProblem) {
        diagnostics.append(GraphDiagnostic(severity: .error, file: origin.file, path: path, message: problem.words))
    }

    // MARK: - Cycles

    private mutating func checkCycles(in graph: Graph) {
        let requires = graph.credentials.map(\.requires)
        for cycle in Self.cycles(requires) {
            let c = raw.credentials[cycle[0]]
            fail(c.origin, "\(c.origin.path).requires", .cycle(through: "requires", ids: cycle.map { graph.credentials[$0].id }))
        }
        let broader = graph.skills.map { $0.broader.map { [$0] } ?? [] }
        for cycle in Self.cycles(broader) {
            let s = raw.skills[cycle[0]]
            fail(s.origin, "\(s.origin.path).broader", .cycle(through: "broader", ids: cycle.map { graph.skills[$0].id }))
        }
        let parts = graph.credentials.map { $0.stack?.credentials ?? [] }
        for cycle in Self.cycles(parts) {
            let c = raw.credentials[cycle[0]]
            fail(c.origin, "\(c.origin.path).stack", .cycle(through: "stack rules", ids: cycle.map { graph.credentials[$0].id }))
        }
    }

    /// The cycles of a directed graph given as adjacency lists, each as the nodes on it,
    /// found by an iterative depth-first search (no recursion, so long chains are safe).
    static func cycles(_ edges: [[Int]]) -> [[Int]] {
        var found: [[Int]] = []
        depthFirst(edges) { path, _ in
            if found.count < 20 { found.append(path) }
        }
        return found
    }

    /// The edges that close a cycle, one per cycle found by a depth-first walk: without them
    /// the graph has none.
    static func backEdges(_ edges: [[Int]]) -> [(from: Int, to: Int)] {
        var found: [(from: Int, to: Int)] = []
        depthFirst(edges) { path, to in found.append((path.last!, to)) }
        return found
    }

    /// A depth-first walk (iterative: chains may be long) calling `cycle` with the path from
    /// the node an edge returns to, and that node, for each edge that closes a cycle.
    private static func depthFirst(_ edges: [[Int]], cycle: ([Int], Int) -> Void) {
        var state = [UInt8](repeating: 0, count: edges.count)  // 0 new, 1 on the stack, 2 done
        for root in edges.indices where state[root] == 0 {
            var stack: [(node: Int, next: Int)] = [(root, 0)]
            state[root] = 1
            while let top = stack.last {
                let targets = edges[top.node]
                if top.next < targets.count {
                    stack[stack.count - 1].next += 1
                    let t = targets[top.next]
                    if state[t] == 0 {
                        state[t] = 1
                        stack.append((t, 0))
                    } else if state[t] == 1 {
                        let start = stack.firstIndex { $0.node == t }!
                        cycle(stack[start...].map(\.node), t)
                    }
                } else {
                    state[top.node] = 2
                    stack.removeLast()
                }
            }
        }
    }
}

/// The unwrapped elements when none is nil, else nil.
private func allPresent<T>(_ items: [T?]) -> [T]? {
    var out: [T] = []
    out.reserveCapacity(items.count)
    for item in items {
        guard let v = item else { return nil }
        out.append(v)
    }
    return out
}
