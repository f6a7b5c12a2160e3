import Foundation

/// `CREDQ_DEBUG_LOAD=1` prints how long each phase of a load took, to standard error.
enum LoadTrace {
    nonisolated(unsafe) static var last = DispatchTime.now().uptimeNanoseconds
    static let enabled = { _ = last; return true }() && ProcessInfo.processInfo.environment["CREDQ_DEBUG_LOAD"] != nil

    static func mark(_ phase: String) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let rss = (Int(statm.split(separator: " ").dropFirst().first ?? "") ?? 0) * 4096 / 1_048_576
        FileHandle.standardError.write("load: \(phase) \((now &- min(now, last)) / 1_000_000) ms, rss \(rss) MiB\n".data(using: .utf8)!)
        last = now
    }
}

/// The fast path of loading: reads valid graph files straight from their bytes into the
/// model, with no JSON tree, no per-entity paths and no intermediate records.
///
/// It only ever accepts what the thorough path (`RawReader` → `GraphBuilder`) accepts, and
/// builds the same graph. The moment anything is unusual (a syntax error, a wrong type, an
/// unknown key, a dangling reference, a duplicate id, a cycle) it gives up, and the thorough
/// path reads the files again to report every problem with its file, path and position.
/// `FastGraphReaderTests` checks that agreement on the seeds, the fixtures and mutated files.
struct FastGraphReader {
    /// Thrown to leave the fast path; carries nothing, the thorough path explains.
    struct Bail: Error {}

    /// The ids of one entity kind. A defined id's number is its entity's index, so most
    /// references (to entities defined earlier in the files) are final when read. A reference
    /// read before its definition gets a negative number, resolved once every file is read.
    struct Symbols {
        /// Defined ids, numbered in the order defined, which is the entities' order.
        var defined = IDTable(capacity: 1024)
        /// Ids referenced before they were defined: reference -1 - n is `early` id n.
        var early = IDTable(capacity: 16)
        var earlyKeys: [String] = []
        var earlyIndex: [Int32] = []

        @inline(__always)
        mutating func reference(_ id: UnsafeBufferPointer<UInt8>) -> Int {
            if let n = defined.find(id) { return n }
            let (n, inserted) = early.insert(id)
            if inserted { earlyKeys.append(String(decoding: id, as: UTF8.self)) }
            return -1 - n
        }

        /// The reference of the id string at the cursor.
        mutating func reference(_ c: inout Cursor) throws(Bail) -> Int {
            if let span = try c.plainString() { return reference(span) }
            var id = try c.string()
            return id.withUTF8 { reference($0) }
        }

        /// Reads a defining id at the cursor, for entity `index`, and returns it.
        mutating func define(_ c: inout Cursor, as index: Int) throws(Bail) -> String {
            let id: String
            let (n, inserted): (Int, Bool)
            if let span = try c.plainString() {
                id = String(decoding: span, as: UTF8.self)
                (n, inserted) = defined.insert(span)
            } else {
                var text = try c.string()
                (n, inserted) = text.withUTF8 { defined.insert($0) }
                id = text
            }
            guard !id.isEmpty, inserted, n == index else { throw Bail() }  // empty or duplicate id
            return id
        }

        /// Finds the entity of every early reference; an id never defined is left to the
        /// thorough loader.
        mutating func resolveEarly() throws(Bail) {
            earlyIndex = []
            for key in earlyKeys {
                guard let n = defined.find(key) else { throw Bail() }
                earlyIndex.append(Int32(n))
            }
        }

        @inline(__always)
        func index(_ reference: Int) -> Int { reference >= 0 ? reference : Int(earlyIndex[-1 - reference]) }

        var hasEarly: Bool { !earlyKeys.isEmpty }

        var lookup: IDLookup { IDLookup(table: defined, entity: nil) }
    }

    private var organizations: [Organization] = []
    private var skills: [Skill] = []
    private var credentials: [Credential] = []
    private var roles: [Role] = []
    private var learners: [Learner] = []
    /// Learner index and goal id, resolved once every role and credential is known.
    private var goals: [(learner: Int, id: String)] = []

    private var orgSyms = Symbols(), skillSyms = Symbols(), credSyms = Symbols()
    private var roleSyms = Symbols(), learnerSyms = Symbols()
    private var holdingIDs = DuplicateFinder()
    private var holdingScratch: [Holding] = []
    /// The first currency written on a credential, for credentials that name none.
    private var currency: String?

    /// The graph, or nil when the thorough path must read these files.
    /// `windowSize` is how much of a file is held at once (tests make it small).
    static func load(_ sources: [GraphSource], windowSize: Int = FileWindow.defaultSize) -> Graph? {
        var reader = FastGraphReader()
        do {
            for source in sources {
                if let path = source.path {
                    guard let window = FileWindow(path: path, size: windowSize) else { throw Bail() }
                    var cursor = try Cursor(window: window)
                    try reader.readFile(&cursor)
                    continue
                }
                try source.bytes.withUnsafeBufferPointer { (buffer) throws(Bail) in
                    guard var cursor = Cursor(bytes: buffer) else { throw Bail() }
                    try reader.readFile(&cursor)
                }
            }
            LoadTrace.mark("read")
            return try reader.finish(sources: sources.map(\.name))
        } catch {
            return nil
        }
    }

    // MARK: - Files and lists

    private mutating func readFile(_ c: inout Cursor) throws(Bail) {
        c.skipWhitespace()
        try c.expect(UInt8(ascii: "{"))
        var seen: UInt32 = 0
        var sawVersion = false
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.topKeys)
                try Self.mark(key, in: &seen)
                switch key {
                case 0:
                    guard try c.number() == 1 else { throw Bail() }
                    sawVersion = true
                case 1: try list(&c) { (r, c) throws(Bail) in try r.readOrganization(&c) }
                case 2: try list(&c) { (r, c) throws(Bail) in try r.readSkill(&c) }
                case 3: try list(&c) { (r, c) throws(Bail) in try r.readCredential(&c) }
                case 4: try list(&c) { (r, c) throws(Bail) in try r.readRole(&c) }
                default: try list(&c) { (r, c) throws(Bail) in try r.readLearner(&c) }
                }
            } while try c.nextMember()
        }
        guard sawVersion else { throw Bail() }
        repeat {  // only whitespace until the end of the file
            try c.ensureWindow()
            c.skipWhitespace()
            guard c.atEnd else { throw Bail() }
        } while !c.atEndOfFile
    }

    private static let topKeys = KeySet(["credq", "organizations", "skills", "credentials", "roles", "learners"])

    private mutating func list(_ c: inout Cursor, _ each: (inout FastGraphReader, inout Cursor) throws(Bail) -> Void) throws(Bail) {
        try c.expect(UInt8(ascii: "["))
        if try c.arrayEnd() { return }
        repeat {
            try c.ensureWindow()
            try c.expect(UInt8(ascii: "{"))
            try each(&self, &c)
        } while try c.nextElement()
    }

    /// Records a key as seen in one object; a second time is a duplicate key.
    private static func mark(_ key: Int, in seen: inout UInt32) throws(Bail) {
        let bit: UInt32 = 1 << UInt32(key)
        guard seen & bit == 0 else { throw Bail() }
        seen |= bit
    }

    // MARK: - Entities

    private static let organizationKeys = KeySet(["id", "name", "kind", "url", "keys", "revoked"])

    private mutating func readOrganization(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", name = "", kind: OrganizationKind?, url: String?
        var keys: [JSONValue] = [], revoked: [String] = []
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.organizationKeys)
                try Self.mark(key, in: &seen)
                switch key {
                case 0: id = try orgSyms.define(&c, as: organizations.count)
                case 1: name = try c.string()
                case 2: kind = OrganizationKind(rawValue: try c.string())
                case 3: url = try c.string()
                case 4: keys = try c.jwks()
                default: revoked = try c.stringList()
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & 0b111 == 0b111, let kind else { throw Bail() }
        organizations.append(Organization(id: id, name: name, kind: kind, url: url, keys: keys, revoked: revoked))
    }

    private static let skillKeys = KeySet(["id", "name", "aliases", "category", "broader"])

    private mutating func readSkill(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", name = "", aliases: [String] = [], category: String?, broader: Int?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.skillKeys)
                try Self.mark(key, in: &seen)
                switch key {
                case 0: id = try skillSyms.define(&c, as: skills.count)
                case 1: name = try c.string()
                case 2: aliases = try c.stringList()
                case 3: category = try c.string()
                default: broader = try skillSyms.reference(&c)
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & 0b11 == 0b11 else { throw Bail() }
        skills.append(Skill(id: id, name: name, aliases: aliases, category: category, broader: broader))
    }

    private static let credentialKeys = KeySet([
        "id", "name", "kind", "provider", "platform", "teaches", "weeks", "hours", "cost", "currency",
        "credits", "requires", "stack", "accredited_by", "recognized_by", "valid_months", "url",
    ])

    private mutating func readCredential(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", name = "", kind: CredentialKind?, provider = 0, platform: Int?
        var teaches: [SkillLevel] = [], weeks = 0.0, hours: Double?, cost = 0.0, code: String?, credits = 0.0
        var requires: [Int] = [], stack: StackRule?, accredited: [Int] = [], recognized: [Int] = []
        var validMonths: Int?, url: String?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.credentialKeys)
                try Self.mark(key, in: &seen)
                switch key {
                case 0: id = try credSyms.define(&c, as: credentials.count)
                case 1: name = try c.string()
                case 2: kind = CredentialKind(rawValue: try c.string())
                case 3: provider = try orgSyms.reference(&c)
                case 4: platform = try orgSyms.reference(&c)
                case 5: teaches = try levels(&c)
                case 6: weeks = try c.nonNegative()
                case 7: hours = try c.nonNegative()
                case 8: cost = try c.nonNegative()
                case 9:
                    let text = try c.string()
                    guard text.utf8.count == 3, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { throw Bail() }
                    code = text
                case 10: credits = try c.nonNegative()
                case 11: requires = try references(&c, credentials: true)
                case 12: stack = try rule(&c, depth: 0)
                case 13: accredited = try references(&c, credentials: false)
                case 14: recognized = try references(&c, credentials: false)
                case 15:
                    let n = try c.number()
                    guard n == n.rounded(), n > 0, n < 100_000 else { throw Bail() }
                    validMonths = Int(n)
                default: url = try c.string()
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & 0b1111 == 0b1111, let kind else { throw Bail() }
        if let code {
            if let first = currency, first != code { throw Bail() }
            if currency == nil { currency = code }
        }
        credentials.append(Credential(
            id: id, name: name, kind: kind, provider: provider, platform: platform, teaches: teaches,
            weeks: weeks, hours: hours, cost: cost, currency: code ?? currency ?? "USD", credits: credits,
            requires: requires, stack: stack, accreditedBy: accredited, recognizedBy: recognized,
            validMonths: validMonths, url: url))
    }

    /// A stack rule, with credential symbols in place of indexes until `finish`.
    private mutating func rule(_ c: inout Cursor, depth: Int) throws(Bail) -> StackRule {
        guard depth < 64 else { throw Bail() }
        if c.peekIsQuote { return .credential(try credSyms.reference(&c)) }
        try c.expect(UInt8(ascii: "{"))
        var seen: UInt32 = 0
        var items: [StackRule]?, number: Double?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.ruleKeys)
                try Self.mark(key, in: &seen)
                switch key {
                case 0, 1, 4: items = try ruleList(&c, depth: depth)
                default: number = try c.number()
                }
            } while try c.nextMember()
        }
        guard let items else { throw Bail() }
        switch seen {
        case 0b00001: return .all(items)
        case 0b00010: return .any(items)
        case 0b10100:
            guard let n = number, n == n.rounded(), n >= 1, n < 1_000_000, Int(n) <= items.count else { throw Bail() }
            return .atLeast(Int(n), items)
        case 0b11000:
            guard let n = number, n >= 0 else { throw Bail() }
            var ids: [Int] = []
            for item in items {
                guard case .credential(let s) = item else { throw Bail() }
                ids.append(s)
            }
            return .credits(n, ids)
        default: throw Bail()
        }
    }

    private static let ruleKeys = KeySet(["all", "any", "n", "credits", "of"])

    private mutating func ruleList(_ c: inout Cursor, depth: Int) throws(Bail) -> [StackRule] {
        try c.expect(UInt8(ascii: "["))
        guard try !c.arrayEnd() else { throw Bail() }
        var items: [StackRule] = []
        repeat {
            let item = try rule(&c, depth: depth + 1)
            if case .credential(let s) = item {
                for case .credential(s) in items { throw Bail() }  // listed twice in one rule
            }
            items.append(item)
        } while try c.nextElement()
        return items
    }

    private static let roleKeys = KeySet(["id", "name", "aliases", "needs", "onet"])

    private mutating func readRole(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", name = "", aliases: [String] = [], needs: [SkillLevel] = [], onet: String?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.roleKeys)
                try Self.mark(key, in: &seen)
                switch key {
                case 0: id = try roleSyms.define(&c, as: roles.count)
                case 1: name = try c.string()
                case 2: aliases = try c.stringList()
                case 3: needs = try levels(&c)
                default: onet = try c.string()
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & 0b1011 == 0b1011 else { throw Bail() }
        roles.append(Role(id: id, name: name, aliases: aliases, needs: needs, onet: onet))
    }

    private static let learnerKeys = KeySet(["id", "name", "role", "goal", "holds"])
    private static let holdingKeys = KeySet(["id", "credential", "issued", "expires", "proof"])

    private mutating func readLearner(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", name = "", role: Int?, goal: String?, goalRole: Int?, holdings: [Holding] = []
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.learnerKeys)
                try Self.mark(key, in: &seen)
                switch key {
                case 0: id = try learnerSyms.define(&c, as: learners.count)
                case 1: name = try c.string()
                case 2: role = try roleSyms.reference(&c)
                case 3:
                    // A role defined already is the goal at once; other ids wait for every file.
                    if let span = try c.plainString() {
                        if let r = roleSyms.defined.find(span) { goalRole = r } else { goal = String(decoding: span, as: UTF8.self) }
                    } else {
                        goal = try c.string()
                    }
                default:
                    try c.expect(UInt8(ascii: "["))
                    if try !c.arrayEnd() {
                        // Gathered in a reused buffer, then copied once at their exact size.
                        holdingScratch.removeAll(keepingCapacity: true)
                        repeat {
                            try c.ensureWindow()
                            holdingScratch.append(try holding(&c))
                        } while try c.nextElement()
                        let scratch = holdingScratch
                        holdings = [Holding](unsafeUninitializedCapacity: scratch.count) { buffer, n in
                            _ = buffer.initialize(from: scratch)
                            n = scratch.count
                        }
                    }
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & 0b11 == 0b11 else { throw Bail() }
        if let goal { goals.append((learners.count, goal)) }
        learners.append(Learner(id: id, name: name, role: role, goal: goalRole.map(Goal.role), holdings: holdings))
    }

    private mutating func holding(_ c: inout Cursor) throws(Bail) -> Holding {
        try c.expect(UInt8(ascii: "{"))
        var seen: UInt32 = 0
        var id = "", credential = 0, issued: Day?, expires: Day?, proof: String?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.holdingKeys)
                try Self.mark(key, in: &seen)
                switch key {
                case 0: id = try holdingID(&c)
                case 1: credential = try credSyms.reference(&c)
                case 2: issued = try c.day()
                case 3: expires = try c.day()
                default: proof = try c.string()
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & 0b11 == 0b11, let issued else { throw Bail() }
        if let expires, expires < issued { throw Bail() }
        return Holding(id: id, credential: credential, issued: issued, expires: expires, proof: proof)
    }

    /// A holding's id, which must be unique in the whole graph.
    private mutating func holdingID(_ c: inout Cursor) throws(Bail) -> String {
        if let span = try c.plainString() {
            holdingIDs.add(span)
            return String(decoding: span, as: UTF8.self)
        }
        var id = try c.string()
        id.withUTF8 { holdingIDs.add($0) }
        return id
    }

    // MARK: - Fields

    /// An object of skill id → whole level 1-4, with skill symbols.
    private mutating func levels(_ c: inout Cursor) throws(Bail) -> [SkillLevel] {
        try c.expect(UInt8(ascii: "{"))
        var out: [SkillLevel] = []
        if try c.objectEnd() { return out }
        repeat {
            let skill = try skillSyms.reference(&c)
            try c.colon()
            let n = try c.number()
            guard n == n.rounded(), n >= 1, n <= 4 else { throw Bail() }
            for earlier in out where earlier.skill == skill { throw Bail() }  // duplicate key
            out.append(SkillLevel(skill: skill, level: Int(n)))
        } while try c.nextMember()
        return out
    }

    /// A list of credential ids (`credentials: true`) or organization ids, as symbols.
    private mutating func references(_ c: inout Cursor, credentials: Bool) throws(Bail) -> [Int] {
        try c.expect(UInt8(ascii: "["))
        var out: [Int] = []
        if try c.arrayEnd() { return out }
        repeat {
            out.append(credentials ? try credSyms.reference(&c) : try orgSyms.reference(&c))
        } while try c.nextElement()
        return out
    }

    // MARK: - Resolving

    private mutating func finish(sources: [String]) throws(Bail) -> Graph {
        try orgSyms.resolveEarly()
        try skillSyms.resolveEarly()
        try credSyms.resolveEarly()
        try roleSyms.resolveEarly()
        try learnerSyms.resolveEarly()
        if holdingIDs.anyEqual() { throw Bail() }
        holdingIDs = DuplicateFinder()
        LoadTrace.mark("resolve: early ids, holding ids")
        let org = orgSyms, skill = skillSyms, cred = credSyms, role = roleSyms
        func remap(_ rule: StackRule) -> StackRule {
            switch rule {
            case .credential(let s): .credential(cred.index(s))
            case .all(let items): .all(items.map(remap))
            case .any(let items): .any(items.map(remap))
            case .atLeast(let n, let items): .atLeast(n, items.map(remap))
            case .credits(let n, let items): .credits(n, items.map(cred.index))
            }
        }
        // Only references read before their definition need a second look.
        if skill.hasEarly {
            for i in skills.indices where skills[i].broader != nil { skills[i].broader = skill.index(skills[i].broader!) }
            for i in credentials.indices {
                for t in credentials[i].teaches.indices { credentials[i].teaches[t].skill = skill.index(credentials[i].teaches[t].skill) }
            }
            for i in roles.indices {
                for n in roles[i].needs.indices { roles[i].needs[n].skill = skill.index(roles[i].needs[n].skill) }
            }
        }
        if org.hasEarly {
            for i in credentials.indices {
                credentials[i].provider = org.index(credentials[i].provider)
                if let p = credentials[i].platform { credentials[i].platform = org.index(p) }
                for a in credentials[i].accreditedBy.indices { credentials[i].accreditedBy[a] = org.index(credentials[i].accreditedBy[a]) }
                for a in credentials[i].recognizedBy.indices { credentials[i].recognizedBy[a] = org.index(credentials[i].recognizedBy[a]) }
            }
        }
        if cred.hasEarly {
            for i in credentials.indices {
                if credentials[i].requires.contains(where: { $0 < 0 }) { credentials[i].requires = credentials[i].requires.map(cred.index) }
                if let rule = credentials[i].stack { credentials[i].stack = remap(rule) }
            }
            for i in learners.indices where learners[i].holdings.contains(where: { $0.credential < 0 }) {
                for h in learners[i].holdings.indices {
                    learners[i].holdings[h].credential = cred.index(learners[i].holdings[h].credential)
                }
            }
        }
        if role.hasEarly {
            for i in learners.indices { if let r = learners[i].role { learners[i].role = role.index(r) } }
        }
        LoadTrace.mark("resolve: early references")
        let roleIDs = role.lookup, credentialIDs = cred.lookup
        for (learner, id) in goals {
            if let r = roleIDs.index(of: id) { learners[learner].goal = .role(r) } else if let c = credentialIDs.index(of: id) {
                learners[learner].goal = .credential(c)
            } else {
                throw Bail()
            }
        }
        LoadTrace.mark("resolve: goals")
        // Edges that all point to entities defined earlier cannot close a cycle; only files
        // with references forward (or to themselves) need the search.
        func ordered(_ count: Int, _ targets: (Int) -> [Int]) -> Bool {
            for i in 0..<count { for t in targets(i) where t >= i { return false } }
            return true
        }
        if !ordered(credentials.count, { credentials[$0].requires }),
           !GraphBuilder.cycles(credentials.map(\.requires)).isEmpty { throw Bail() }
        if !ordered(skills.count, { skills[$0].broader.map { [$0] } ?? [] }),
           !GraphBuilder.cycles(skills.map { $0.broader.map { [$0] } ?? [] }).isEmpty { throw Bail() }
        /// Whether every credential a rule names was defined before `i`.
        func earlier(_ rule: StackRule, _ i: Int) -> Bool {
            switch rule {
            case .credential(let c): c < i
            case .all(let items), .any(let items), .atLeast(_, let items): items.allSatisfy { earlier($0, i) }
            case .credits(_, let items): items.allSatisfy { $0 < i }
            }
        }
        if !credentials.indices.allSatisfy({ i in credentials[i].stack.map { earlier($0, i) } ?? true }),
           !GraphBuilder.cycles(credentials.map { $0.stack?.credentials ?? [] }).isEmpty { throw Bail() }
        LoadTrace.mark("resolve: cycles")
        var graph = Graph()
        graph.sources = sources
        graph.organizations = organizations
        graph.skills = skills
        graph.credentials = credentials
        graph.roles = roles
        graph.learners = learners
        graph.buildIndexes(ids: [
            .organization: org.lookup, .skill: skill.lookup, .credential: credentialIDs, .role: roleIDs, .learner: learnerSyms.lookup,
        ])
        LoadTrace.mark("index")
        return graph
    }
}

// MARK: - Keys

/// The keys one kind of object knows, matched against raw bytes without making strings.
struct KeySet {
    /// Each key's first eight bytes as one little-endian word, its length, and its other bytes.
    private let heads: [UInt64]
    private let lengths: [Int]
    private let tails: [[UInt8]]

    init(_ names: [String]) {
        heads = names.map { Array($0.utf8).withUnsafeBufferPointer(KeyedHash.head) }
        lengths = names.map { $0.utf8.count }
        tails = names.map { Array($0.utf8.dropFirst(8)) }
    }

    /// The index of the key spelled by `count` bytes at `start`: two integer comparisons a
    /// candidate, and a byte comparison only for keys longer than eight bytes.
    @inline(__always)
    func match(_ start: UnsafePointer<UInt8>, _ count: Int) -> Int? {
        let h = KeyedHash.head(UnsafeBufferPointer(start: start, count: count))
        for i in heads.indices where heads[i] == h && lengths[i] == count {
            if count <= 8 { return i }
            let tail = tails[i]
            var same = true
            for j in 8..<count where tail[j - 8] != start[j] { same = false; break }
            if same { return i }
        }
        return nil
    }
}

// MARK: - The byte cursor

/// A file read through a fixed buffer: what the cursor has passed is dropped as it goes.
final class FileWindow {
    static let defaultSize = 16 << 20
    let size: Int
    let fd: Int32
    let storage: UnsafeMutablePointer<UInt8>
    private(set) var atEndOfFile = false
    /// A read failed: the cursor gives up and the thorough loader, reading again, reports it.
    private(set) var failed = false

    init?(path: String, size: Int) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.size = size
        storage = .allocate(capacity: size)
    }

    deinit {
        storage.deallocate()
        close(fd)
    }

    /// Moves the unread bytes `from..<end` to the front and reads more after them; returns
    /// the new end.
    func refill(keeping from: Int, end: Int) -> Int {
        let kept = end - from
        if kept > 0, from > 0 { memmove(storage, storage + from, kept) }
        var filled = kept
        while filled < size {
            let n = read(fd, storage + filled, size - filled)
            if n < 0, errno == EINTR { continue }
            if n <= 0 {
                atEndOfFile = true
                failed = n < 0
                break
            }
            filled += n
        }
        return filled
    }
}

/// A forward-only reader of strict JSON over a buffer. Anything it does not expect is `Bail`.
struct Cursor {
    typealias Bail = FastGraphReader.Bail
    let base: UnsafePointer<UInt8>
    var end: Int
    var i = 0
    /// Set when reading a file through a window; nil when the whole text is in `base`.
    private let window: FileWindow?

    /// Nil for an empty buffer, which has no base address (and is no graph).
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return nil }
        self.base = base
        end = bytes.count
        window = nil
    }

    init(window: FileWindow) throws(Bail) {
        self.window = window
        base = UnsafePointer(window.storage)
        end = window.refill(keeping: 0, end: 0)
        if window.failed { throw Bail() }
    }

    /// Between values: makes sure half a window (8 MiB by default) lies ahead, unless the file ends first.
    /// A single entity larger than that runs into the window's end and gives up.
    @inline(__always)
    mutating func ensureWindow() throws(Bail) {
        guard let window, !window.atEndOfFile, end - i < window.size / 2 else { return }
        end = window.refill(keeping: i, end: end)
        i = 0
        if window.failed { throw Bail() }
    }

    var atEndOfFile: Bool { window?.atEndOfFile ?? true }

    var atEnd: Bool { i >= end }
    var peekIsQuote: Bool {
        mutating get {
            skipWhitespace()
            return i < end && base[i] == UInt8(ascii: "\"")
        }
    }

    @inline(__always) mutating func skipWhitespace() {
        while i < end {
            let b = base[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    @inline(__always) mutating func expect(_ byte: UInt8) throws(Bail) {
        skipWhitespace()
        guard i < end, base[i] == byte else { throw Bail() }
        i += 1
    }

    mutating func colon() throws(Bail) { try expect(UInt8(ascii: ":")) }

    /// After `{`: true (and consumed) when the object is empty.
    mutating func objectEnd() throws(Bail) -> Bool {
        skipWhitespace()
        guard i < end else { throw Bail() }
        if base[i] == UInt8(ascii: "}") { i += 1; return true }
        return false
    }

    /// After `[`: true (and consumed) when the array is empty.
    mutating func arrayEnd() throws(Bail) -> Bool {
        skipWhitespace()
        guard i < end else { throw Bail() }
        if base[i] == UInt8(ascii: "]") { i += 1; return true }
        return false
    }

    /// After a member: true on `,`, false on `}`.
    mutating func nextMember() throws(Bail) -> Bool {
        skipWhitespace()
        guard i < end else { throw Bail() }
        let b = base[i]
        i += 1
        if b == UInt8(ascii: ",") { return true }
        if b == UInt8(ascii: "}") { return false }
        throw Bail()
    }

    /// After an element: true on `,`, false on `]`.
    mutating func nextElement() throws(Bail) -> Bool {
        skipWhitespace()
        guard i < end else { throw Bail() }
        let b = base[i]
        i += 1
        if b == UInt8(ascii: ",") { return true }
        if b == UInt8(ascii: "]") { return false }
        throw Bail()
    }

    /// A key the object knows, and the colon after it. Keys with escapes are left to the thorough path.
    mutating func key(_ keys: KeySet) throws(Bail) -> Int {
        try expect(UInt8(ascii: "\""))
        let start = i
        while i < end, base[i] != UInt8(ascii: "\""), base[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < end, base[i] == UInt8(ascii: "\""), i > start, let k = keys.match(base + start, i - start) else { throw Bail() }
        i += 1
        try colon()
        return k
    }

    mutating func string() throws(Bail) -> String {
        try expect(UInt8(ascii: "\""))
        let start = i
        var high: UInt8 = 0
        while i < end {
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                let bytes = UnsafeBufferPointer(start: base + start, count: i - start)
                i += 1
                if high & 0x80 == 0 { return String(decoding: bytes, as: UTF8.self) }
                guard let s = String(validating: bytes, as: UTF8.self) else { throw Bail() }
                return s
            }
            if b == UInt8(ascii: "\\") { return try escapedString(from: start) }
            guard b >= 0x20 else { throw Bail() }
            high |= b
            i += 1
        }
        throw Bail()
    }

    /// The bytes of a string with no escapes and only ASCII, in place; nil (nothing read)
    /// for any other string, which `string()` then reads.
    @inline(__always)
    mutating func plainString() throws(Bail) -> UnsafeBufferPointer<UInt8>? {
        try expect(UInt8(ascii: "\""))
        let start = i
        while i < end {
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return UnsafeBufferPointer(start: base + start, count: i - 1 - start)
            }
            guard b >= 0x20, b < 0x80, b != UInt8(ascii: "\\") else { break }
            i += 1
        }
        i = start - 1
        return nil
    }

    mutating func nonEmptyString() throws(Bail) -> String {
        let s = try string()
        guard !s.isEmpty else { throw Bail() }
        return s
    }

    /// The rest of a string that has escapes, from its first byte after the quote.
    private mutating func escapedString(from start: Int) throws(Bail) -> String {
        var buffer = Array(UnsafeBufferPointer(start: base + start, count: i - start))
        while i < end {
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                guard let s = String(validating: buffer, as: UTF8.self) else { throw Bail() }
                return s
            }
            guard b >= 0x20 else { throw Bail() }
            if b != UInt8(ascii: "\\") {
                buffer.append(b)
                i += 1
                continue
            }
            guard i + 1 < end else { throw Bail() }
            let e = base[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(e)
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 1 < end, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else { throw Bail() }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw Bail() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw Bail()
                }
                guard let u = Unicode.Scalar(scalar) else { throw Bail() }
                buffer.append(contentsOf: String(u).utf8)
            default: throw Bail()
            }
        }
        throw Bail()
    }

    private mutating func hex4() throws(Bail) -> UInt32 {
        guard i + 4 <= end else { throw Bail() }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = base[i]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw Bail()
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    /// A JSON number, as the thorough reader reads it (-0 is 0; out of range is refused).
    mutating func number() throws(Bail) -> Double {
        skipWhitespace()
        let start = i
        var negative = false
        if i < end, base[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        let digitsStart = i
        var whole: UInt64 = 0
        while i < end, base[i] >= UInt8(ascii: "0"), base[i] <= UInt8(ascii: "9") {
            whole = whole &* 10 &+ UInt64(base[i] - UInt8(ascii: "0"))
            i += 1
        }
        let digits = i - digitsStart
        guard digits > 0, !(digits > 1 && base[digitsStart] == UInt8(ascii: "0")) else { throw Bail() }
        let simple = i >= end || (base[i] != UInt8(ascii: ".") && base[i] != UInt8(ascii: "e") && base[i] != UInt8(ascii: "E"))
        if simple && digits <= 15 {
            let v = Double(whole)
            return negative && v != 0 ? -v : v
        }
        if i < end, base[i] == UInt8(ascii: ".") {
            i += 1
            let f = i
            while i < end, base[i] >= UInt8(ascii: "0"), base[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > f else { throw Bail() }
        }
        if i < end, base[i] == UInt8(ascii: "e") || base[i] == UInt8(ascii: "E") {
            i += 1
            if i < end, base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-") { i += 1 }
            let e = i
            while i < end, base[i] >= UInt8(ascii: "0"), base[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > e else { throw Bail() }
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: i - start), as: UTF8.self)
        guard let v = Double(text), v.isFinite else { throw Bail() }
        return v == 0 ? 0 : v
    }

    mutating func nonNegative() throws(Bail) -> Double {
        let n = try number()
        guard n >= 0 else { throw Bail() }
        return n
    }

    /// A `YYYY-MM-DD` string.
    mutating func day() throws(Bail) -> Day {
        if let span = try plainString() {
            guard let d = Day(bytes: span) else { throw Bail() }
            return d
        }
        guard let d = Day(try string()) else { throw Bail() }
        return d
    }

    /// An array of non-empty strings.
    mutating func stringList() throws(Bail) -> [String] {
        try expect(UInt8(ascii: "["))
        var out: [String] = []
        if try arrayEnd() { return out }
        repeat { out.append(try nonEmptyString()) } while try nextElement()
        return out
    }

    /// An issuer's keys: an array of JWK objects with a "kty" string, kept as JSON values.
    mutating func jwks() throws(Bail) -> [JSONValue] {
        skipWhitespace()
        guard i < end, base[i] == UInt8(ascii: "[") else { throw Bail() }
        // Find the array's end, then let the strict reader read just those bytes.
        let start = i
        var depth = 0
        repeat {
            guard i < end else { throw Bail() }
            switch base[i] {
            case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            case UInt8(ascii: "\""):
                i += 1
                while i < end, base[i] != UInt8(ascii: "\"") { i += base[i] == UInt8(ascii: "\\") ? 2 : 1 }
            default: break
            }
            i += 1
        } while depth > 0
        let slice = Array(UnsafeBufferPointer(start: base + start, count: i - start))
        guard case .array(let items)? = try? JSONParser.parse(slice) else { throw Bail() }
        for item in items {
            guard case .object(let jwk) = item, case .string? = jwk["kty"] else { throw Bail() }
        }
        return items
    }
}
