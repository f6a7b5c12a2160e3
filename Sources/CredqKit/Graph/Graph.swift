import Foundation

/// A loaded, validated credential graph with the indexes queries need, built once at load.
public struct Graph: Sendable {
    public internal(set) var organizations: EntityTable<Organization> = []
    public internal(set) var skills: EntityTable<Skill> = []
    public internal(set) var credentials: EntityTable<Credential> = []
    public internal(set) var roles: EntityTable<Role> = []
    public internal(set) var learners: EntityTable<Learner> = []

    /// The files the graph was loaded from, in order.
    public internal(set) var sources: [String] = []

    // MARK: - Indexes

    /// id → index, one table per entity kind.
    var ids: [EntityKind: IDLookup] = [:]
    /// skill → the credentials that teach it, with their level, highest level first.
    var taughtBy: RowLists<(credential: Int, level: Int)> { links.taughtBy }
    /// credential → (learner, holding index) of everyone who holds it.
    var holders: HolderIndex {
        lazyHolders.get {
            if let snapshot, snapshotHolders { return snapshot.holderIndex() }
            return HolderIndex(credentials: credentials.count, learners: learners)
        }
    }
    private var lazyHolders = Lazy<HolderIndex>()
    /// learner → where its assumed holdings start (see `assuming`); empty in a loaded graph.
    var assumedFrom: [Int: Int] = [:]

    /// Forgets who holds what, after learners' holdings change.
    mutating func resetHolders() {
        lazyHolders = Lazy()
        snapshotHolders = false
    }

    /// The snapshot the graph was opened from, whose indexes it uses instead of building them.
    var snapshot: SnapshotFile?
    /// Whether the snapshot's holders are still the graph's (no holdings changed since).
    private var snapshotHolders = true
    /// credential → the cheapest stack toward it from nothing (`total_cost`), found on first use.
    let totals = Totals()
    /// credential → the composites whose stack rule names it.
    var partOf: RowLists<Int> { links.partOf }
    /// credential → the credentials that require it.
    var requiredBy: RowLists<Int> { links.requiredBy }
    /// credential → its cost and weeks, flat, for the planner's inner loops.
    var costByCredential: [Double] = []
    var weeksByCredential: [Double] = []

    /// A credential's cost, from the flat index (8 bytes a credential, where a scan over
    /// the credentials themselves reads 192) when it is built.
    @inline(__always)
    func cost(of credential: Int) -> Double {
        credential < costByCredential.count ? costByCredential[credential] : credentials[credential].cost
    }

    /// A credential's weeks, as `cost(of:)` reads its cost.
    @inline(__always)
    func weeks(of credential: Int) -> Double {
        credential < weeksByCredential.count ? weeksByCredential[credential] : credentials[credential].weeks
    }
    /// organization → the credentials it provides.
    var provided: RowLists<Int> { links.provided }

    /// The lists above, built together on first use (a class: reading one list copies no other).
    final class Links: Sendable {
        let taughtBy: RowLists<(credential: Int, level: Int)>
        let partOf: RowLists<Int>
        let requiredBy: RowLists<Int>
        let provided: RowLists<Int>

        init(taughtBy: RowLists<(credential: Int, level: Int)>, partOf: RowLists<Int>, requiredBy: RowLists<Int>, provided: RowLists<Int>) {
            self.taughtBy = taughtBy
            self.partOf = partOf
            self.requiredBy = requiredBy
            self.provided = provided
        }
    }
    private var links: Links { lazyLinks.get { snapshot?.links() ?? buildLinks() } }
    private var lazyLinks = Lazy<Links>()
    /// lowercased name or alias → entities with that exact name.
    var names: NameIndex { lazyNames.get { buildNames() } }
    private var lazyNames = Lazy<NameIndex>()
    /// Credentials of each kind, in order.
    private var lazyKinds = Lazy<[[Int]]>()

    func credentials(of kind: CredentialKind) -> [Int] {
        lazyKinds.get {
            if let snapshot { return snapshot.lists(.kindsStart, .kinds) }
            var lists = [[Int]](repeating: [], count: CredentialKind.allCases.count)
            for (c, credential) in credentials.enumerated() {
                lists[CredentialKind.allCases.firstIndex(of: credential.kind)!].append(c)
            }
            return lists
        }[CredentialKind.allCases.firstIndex(of: kind)!]
    }

    public init() {}

    /// Builds, on another thread, the indexes otherwise built by the first query that needs
    /// them (on a million credentials and learners, 1 to 3 s each), so that in an
    /// interactive session that first query answers at once. A query that needs one still
    /// being built waits for it.
    public func warmIndexes() {
        let graph = self
        DispatchQueue.global(qos: .utility).async {
            _ = graph.links
            _ = graph.holders
            if let snapshot = graph.snapshot { _ = snapshot.section(.names) } else { _ = graph.names }
            _ = graph.credentials(of: .badge)
        }
    }

    /// Whether every index `warmIndexes` builds is built.
    var indexesBuilt: Bool { lazyLinks.isBuilt && lazyHolders.isBuilt && (snapshot != nil || lazyNames.isBuilt) && lazyKinds.isBuilt }

    public func index(of id: String, kind: EntityKind) -> Int? { ids[kind]?.index(of: id) }

    /// Rebuilds every index from the entity arrays.
    /// `ids` are the id tables when the loader already has them.
    /// `costs` and `weeks`, when given, are each credential's, as a loader gathered them.
    mutating func buildIndexes(ids known: [EntityKind: IDLookup]? = nil, costs: [Double]? = nil, weeks: [Double]? = nil) {
        if let known {
            ids = known
        } else {
            ids = [
                .organization: IDLookup(ids: organizations.lazy.map(\.id)), .skill: IDLookup(ids: skills.lazy.map(\.id)),
                .credential: IDLookup(ids: credentials.lazy.map(\.id)), .role: IDLookup(ids: roles.lazy.map(\.id)),
                .learner: IDLookup(ids: learners.lazy.map(\.id)),
            ]
        }

        if let costs, let weeks, costs.count == credentials.count, weeks.count == credentials.count {
            (costByCredential, weeksByCredential) = (costs, weeks)
        } else {
            costByCredential = credentials.map(\.cost)
            weeksByCredential = credentials.map(\.weeks)
        }
        LoadTrace.mark("index: credentials")
        // Built on first use: a query that never asks who holds what, what teaches what or
        // resolves a name (`count credentials`) does not pay for them.
        lazyLinks = Lazy()
        lazyHolders = Lazy()
        lazyNames = Lazy()
        lazyKinds = Lazy()
    }

    private func buildLinks() -> Links {
        // Every list is counted first, then filled at its place in one flat array, the
        // credentials read in place by index (iterating them would copy each one).
        let n = credentials.count
        var start = [Int32](repeating: 0, count: skills.count + 1)
        var partOfStart = [Int](repeating: 0, count: n + 1), requiredByStart = [Int](repeating: 0, count: n + 1)
        var providedStart = [Int](repeating: 0, count: organizations.count + 1)
        var composites: [(credential: Int, parts: [Int])] = []
        for c in 0..<n {
            for t in credentials[c].teaches { start[t.skill + 1] += 1 }
            for r in credentials[c].requires { requiredByStart[r + 1] += 1 }
            providedStart[credentials[c].provider + 1] += 1
            if let rule = credentials[c].stack {
                let parts = rule.credentials
                for p in parts { partOfStart[p + 1] += 1 }
                composites.append((c, parts))
            }
        }
        for s in 0..<skills.count { start[s + 1] += start[s] }
        for c in 0..<n {
            partOfStart[c + 1] += partOfStart[c]
            requiredByStart[c + 1] += requiredByStart[c]
        }
        for o in 0..<organizations.count { providedStart[o + 1] += providedStart[o] }
        var flat = [(credential: Int, level: Int)](repeating: (0, 0), count: Int(start[skills.count]))
        var requiredBy = [Int](repeating: 0, count: requiredByStart[n]), provided = [Int](repeating: 0, count: providedStart[organizations.count])
        var partOf = [Int](repeating: 0, count: partOfStart[n])
        var next = start, nextRequiredBy = requiredByStart, nextProvided = providedStart, nextPartOf = partOfStart
        for c in 0..<n {
            for t in credentials[c].teaches {
                flat[Int(next[t.skill])] = (c, t.level)
                next[t.skill] += 1
            }
            for r in credentials[c].requires {
                requiredBy[nextRequiredBy[r]] = c
                nextRequiredBy[r] += 1
            }
            let o = credentials[c].provider
            provided[nextProvided[o]] = c
            nextProvided[o] += 1
        }
        for (c, parts) in composites {
            for p in parts {
                partOf[nextPartOf[p]] = c
                nextPartOf[p] += 1
            }
        }
        // Each skill's list, highest level first, then cheapest, sorted in place.
        let cost = costByCredential
        flat.withUnsafeMutableBufferPointer { flat in
            for s in 0..<skills.count where start[s + 1] - start[s] > 1 {
                var list = UnsafeMutableBufferPointer(rebasing: flat[Int(start[s])..<Int(start[s + 1])])
                list.sort { a, b in a.level != b.level ? a.level > b.level : cost[a.credential] < cost[b.credential] }
            }
        }
        return Links(taughtBy: RowLists(start: Column(start.map(Int.init)), items: Column(flat)),
                     partOf: RowLists(start: Column(partOfStart), items: Column(partOf)),
                     requiredBy: RowLists(start: Column(requiredByStart), items: Column(requiredBy)),
                     provided: RowLists(start: Column(providedStart), items: Column(provided)))
    }

    private func buildNames() -> NameIndex {
        let labels = credentials.count + learners.count + organizations.count
            + roles.reduce(0) { $0 + 1 + $1.aliases.count } + skills.reduce(0) { $0 + 1 + $1.aliases.count }
        var names = NameIndex(capacity: labels)
        forEachLabel { names.add($0, $1) }
        return names
    }

    /// Every name and alias the name index holds, in the order it adds them: credentials,
    /// roles, skills, learners, organizations; an entity's aliases after its name, each once
    /// ignoring case (the snapshot's name table is written from the same list).
    func forEachLabel(_ body: (String, EntityRef) -> Void) {
        /// A name and its aliases, each once ignoring case.
        func add(_ name: String, _ aliases: [String], _ ref: EntityRef) {
            body(name, ref)
            guard !aliases.isEmpty else { return }
            var seen = [NameIndex.lowered(name)]
            for alias in aliases {
                let key = NameIndex.lowered(alias)
                if !seen.contains(key) {
                    seen.append(key)
                    body(alias, ref)
                }
            }
        }
        // Read in place by index: iterating the tables would copy every entity.
        for i in credentials.indices { body(credentials[i].name, EntityRef(kind: .credential, index: i)) }
        for i in roles.indices { add(roles[i].name, roles[i].aliases, EntityRef(kind: .role, index: i)) }
        for i in skills.indices { add(skills[i].name, skills[i].aliases, EntityRef(kind: .skill, index: i)) }
        for i in learners.indices { body(learners[i].name, EntityRef(kind: .learner, index: i)) }
        for i in organizations.indices { body(organizations[i].name, EntityRef(kind: .organization, index: i)) }
    }

    /// The entities whose name or an alias is `lowered`, ignoring case.
    func entities(named lowered: String) -> [EntityRef] {
        if let snapshot {
            return snapshot.candidates(named: lowered).filter { ref in
                ([name(of: ref)] + aliases(of: ref)).contains { NameIndex.lowered($0) == lowered }
            }
        }
        return names.find(lowered) { ref in [name(of: ref)] + aliases(of: ref) }
    }

    // MARK: - Entity facts

    public func id(of ref: EntityRef) -> String {
        if let snapshot, isMapped(ref.kind) { return snapshot.id(ref.kind, ref.index) }
        return switch ref.kind {
        case .credential: credentials[ref.index].id
        case .role: roles[ref.index].id
        case .skill: skills[ref.index].id
        case .learner: learners[ref.index].id
        case .organization: organizations[ref.index].id
        }
    }

    public func name(of ref: EntityRef) -> String {
        if let snapshot, isMapped(ref.kind) { return snapshot.name(ref.kind, ref.index) }
        return switch ref.kind {
        case .credential: credentials[ref.index].name
        case .role: roles[ref.index].name
        case .skill: skills[ref.index].name
        case .learner: learners[ref.index].name
        case .organization: organizations[ref.index].name
        }
    }

    /// Whether entities of a kind are still read from the snapshot (none was changed).
    private func isMapped(_ kind: EntityKind) -> Bool {
        switch kind {
        case .credential: credentials.isMapped
        case .role: roles.isMapped
        case .skill: skills.isMapped
        case .learner: learners.isMapped
        case .organization: organizations.isMapped
        }
    }

    public func aliases(of ref: EntityRef) -> [String] {
        switch ref.kind {
        case .role: roles[ref.index].aliases
        case .skill: skills[ref.index].aliases
        default: []
        }
    }

    public func count(of kind: EntityKind) -> Int {
        switch kind {
        case .credential: credentials.count
        case .role: roles.count
        case .skill: skills.count
        case .learner: learners.count
        case .organization: organizations.count
        }
    }

    /// The day a holding stops being valid: as written, or issued + the credential's `valid_months`.
    public func expiry(of holding: Holding) -> Day? {
        if let e = holding.expires { return e }
        if let months = credentials[holding.credential].validMonths { return holding.issued.adding(months: months) }
        return nil
    }

    /// The best level of each skill that a set of credentials teaches, and which credential teaches it.
    func skillLevels(of creds: [Int]) -> [Int: (level: Int, from: Int)] {
        var best: [Int: (level: Int, from: Int)] = [:]
        for c in creds {
            for t in credentials[c].teaches where (best[t.skill]?.level ?? 0) < t.level {
                best[t.skill] = (t.level, c)
            }
        }
        return best
    }

    /// The credentials a learner holds, in the order of their holdings, without repeats.
    public func heldCredentials(of learner: Int) -> [Int] {
        var seen = Set<Int>()
        return learners[learner].holdings.credentials.filter { seen.insert($0).inserted }
    }

    /// The credential's transitive prerequisites in a valid study order (each after its own).
    public func prerequisiteOrder(of credential: Int) -> [Int] {
        var order: [Int] = []
        var done = Set<Int>()
        // Depth first with a stack of its own (a chain of prerequisites may be longer than the
        // call stack allows): each entry a credential and the next of its prerequisites to visit.
        var stack: [(credential: Int, next: Int)] = [(credential, 0)]
        while let (c, next) = stack.last {
            let requires = credentials[c].requires
            if next == requires.count {
                stack.removeLast()
                if !stack.isEmpty { order.append(c) }
                continue
            }
            stack[stack.count - 1].next += 1
            let r = requires[next]
            if done.insert(r).inserted { stack.append((r, 0)) }
        }
        return order
    }
}

/// A value computed once, on first use, shared by copies of the graph that holds it.
final class Lazy<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?

    var isBuilt: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value != nil
    }

    func get(_ build: () -> Value) -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let value { return value }
        let built = build()
        value = built
        return built
    }
}
