/// A loaded, validated credential graph with the indexes queries need, built once at load.
public struct Graph: Sendable {
    public internal(set) var organizations: [Organization] = []
    public internal(set) var skills: [Skill] = []
    public internal(set) var credentials: [Credential] = []
    public internal(set) var roles: [Role] = []
    public internal(set) var learners: [Learner] = []

    /// The files the graph was loaded from, in order.
    public internal(set) var sources: [String] = []

    // MARK: - Indexes

    /// id → index, one table per entity kind.
    var ids: [EntityKind: IDLookup] = [:]
    /// skill → the credentials that teach it, with their level, highest level first.
    var taughtBy: [[(credential: Int, level: Int)]] = []
    /// credential → (learner, holding index) of everyone who holds it.
    var holders: [[(learner: Int, holding: Int)]] = []
    /// credential → the composites whose stack rule names it.
    var partOf: [[Int]] = []
    /// credential → the credentials that require it.
    var requiredBy: [[Int]] = []
    /// credential → its cost and weeks, flat, for the planner's inner loops.
    var costByCredential: [Double] = []
    var weeksByCredential: [Double] = []
    /// organization → the credentials it provides.
    var provided: [[Int]] = []
    /// lowercased name or alias → entities with that exact name.
    var names: [String: [EntityRef]] = [:]

    public init() {}

    public func index(of id: String, kind: EntityKind) -> Int? { ids[kind]?.index(of: id) }

    /// Rebuilds every index from the entity arrays.
    /// `ids` are the id tables when the loader already has them.
    mutating func buildIndexes(ids known: [EntityKind: IDLookup]? = nil) {
        if let known {
            ids = known
        } else {
            ids = [
                .organization: IDLookup(ids: organizations.lazy.map(\.id)), .skill: IDLookup(ids: skills.lazy.map(\.id)),
                .credential: IDLookup(ids: credentials.lazy.map(\.id)), .role: IDLookup(ids: roles.lazy.map(\.id)),
                .learner: IDLookup(ids: learners.lazy.map(\.id)),
            ]
        }

        taughtBy = Array(repeating: [], count: skills.count)
        partOf = Array(repeating: [], count: credentials.count)
        requiredBy = Array(repeating: [], count: credentials.count)
        holders = Array(repeating: [], count: credentials.count)
        provided = Array(repeating: [], count: organizations.count)
        costByCredential = credentials.map(\.cost)
        weeksByCredential = credentials.map(\.weeks)
        for (c, credential) in credentials.enumerated() {
            for t in credential.teaches { taughtBy[t.skill].append((c, t.level)) }
            for r in credential.requires { requiredBy[r].append(c) }
            provided[credential.provider].append(c)
            if let rule = credential.stack { for p in rule.credentials { partOf[p].append(c) } }
        }
        for s in taughtBy.indices {
            taughtBy[s].sort { a, b in
                a.level != b.level ? a.level > b.level : credentials[a.credential].cost < credentials[b.credential].cost
            }
        }
        for (l, learner) in learners.enumerated() {
            for (h, holding) in learner.holdings.enumerated() { holders[holding.credential].append((l, h)) }
        }

        names = [:]
        func add(_ name: String, _ ref: EntityRef) {
            let key = name.lowercased()
            if names[key]?.contains(ref) != true { names[key, default: []].append(ref) }
        }
        for (i, e) in credentials.enumerated() { add(e.name, EntityRef(kind: .credential, index: i)) }
        for (i, e) in roles.enumerated() {
            add(e.name, EntityRef(kind: .role, index: i))
            e.aliases.forEach { add($0, EntityRef(kind: .role, index: i)) }
        }
        for (i, e) in skills.enumerated() {
            add(e.name, EntityRef(kind: .skill, index: i))
            e.aliases.forEach { add($0, EntityRef(kind: .skill, index: i)) }
        }
        for (i, e) in learners.enumerated() { add(e.name, EntityRef(kind: .learner, index: i)) }
        for (i, e) in organizations.enumerated() { add(e.name, EntityRef(kind: .organization, index: i)) }
    }

    // MARK: - Entity facts

    public func id(of ref: EntityRef) -> String {
        switch ref.kind {
        case .credential: credentials[ref.index].id
        case .role: roles[ref.index].id
        case .skill: skills[ref.index].id
        case .learner: learners[ref.index].id
        case .organization: organizations[ref.index].id
        }
    }

    public func name(of ref: EntityRef) -> String {
        switch ref.kind {
        case .credential: credentials[ref.index].name
        case .role: roles[ref.index].name
        case .skill: skills[ref.index].name
        case .learner: learners[ref.index].name
        case .organization: organizations[ref.index].name
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
        return learners[learner].holdings.map(\.credential).filter { seen.insert($0).inserted }
    }

    /// The credential's transitive prerequisites in a valid study order (each after its own).
    public func prerequisiteOrder(of credential: Int) -> [Int] {
        var order: [Int] = []
        var done = Set<Int>()
        func visit(_ c: Int) {
            for r in credentials[c].requires where !done.contains(r) {
                done.insert(r)
                visit(r)
                order.append(r)
            }
        }
        visit(credential)
        return order
    }
}
