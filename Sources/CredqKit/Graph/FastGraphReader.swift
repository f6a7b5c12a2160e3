import Foundation
import Synchronization

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

    private var organizations: [Organization] = []
    private var skills: [Skill] = []
    private var credentials: [Credential] = []
    private var roles: [Role] = []
    private var learners: [Learner] = []
    /// Learner index and goal id, resolved once every role and credential is known.
    private var goals: [(learner: Int, key: UInt64)] = []

    /// Every id read, packed; a reference field holds its id's key until `finish` turns
    /// every key into the index of the entity it names, once every table can be built.
    /// Lookups then run back to back, so the memory accesses of many of them overlap.
    private var keys = KeyArena()
    /// Every reference, gathered as it is read, one list for each kind of entity that
    /// refers and kind referred to, so that each list is in entity order (files may mix
    /// kinds in any order) and `finish` writes it back in one pass over that kind.
    private var holdingCredentials: [Int] = [], learnerRoles: [Int] = []
    private var broaderRefs: [Int] = [], taughtRefs: [Int] = [], neededRefs: [Int] = [], relatedRefs: [Int] = [], usedRefs: [Int] = []
    private var organizationRefs: [Int] = [], credentialRefs: [Int] = []
    /// The keys of each kind's ids, in entity order.
    private var orgIDs: [UInt64] = [], skillIDs: [UInt64] = [], credIDs: [UInt64] = []
    /// Each credential's cost and weeks, for the graph's indexes.
    private var costs: [Double] = [], weeks: [Double] = []
    private var roleIDs: [UInt64] = [], learnerIDs: [UInt64] = []
    private var holdingIDs = DuplicateFinder()
    /// The holdings of the learners read here, in order; each learner's `Holdings` names
    /// its range, in `HoldingStore.empty` until `finish` makes the store.
    private var holdingStore = HoldingStore.Builder()
    private var levelScratch: [SkillLevel] = []
    /// The levels the credentials read here teach, in order (skill keys until `finish`);
    /// each credential's `SkillLevels` names its range, in `SkillLevelStore.empty` until then.
    private var taught: [SkillLevel] = []
    /// The helper reading the rest of this file's learners, if one was started.
    private var split: LearnerSplit?
    /// How many files a helper read part of.
    private var helped = 0
    /// The learners a helper read, not yet joined on (see `adopt`): none or one part (an
    /// array, as a reader cannot hold a reader directly).
    private var helper: [FastGraphReader] = []
    /// The first currency written on a credential, for credentials that name none; and how
    /// many credentials were read before it (they are given it when all files are read).
    private var currency: String?
    private var currencyFrom = 0

    /// How files are read; tests change these to reach every path on small files.
    struct Options {
        /// How much of a file on disk is held at once.
        var windowSize = FileWindow.defaultSize
        /// The size from which a file's learners are shared with a second thread (nil:
        /// never); see `LearnerSplit`.
        var splitAbove: Int? = LearnerSplit.defaultThreshold
        /// Where in a file of the given size the second thread starts looking for learners;
        /// nil: where the two threads' shares take about as long (see `balancedStart`).
        var splitPoint: (@Sendable (Int) -> Int)? = nil
    }

    /// The graph, or nil when the thorough path must read these files.
    static func load(_ sources: [GraphSource], _ options: Options = Options()) -> Graph? {
        read(sources, options)?.graph
    }

    /// The graph, and how many files a second thread helped read; nil when the thorough
    /// path must read these files.
    static func read(_ sources: [GraphSource], _ options: Options) -> (graph: Graph, helped: Int)? {
        var reader = FastGraphReader()
        do {
            for source in sources {
                defer {
                    reader.split?.cancel()
                    reader.split = nil
                }
                if let path = source.path {
                    guard let window = FileWindow(path: path, size: options.windowSize) else { throw Bail() }
                    var cursor = try Cursor(window: window)
                    if let above = options.splitAbove, let size = window.fileSize, size >= above {
                        let windowSize = options.windowSize
                        reader.split = LearnerSplit(size: size, point: options.splitPoint) { start, probe in
                            let size = probe.map { min($0, windowSize) } ?? windowSize
                            guard let window = FileWindow(path: path, size: size, start: start) else { return nil }
                            return try? Cursor(window: window)
                        }
                    }
                    try reader.readFile(&cursor)
                    continue
                }
                try source.bytes.withUnsafeBufferPointer { (buffer) throws(Bail) in
                    guard var cursor = Cursor(bytes: buffer) else { throw Bail() }
                    if let above = options.splitAbove, buffer.count >= above {
                        let text = LearnerSplit.Text(buffer: buffer)
                        reader.split = LearnerSplit(size: buffer.count, point: options.splitPoint) { start, _ in
                            var cursor = Cursor(bytes: text.buffer)
                            cursor?.i = min(start, text.buffer.count)
                            return cursor
                        }
                    }
                    defer {  // the helper reads `buffer`, so it ends before the buffer may go
                        reader.split?.cancel()
                        reader.split = nil
                    }
                    try reader.readFile(&cursor)
                }
            }
            // The graph's one currency, for the credentials read before any named it.
            if let code = reader.currency {
                for i in 0..<reader.currencyFrom { reader.credentials[i].currency = code }
            }
            LoadTrace.mark("read")
            let helped = reader.helped
            return (try reader.finish(sources: sources.map(\.name)), helped)
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
                switch Self.topCases[key] {
                case .credq:
                    guard try c.number() == Double(Format.version) else { throw Bail() }
                    sawVersion = true
                case .organizations: try list(&c) { (r, c) throws(Bail) in try r.readOrganization(&c) }
                case .skills: try list(&c) { (r, c) throws(Bail) in try r.readSkill(&c) }
                case .credentials:
                    // Their arrays get their room at once when the learners' list is known to follow.
                    let end = split?.learnersAt
                    try list(&c, end: end.flatMap { $0 > c.position ? $0 : nil }, reserve: { $0.reserveCredentials($1) }) {
                        (r, c) throws(Bail) in try r.readCredential(&c)
                    }
                case .roles: try list(&c) { (r, c) throws(Bail) in try r.readRole(&c) }
                case .learners: try learnerList(&c)
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

    private static let topKeys = KeySet(Format.Top.names)
    private static let topCases = Format.Top.allCases

    /// A list of objects, each read by `each`. When the list is known to end before `end`,
    /// `reserve` is told, after `sample` of them, how much more room they will need.
    private mutating func list(_ c: inout Cursor, end: Int? = nil, reserve: (inout FastGraphReader, Double) -> Void = { _, _ in },
                               _ each: (inout FastGraphReader, inout Cursor) throws(Bail) -> Void) throws(Bail) {
        try c.expect(UInt8(ascii: "["))
        if try c.arrayEnd() { return }
        let start = c.position
        var read = 0
        repeat {
            try c.ensureWindow()
            try c.expect(UInt8(ascii: "{"))
            try each(&self, &c)
            read += 1
            if read == Self.sample, let end { reserve(&self, Self.growth(from: start, at: c.position, to: end)) }
        } while try c.nextElement()
    }

    /// The learners list, where a helper thread may have read the second part already.
    private mutating func learnerList(_ c: inout Cursor) throws(Bail) {
        try c.expect(UInt8(ascii: "["))
        if try c.arrayEnd() { return }
        settleHelper()  // learners read now come after the helper's
        // Where the helper's learners start, known before any learner is read here: the
        // helper finds it at once, and waiting for it makes the outcome not depend on timing.
        let helperStart = split?.located()
        repeat {
            try c.ensureWindow()
            if let split, let helperStart {
                c.skipWhitespace()
                // Only here, at the start of an element of this list, can the helper's
                // learners be taken: it read the same bytes with the same code.
                if c.position == helperStart {
                    self.split = nil
                    LoadTrace.mark("read: up to the helper's learners")
                    if let (rest, end) = split.take() {
                        LoadTrace.mark("read: waiting for the helper, which took \(split.took) ms from byte \(split.from),")
                        adopt(rest)
                        helped += 1
                        try c.seek(to: end)
                        return
                    }
                }
            }
            try c.expect(UInt8(ascii: "{"))
            try readLearner(&c)
        } while try c.nextElement()
    }

    /// Keeps the learners a helper read, which come after those read here, as a part of
    /// their own until `finish` (or more learners) joins them on: the join then runs beside
    /// the catalog's work instead of before it. Only the helper's long ids move now, into
    /// this arena.
    private mutating func adopt(_ other: FastGraphReader) {
        var other = other
        let shift = keys.bytes.count
        if !other.keys.bytes.isEmpty, shift > 0 {
            func moved(_ key: UInt64) -> UInt64 { keys.moved(key, by: shift) }
            func moved(_ reference: Int) -> Int { Int(truncatingIfNeeded: moved(Self.key(reference))) }
            other.learnerIDs = other.learnerIDs.map(moved)
            other.holdingCredentials = other.holdingCredentials.map(moved)
            other.learnerRoles = other.learnerRoles.map(moved)
            other.goals = other.goals.map { ($0.learner, moved($0.key)) }
        }
        keys.append(other.keys)
        other.keys = KeyArena()
        helper = [other]
    }

    /// Joins a helper's part on after the learners read here.
    private mutating func settleHelper() {
        guard let other = helper.popLast() else { return }
        let base = learners.count, shift = holdingStore.count
        learners.append(contentsOf: other.learners.map {
            var learner = $0
            learner.holdings = learner.holdings.moved(to: .empty, by: shift)
            return learner
        })
        holdingStore.append(other.holdingStore)
        learnerIDs.append(contentsOf: other.learnerIDs)
        holdingCredentials.append(contentsOf: other.holdingCredentials)
        learnerRoles.append(contentsOf: other.learnerRoles)
        goals.append(contentsOf: other.goals.map { (base + $0.learner, $0.key) })
        holdingIDs.append(other.holdingIDs)
    }

    /// The helper's side of a split: from the cursor, finds the first object that reads as a
    /// learner, then reads learners to the end of their list. Nil when no learner starts
    /// within a mebibyte, when anything fails, or when the first thread stops waiting.
    fileprivate static func readLearners(_ c: inout Cursor, for split: LearnerSplit, size: Int) -> (FastGraphReader, end: Int)? {
        var reader = FastGraphReader()
        guard let first = firstLearner(&c, within: 1 << 20, into: &reader, unless: { split.stopped }) else { return nil }
        split.found(first)
        var read = 1
        do {
            while try c.nextElement() {
                guard !split.stopped else { return nil }
                try c.ensureWindow()
                try c.expect(UInt8(ascii: "{"))
                try reader.readLearner(&c)
                read += 1
                if read == Self.sample { reader.reserveLearners(Self.growth(from: first, at: c.position, to: size)) }
            }
        } catch {
            return nil
        }
        // Its holdings' ids are put in order here, where the first thread may still be
        // reading; two the same, and the first thread reads these learners itself.
        guard !reader.holdingIDs.sort() else { return nil }
        return (reader, c.position)
    }

    /// After how many entities of a long list the rest is guessed (see `growth`).
    static let sample = 4096

    /// How many times what a list holds so far it will hold at `end`, guessed from how far
    /// it has come since `start`: arrays are given that room at once, instead of doubling
    /// to it, which moves every element into fresh memory each time. (The room only costs
    /// memory once used; a guess too small grows as before.)
    static func growth(from start: Int, at position: Int, to end: Int) -> Double {
        guard position > start, end > position else { return 1 }
        let ratio = Double(end - start) / Double(position - start)
        return ratio * 1.03
    }

    /// Room for `factor` times `count` elements of `array`, within an eighth of the
    /// machine's memory, so that a wild guess cannot ask for more than there is.
    static func reserve<T>(_ array: inout [T], _ count: Int, _ factor: Double) {
        let budget = Int(min(ProcessInfo.processInfo.physicalMemory / 8, 1 << 40)) / MemoryLayout<T>.stride
        let wanted = Double(count) * factor
        array.reserveCapacity(wanted < Double(budget) ? Int(wanted) + 16 : budget)
    }

    /// Gives the learners' arrays room for `factor` times what they hold.
    private mutating func reserveLearners(_ factor: Double) {
        Self.reserve(&learners, learners.count, factor)
        Self.reserve(&learnerIDs, learnerIDs.count, factor)
        Self.reserve(&learnerRoles, learnerRoles.count, factor)
        Self.reserve(&holdingStore.packed, holdingStore.count, factor)
        Self.reserve(&holdingCredentials, holdingCredentials.count, factor)
        holdingIDs.reserve(holdingStore.count, factor)
    }

    /// Gives the credentials' arrays room for `factor` times what they hold.
    private mutating func reserveCredentials(_ factor: Double) {
        Self.reserve(&credentials, credentials.count, factor)
        Self.reserve(&credIDs, credIDs.count, factor)
        Self.reserve(&costs, costs.count, factor)
        Self.reserve(&weeks, weeks.count, factor)
        Self.reserve(&taughtRefs, taughtRefs.count, factor)
        Self.reserve(&taught, taught.count, factor)
        Self.reserve(&organizationRefs, organizationRefs.count, factor)
    }

    /// Where the first object that reads as a learner begins, from the cursor on and no
    /// further than `span` bytes on; the cursor is left after it, and it is read into `reader`.
    /// Nil when there is none, or once `stopped()`.
    private static func firstLearner(_ c: inout Cursor, within span: Int, into reader: inout FastGraphReader,
                                     unless stopped: () -> Bool) -> Int? {
        let limit = c.position + span
        while true {
            guard !stopped(), c.position < limit, (try? c.find(UInt8(ascii: "{"))) == true else { return nil }
            let first = c.position
            c.i += 1
            do {
                try reader.readLearner(&c)
                return first
            } catch {
                reader = FastGraphReader()
                guard (try? c.seek(to: first + 1)) != nil else { return nil }
            }
        }
    }

    /// How much longer a byte of the catalog takes to read than a byte of learners, as
    /// measured on the 1M benchmark graph with both threads reading (10 against 4.8 ns a byte).
    static let catalogByteCost = 2.1

    /// Where a helper should start in a text of `size` bytes so that both threads finish at
    /// about the same time: the first thread reads what comes before the learners (the
    /// catalog, its bytes `catalogByteCost` times as slow) and learners up to the start,
    /// the helper the rest. The learners' list is found by bisection on where an object that
    /// reads as a learner with holdings (a skill or an organization may read as a learner
    /// with none) starts soon after a point, assuming the list comes last, as `GraphWriter`
    /// and the benchmark generator put it; then the list's key is looked for close by. When
    /// the file does not end with such learners, three sevenths in. Whatever the start, the
    /// first thread only takes the helper's work when it arrives at the same place in its
    /// learners' list.
    static func balancedStart(size: Int, open: (Int) -> Cursor?, unless stopped: () -> Bool = { false }) -> (start: Int, learners: Int?) {
        let span = 64 << 10
        func learner(after point: Int) -> Int? {
            guard var c = open(point) else { return nil }
            var reader = FastGraphReader()
            var from = point
            while let first = firstLearner(&c, within: point + span - from, into: &reader, unless: stopped) {
                if reader.holdingStore.count > 0 { return first }
                reader = FastGraphReader()
                from = c.position
            }
            return nil
        }
        let fallback = (start: size / 7 * 3, learners: Int?.none)
        guard size > 4 * span, learner(after: size - span) != nil else { return fallback }
        let list: Int
        if let first = learner(after: 0) {
            list = first
        } else {
            // Learners with holdings start soon after `high`, and none soon after `low`.
            var low = 0, high = size - span
            while high - low > span {
                let middle = low + (high - low) / 2
                if learner(after: middle) != nil { high = middle } else { low = middle }
            }
            guard let found = learner(after: high) else { return fallback }
            list = listStart(from: low, to: found, open: open) ?? found
        }
        let even = (Double(size) - (catalogByteCost - 1) * Double(list)) / 2
        return (max(list, Int(even)), list)
    }

    /// Where the first element of a list under the key `"learners"` begins, looked for from
    /// `from` up to `to`. In valid JSON those bytes, quotes included, and a colon after
    /// them can only be that key.
    private static func listStart(from: Int, to: Int, open: (Int) -> Cursor?) -> Int? {
        guard var c = open(from) else { return nil }
        let learners = Format.Top.learners.number
        while c.position < to, (try? c.find(UInt8(ascii: "\""))) == true {
            let at = c.position
            guard (try? c.ensureWindow()) != nil else { return nil }
            if (try? c.key(Self.topKeys)) == learners, (try? c.expect(UInt8(ascii: "["))) != nil {
                c.skipWhitespace()
                return c.position
            }
            guard (try? c.seek(to: at + 1)) != nil else { return nil }
        }
        return nil
    }

    /// Records a key as seen in one object; a second time is a duplicate key.
    @inline(__always)
    private static func mark(_ key: Int, in seen: inout UInt32) throws(Bail) {
        let bit: UInt32 = 1 << UInt32(key)
        guard seen & bit == 0 else { throw Bail() }
        seen |= bit
    }

    // MARK: - Entities

    private static let organizationKinds = KeySet(OrganizationKind.allCases.map(\.rawValue))
    private static let credentialKinds = KeySet(CredentialKind.allCases.map(\.rawValue))
    private static let organizationKeys = KeySet(Format.Organization.names)
    private static let organizationCases = Format.Organization.allCases
    private static let organizationRequired = Format.Organization.requiredMask

    private mutating func readOrganization(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", idKey: UInt64 = 0, name = "", kind: OrganizationKind?, url: String?
        var jwks: [JSONValue] = [], revoked: [String] = []
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.organizationKeys)
                try Self.mark(key, in: &seen)
                switch Self.organizationCases[key] {
                case .id: (id, idKey) = try define(&c)
                case .name: name = try c.string()
                case .kind: kind = OrganizationKind.allCases[try c.word(Self.organizationKinds)]
                case .url: url = try c.string()
                case .keys: jwks = try c.jwks()
                case .revoked: revoked = try c.stringList()
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & Self.organizationRequired == Self.organizationRequired, let kind else { throw Bail() }
        orgIDs.append(idKey)
        organizations.append(Organization(id: id, name: name, kind: kind, url: url, keys: jwks, revoked: revoked))
    }

    private static let skillKeys = KeySet(Format.Skill.names)
    private static let skillCases = Format.Skill.allCases
    private static let skillRequired = Format.Skill.requiredMask

    private mutating func readSkill(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", idKey: UInt64 = 0, name = "", aliases: [String] = [], category: String?, broader: Int?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.skillKeys)
                try Self.mark(key, in: &seen)
                switch Self.skillCases[key] {
                case .id: (id, idKey) = try define(&c)
                case .name: name = try c.string()
                case .aliases: aliases = try c.stringList()
                case .category: category = try c.string()
                case .broader: broader = try reference(&c)
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & Self.skillRequired == Self.skillRequired else { throw Bail() }
        skillIDs.append(idKey)
        if let broader { broaderRefs.append(broader) }
        skills.append(Skill(id: id, name: name, aliases: aliases, category: category, broader: broader))
    }

    private static let credentialKeys = KeySet(Format.Credential.names)
    private static let credentialCases = Format.Credential.allCases
    private static let credentialRequired = Format.Credential.requiredMask

    private mutating func readCredential(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", idKey: UInt64 = 0, name = "", kind: CredentialKind?, provider = 0, platform: Int?
        var teaches = SkillLevels(store: .empty, first: taught.count, end: taught.count), weeks = 0.0, hours: Double?, cost = 0.0, code: String?, credits = 0.0
        var requires: [Int] = [], stack: StackRule?, accredited: [Int] = [], recognized: [Int] = []
        var validMonths: Int?, url: String?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.credentialKeys)
                try Self.mark(key, in: &seen)
                switch Self.credentialCases[key] {
                case .id: (id, idKey) = try define(&c)
                case .name: name = try c.string()
                case .kind: kind = CredentialKind.allCases[try c.word(Self.credentialKinds)]
                case .provider: provider = try reference(&c)
                case .platform: platform = try reference(&c)
                case .teaches:
                    try levels(&c)
                    let first = taught.count
                    taught.append(contentsOf: levelScratch)
                    teaches = SkillLevels(store: .empty, first: first, end: taught.count)
                case .weeks: weeks = try c.nonNegative()
                case .hours: hours = try c.nonNegative()
                case .cost: cost = try c.nonNegative()
                case .currency:
                    let text = try c.string()
                    guard Format.isCurrency(text.utf8) else { throw Bail() }
                    code = text
                case .credits: credits = try c.nonNegative()
                case .requires: requires = try references(&c)
                case .stack: stack = try rule(&c, depth: 0)
                case .accreditedBy: accredited = try references(&c)
                case .recognizedBy: recognized = try references(&c)
                case .validMonths:
                    guard let months = Format.validMonths(try c.number()) else { throw Bail() }
                    validMonths = months
                case .url: url = try c.string()
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & Self.credentialRequired == Self.credentialRequired, let kind else { throw Bail() }
        if let code {
            if let first = currency, first != code { throw Bail() }
            if currency == nil {
                currency = code
                currencyFrom = credentials.count
            }
        }
        credIDs.append(idKey)
        costs.append(cost)
        self.weeks.append(weeks)
        // In the order `resolveCatalog` writes them back.
        for level in taught[Int(teaches.lower)...] { taughtRefs.append(level.skill) }
        organizationRefs.append(provider)
        if let platform { organizationRefs.append(platform) }
        credentialRefs.append(contentsOf: requires)
        if let stack { Self.leaves(of: stack) { credentialRefs.append($0) } }
        organizationRefs.append(contentsOf: accredited)
        organizationRefs.append(contentsOf: recognized)
        credentials.append(Credential(
            id: id, name: name, kind: kind, provider: provider, platform: platform, teaches: teaches,
            weeks: weeks, hours: hours, cost: cost, currency: code ?? currency ?? "USD", credits: credits,
            requires: requires, stack: stack, accreditedBy: accredited, recognizedBy: recognized,
            validMonths: validMonths, url: url))
    }

    /// A stack rule, with credential keys in place of indexes until `finish`.
    private mutating func rule(_ c: inout Cursor, depth: Int) throws(Bail) -> StackRule {
        guard depth < 64 else { throw Bail() }
        if c.peekIsQuote { return .credential(try reference(&c)) }
        try c.expect(UInt8(ascii: "{"))
        var seen: UInt32 = 0
        var items: [StackRule]?, number: Double?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.ruleKeys)
                try Self.mark(key, in: &seen)
                switch Self.ruleCases[key] {
                case .all, .any, .of: items = try ruleList(&c, depth: depth)
                case .n, .credits: number = try c.number()
                }
            } while try c.nextMember()
        }
        guard let items else { throw Bail() }
        switch seen {
        case Self.allShape: return .all(items)
        case Self.anyShape: return .any(items)
        case Self.atLeastShape:
            guard let number, let n = Format.itemCount(number), n <= items.count else { throw Bail() }
            return .atLeast(n, items)
        case Self.creditsShape:
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

    private static let ruleKeys = KeySet(Format.Rule.names)
    private static let ruleCases = Format.Rule.allCases
    private static let allShape = Format.Rule.mask([.all]), anyShape = Format.Rule.mask([.any])
    private static let atLeastShape = Format.Rule.mask([.n, .of]), creditsShape = Format.Rule.mask([.credits, .of])

    private mutating func ruleList(_ c: inout Cursor, depth: Int) throws(Bail) -> [StackRule] {
        try c.expect(UInt8(ascii: "["))
        guard try !c.arrayEnd() else { throw Bail() }
        var items: [StackRule] = []
        repeat {
            let item = try rule(&c, depth: depth + 1)
            if case .credential(let s) = item {
                for case .credential(let t) in items where keys.same(Self.key(s), Self.key(t)) { throw Bail() }  // listed twice in one rule
            }
            items.append(item)
        } while try c.nextElement()
        return items
    }

    private static let roleKeys = KeySet(Format.Role.names)
    private static let roleCases = Format.Role.allCases
    private static let roleRequired = Format.Role.requiredMask

    private mutating func readRole(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", idKey: UInt64 = 0, name = "", aliases: [String] = [], needs: [SkillLevel] = [], onet: String?
        var related: [Int] = [], uses: [Int] = []
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.roleKeys)
                try Self.mark(key, in: &seen)
                switch Self.roleCases[key] {
                case .id: (id, idKey) = try define(&c)
                case .name: name = try c.string()
                case .aliases: aliases = try c.stringList()
                case .needs:
                    try levels(&c)
                    needs = levelScratch.isEmpty ? [] : Array(exactly: levelScratch)
                case .onet: onet = try c.string()
                case .related: related = try references(&c)
                case .uses: uses = try references(&c)
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & Self.roleRequired == Self.roleRequired else { throw Bail() }
        roleIDs.append(idKey)
        for level in needs { neededRefs.append(level.skill) }
        relatedRefs.append(contentsOf: related)
        usedRefs.append(contentsOf: uses)
        roles.append(Role(id: id, name: name, aliases: aliases, needs: needs, onet: onet, related: related, uses: uses))
    }

    private static let learnerKeys = KeySet(Format.Learner.names)
    private static let learnerCases = Format.Learner.allCases
    private static let learnerRequired = Format.Learner.requiredMask
    private static let holdingKeys = KeySet(Format.Holding.names)
    private static let holdingCases = Format.Holding.allCases
    private static let holdingRequired = Format.Holding.requiredMask

    private mutating func readLearner(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", idKey: UInt64 = 0, name = "", role: Int?, goal: UInt64?
        var holdings = Holdings(store: .empty, first: holdingStore.count, end: holdingStore.count)
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.learnerKeys)
                try Self.mark(key, in: &seen)
                switch Self.learnerCases[key] {
                case .id: (id, idKey) = try define(&c)
                case .name: name = try c.string()
                case .role: role = try reference(&c)
                case .goal: goal = try readKey(&c)
                case .holds:
                    try c.expect(UInt8(ascii: "["))
                    let first = holdingStore.count
                    if try !c.arrayEnd() {
                        repeat {
                            try c.ensureWindow()
                            try holding(&c)
                        } while try c.nextElement()
                    }
                    holdings = Holdings(store: .empty, first: first, end: holdingStore.count)
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & Self.learnerRequired == Self.learnerRequired else { throw Bail() }
        if let goal { goals.append((learners.count, goal)) }
        if let role { learnerRoles.append(role) }
        learnerIDs.append(idKey)
        learners.append(Learner(id: id, name: name, role: role, goal: nil, holdings: holdings))
    }

    /// Reads a holding into `holdingStore`; its credential is resolved in `finish`.
    private mutating func holding(_ c: inout Cursor) throws(Bail) {
        try c.expect(UInt8(ascii: "{"))
        var seen: UInt32 = 0
        var id: UInt64 = 0, credential = 0, issued: Day?, expires: Day?, proof: String?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.holdingKeys)
                try Self.mark(key, in: &seen)
                switch Self.holdingCases[key] {
                case .id: id = try holdingID(&c)
                case .credential:
                    credential = try reference(&c)
                    holdingCredentials.append(credential)
                case .issued: issued = try c.day()
                case .expires: expires = try c.day()
                case .proof: proof = try c.string()
                }
            } while try c.nextMember()
        }
        guard seen & Self.holdingRequired == Self.holdingRequired, let issued else { throw Bail() }
        if let expires, expires < issued { throw Bail() }
        holdingStore.append(id: id, credential: 0, issued: issued, expires: expires, proof: proof)
    }

    /// A holding's id, which must be unique in the whole graph, as `HoldingStore` keeps it.
    private mutating func holdingID(_ c: inout Cursor) throws(Bail) -> UInt64 {
        if let span = try c.plainString() {
            guard !span.isEmpty else { throw Bail() }
            let head = c.head(span)
            holdingIDs.add(span, head: head)
            if span.count <= 8 { return head }  // a plain string is ASCII with no NUL
            return holdingStore.longID(String(decoding: span, as: UTF8.self))
        }
        var id = try c.string()
        guard !id.isEmpty else { throw Bail() }
        id.withUTF8 { holdingIDs.add($0, head: KeyedHash.head($0)) }
        return holdingStore.longID(id)
    }

    // MARK: - Fields

    /// An object of skill id → whole level 1-4, with skill keys, into `levelScratch`.
    private mutating func levels(_ c: inout Cursor) throws(Bail) {
        try c.expect(UInt8(ascii: "{"))
        // Gathered in a reused buffer, then copied once where they are kept.
        levelScratch.removeAll(keepingCapacity: true)
        if try c.objectEnd() { return }
        repeat {
            let skill = try reference(&c)
            try c.colon()
            guard let level = Format.level(try c.number()) else { throw Bail() }
            for earlier in levelScratch where keys.same(Self.key(earlier.skill), Self.key(skill)) { throw Bail() }  // duplicate key
            levelScratch.append(SkillLevel(skill: skill, level: level))
        } while try c.nextMember()
    }

    /// A list of ids, as keys.
    private mutating func references(_ c: inout Cursor) throws(Bail) -> [Int] {
        try c.expect(UInt8(ascii: "["))
        var out: [Int] = []
        if try c.arrayEnd() { return out }
        repeat { out.append(try reference(&c)) } while try c.nextElement()
        return out
    }

    // MARK: - Ids

    /// The packed key of the id string at the cursor.
    @inline(__always)
    private mutating func readKey(_ c: inout Cursor) throws(Bail) -> UInt64 {
        let key: UInt64?
        if let span = try c.plainString() {
            key = keys.key(span, head: c.head(span))
        } else {
            var text = try c.string()
            key = text.withUTF8 { keys.key($0, head: nil) }
        }
        guard let key else { throw Bail() }
        return key
    }

    /// A reference, kept as its id's key (in the bits of an `Int`) until `finish`.
    @inline(__always)
    private mutating func reference(_ c: inout Cursor) throws(Bail) -> Int { Int(truncatingIfNeeded: try readKey(&c)) }

    @inline(__always)
    private static func key(_ reference: Int) -> UInt64 { UInt64(truncatingIfNeeded: reference) }

    /// A defining id: the text, and its key.
    private mutating func define(_ c: inout Cursor) throws(Bail) -> (String, UInt64) {
        let id: String, key: UInt64?
        if let span = try c.plainString() {
            id = String(decoding: span, as: UTF8.self)
            key = keys.key(span, head: c.head(span))
        } else {
            var text = try c.string()
            key = text.withUTF8 { keys.key($0, head: nil) }
            id = text
        }
        guard !id.isEmpty, let key else { throw Bail() }
        return (id, key)
    }

    // MARK: - Resolving

    /// The credentials a stack rule names, in the order `StackRule` lists them (its leaves,
    /// depth first).
    private static func leaves(of rule: StackRule, _ each: (Int) -> Void) {
        switch rule {
        case .credential(let c): each(c)
        case .all(let items), .any(let items), .atLeast(_, let items): for item in items { leaves(of: item, each) }
        case .credits(_, let items): items.forEach(each)
        }
    }

    /// The rule with its leaves replaced, in order, by `next()`.
    private static func replacingLeaves(of rule: StackRule, _ next: () -> Int) -> StackRule {
        switch rule {
        case .credential: .credential(next())
        case .all(let items): .all(items.map { replacingLeaves(of: $0, next) })
        case .any(let items): .any(items.map { replacingLeaves(of: $0, next) })
        case .atLeast(let n, let items): .atLeast(n, items.map { replacingLeaves(of: $0, next) })
        case .credits(let n, let items): .credits(n, items.map { _ in next() })
        }
    }

    /// Finds every key of `references` in `table`, in place; false when one is not there.
    private static func find(_ table: IDTable, _ keys: KeyArena, _ references: inout [Int]) -> Bool {
        references.withUnsafeMutableBufferPointer { references in
            table.findAll(references, in: keys)
            return !references.contains(-1)
        }
    }

    /// Gives each level the next skill of `skills`, from `next` on.
    private static func writeSkills(_ levels: inout [SkillLevel], from skills: [Int], at next: inout Int) {
        levels.withUnsafeMutableBufferPointer { levels in
            for l in levels.indices {
                levels[l].skill = skills[next]
                next += 1
            }
        }
    }

    /// Resolves the references of the skills, credentials and roles from the lists gathered
    /// while reading, and checks that they make no cycle; false when an id is defined
    /// nowhere or there is a cycle.
    private mutating func resolveCatalog(_ tables: Tables, _ keys: KeyArena) -> Bool {
        var broaderRefs = self.broaderRefs, taughtRefs = self.taughtRefs, neededRefs = self.neededRefs
        var relatedRefs = self.relatedRefs, usedRefs = self.usedRefs
        var organizationRefs = self.organizationRefs, credentialRefs = self.credentialRefs
        (self.broaderRefs, self.taughtRefs, self.neededRefs, self.organizationRefs, self.credentialRefs) = ([], [], [], [], [])
        (self.relatedRefs, self.usedRefs) = ([], [])
        guard Self.find(tables.skill, keys, &broaderRefs), Self.find(tables.skill, keys, &taughtRefs),
              Self.find(tables.skill, keys, &neededRefs), Self.find(tables.role, keys, &relatedRefs), Self.find(tables.skill, keys, &usedRefs),
              Self.find(tables.organization, keys, &organizationRefs),
              Self.find(tables.credential, keys, &credentialRefs) else { return false }
        // Written back in the order read. An edge to an entity defined later (or to itself)
        // is noted, for only then can there be a cycle to look for.
        var nextBroader = 0, nextNeeded = 0, nextOrganization = 0, nextCredential = 0
        func organization() -> Int {
            defer { nextOrganization += 1 }
            return organizationRefs[nextOrganization]
        }
        func credential() -> Int {
            defer { nextCredential += 1 }
            return credentialRefs[nextCredential]
        }
        var broaderForward = false, requiresForward = false, stackForward = false
        skills.withUnsafeMutableBufferPointer { all in
            for i in all.indices where all[i].broader != nil {
                all[i].broader = broaderRefs[nextBroader]
                nextBroader += 1
                if all[i].broader! >= i { broaderForward = true }
            }
        }
        // The levels all credentials teach get their skills in one pass, then their store.
        taught.withUnsafeMutableBufferPointer { levels in
            for j in levels.indices { levels[j].skill = taughtRefs[j] }
        }
        let taughtStore = SkillLevelStore(taught)
        taught = []
        credentials.withUnsafeMutableBufferPointer { all in
            for i in all.indices {
                all[i].teaches = all[i].teaches.placed(in: taughtStore)
                all[i].provider = organization()
                if all[i].platform != nil { all[i].platform = organization() }
                if !all[i].requires.isEmpty {
                    all[i].requires.withUnsafeMutableBufferPointer { requires in
                        for r in requires.indices {
                            requires[r] = credential()
                            if requires[r] >= i { requiresForward = true }
                        }
                    }
                }
                if let rule = all[i].stack {
                    let rewritten = Self.replacingLeaves(of: rule, credential)
                    all[i].stack = rewritten
                    Self.leaves(of: rewritten) { if $0 >= i { stackForward = true } }
                }
                if !all[i].accreditedBy.isEmpty {
                    all[i].accreditedBy.withUnsafeMutableBufferPointer { for o in $0.indices { $0[o] = organization() } }
                }
                if !all[i].recognizedBy.isEmpty {
                    all[i].recognizedBy.withUnsafeMutableBufferPointer { for o in $0.indices { $0[o] = organization() } }
                }
            }
        }
        var nextRelated = 0, nextUsed = 0
        roles.withUnsafeMutableBufferPointer { all in
            for i in all.indices {
                Self.writeSkills(&all[i].needs, from: neededRefs, at: &nextNeeded)
                for r in all[i].related.indices {
                    all[i].related[r] = relatedRefs[nextRelated]
                    nextRelated += 1
                }
                for u in all[i].uses.indices {
                    all[i].uses[u] = usedRefs[nextUsed]
                    nextUsed += 1
                }
            }
        }
        discardLater((broaderRefs, taughtRefs, neededRefs, organizationRefs, credentialRefs))
        if requiresForward, !GraphBuilder.cycles(credentials.map(\.requires)).isEmpty { return false }
        if broaderForward, !GraphBuilder.cycles(skills.map { $0.broader.map { [$0] } ?? [] }).isEmpty { return false }
        if stackForward, !GraphBuilder.cycles(credentials.map { $0.stack?.credentials ?? [] }).isEmpty { return false }
        return true
    }

    /// Resolves the learners' references from the lists gathered while reading: each
    /// holding's credential, each learner's role, and the goals; and places their holdings
    /// in the store that `holdings` becomes.
    private static func resolve(_ learners: inout [Learner], _ holdings: inout HoldingStore.Builder, _ tables: Tables, _ keys: KeyArena,
                                _ credentials: inout [Int], _ roles: inout [Int], _ goals: [(learner: Int, key: UInt64)]) -> Bool {
        guard find(tables.credential, keys, &credentials), find(tables.role, keys, &roles) else { return false }
        holdings.packed.withUnsafeMutableBufferPointer { packed in
            for h in packed.indices { packed[h].credential = Int32(truncatingIfNeeded: credentials[h]) }
        }
        let store = holdings.finished()
        holdings = HoldingStore.Builder()
        var nextRole = 0
        learners.withUnsafeMutableBufferPointer { all in
            for i in all.indices {
                if all[i].role != nil {
                    all[i].role = roles[nextRole]
                    nextRole += 1
                }
                all[i].holdings = all[i].holdings.moved(to: store, by: 0)
            }
        }
        // A goal is a role, or else a credential.
        for (i, key) in goals {
            if let r = tables.role.find(key, in: keys) {
                learners[i].goal = .role(r)
            } else if let c = tables.credential.find(key, in: keys) {
                learners[i].goal = .credential(c)
            } else {
                return false
            }
        }
        return true
    }

    /// One id table per kind, numbered in entity order.
    struct Tables {
        var organization = IDTable(), skill = IDTable(), credential = IDTable(), role = IDTable(), learner = IDTable()
    }

    private mutating func finish(sources: [String]) throws(Bail) -> Graph {
        let keys = self.keys
        self.keys = KeyArena()
        // The catalog's id tables here; beside them the learners' table, and the check that
        // no two holdings share an id (a helper has sorted its part's already).
        /// A table of one kind's ids; nil when an id is there twice.
        func table(_ ids: inout [UInt64]) -> IDTable? {
            defer { ids = [] }
            return IDTable(keys: ids, from: keys)
        }
        var tables: Tables?, learnerTable: IDTable?
        // The helper's part, if any, is resolved on its own and joined on beside the catalog.
        var part = helper.popLast() ?? FastGraphReader()
        var holdingIDs = self.holdingIDs
        self.holdingIDs = DuplicateFinder()
        var repeatedHolding = false, checkTook: UInt64 = 0
        var learnerIDs = self.learnerIDs, partIDs = part.learnerIDs
        (self.learnerIDs, part.learnerIDs) = ([], [])
        var ids = [orgIDs, skillIDs, credIDs, roleIDs]
        (orgIDs, skillIDs, credIDs, roleIDs) = ([], [], [], [])
        together({
            guard let org = table(&ids[0]), let skill = table(&ids[1]), let cred = table(&ids[2]),
                  let role = table(&ids[3]) else { return }
            tables = Tables(organization: org, skill: skill, credential: cred, role: role)
        }, {
            let began = DispatchTime.now().uptimeNanoseconds
            learnerIDs.append(contentsOf: partIDs)
            partIDs = []
            learnerTable = table(&learnerIDs)
            repeatedHolding = holdingIDs.anyEqual(with: part.holdingIDs)
            checkTook = (DispatchTime.now().uptimeNanoseconds - began) / 1_000_000
        })
        guard var tables, let learnerTable, !repeatedHolding else { throw Bail() }
        tables.learner = learnerTable
        part.holdingIDs = DuplicateFinder()
        LoadTrace.mark("resolve: catalog id tables, and beside them learners' and holding ids in \(checkTook) ms,")

        // Every reference becomes an index: the catalog's here, the learners' beside them.
        // An id no file defines leaves the files to the thorough loader, which says which.
        var learners = self.learners, holdingStore = self.holdingStore
        self.learners = []
        self.holdingStore = HoldingStore.Builder()
        var catalogResolved = false, learnersResolved = false
        let goals = self.goals
        self.goals = []
        var holdingCredentials = self.holdingCredentials, learnerRoles = self.learnerRoles
        (self.holdingCredentials, self.learnerRoles) = ([], [])
        var catalogTook: UInt64 = 0, learnersTook: UInt64 = 0
        together({
            let began = DispatchTime.now().uptimeNanoseconds
            catalogResolved = resolveCatalog(tables, keys)
            catalogTook = (DispatchTime.now().uptimeNanoseconds - began) / 1_000_000
        }, {
            let began = DispatchTime.now().uptimeNanoseconds
            learnersResolved = Self.resolve(&learners, &holdingStore, tables, keys, &holdingCredentials, &learnerRoles, goals)
                && Self.resolve(&part.learners, &part.holdingStore, tables, keys, &part.holdingCredentials, &part.learnerRoles, part.goals)
            // The smaller part moves, instead of copying a million learners into a new array.
            if learners.count < part.learners.count {
                part.learners.insert(contentsOf: learners, at: 0)
                swap(&learners, &part.learners)
            } else {
                learners.append(contentsOf: part.learners)
            }
            discardLater(part)
            part = FastGraphReader()
            learnersTook = (DispatchTime.now().uptimeNanoseconds - began) / 1_000_000
        })
        self.learners = learners
        discardLater((holdingCredentials, learnerRoles))
        (holdingCredentials, learnerRoles) = ([], [])
        guard catalogResolved, learnersResolved else { throw Bail() }
        LoadTrace.mark("resolve: references and cycles, catalog \(catalogTook) ms and learners \(learnersTook) ms,")
        var graph = Graph()
        graph.sources = sources
        graph.organizations = organizations
        graph.skills = skills
        graph.credentials = credentials
        graph.roles = roles
        graph.learners = learners
        graph.buildIndexes(ids: [
            .organization: IDLookup(table: tables.organization, entity: nil), .skill: IDLookup(table: tables.skill, entity: nil),
            .credential: IDLookup(table: tables.credential, entity: nil), .role: IDLookup(table: tables.role, entity: nil),
            .learner: IDLookup(table: tables.learner, entity: nil),
        ], costs: costs, weeks: weeks)
        LoadTrace.mark("index")
        return graph
    }
}

/// Lets go of `value` on another thread: freeing millions of objects, or arrays of hundreds
/// of megabytes, takes the kernel and the allocator a while that the load need not wait for.
func discardLater<T>(_ value: T) {
    let doomed = Doomed(value)
    DispatchQueue.global(qos: .utility).async { doomed.value = nil }
}

/// A value on its way to be let go of by `discardLater`.
private final class Doomed<T>: @unchecked Sendable {
    var value: T?
    init(_ value: T) { self.value = value }
}

/// Runs `first` on this thread and `second` on another (when the machine has more than one
/// core), and returns once both are done. The two must touch different state.
func together(_ first: () -> Void, _ second: () -> Void) {
    guard ProcessInfo.processInfo.activeProcessorCount > 1 else {
        first()
        second()
        return
    }
    /// The second task, handed to the other thread, which lets go of it before it says it is
    /// done; `together` waits for that, so the task never outlives what it captures.
    final class Handoff: @unchecked Sendable {
        var run: (() -> Void)?
        let done = DispatchSemaphore(value: 0)
        init(_ run: @escaping () -> Void) { self.run = run }
    }
    withoutActuallyEscaping(second) { second in
        let handoff = Handoff(second)
        DispatchQueue.global().async {
            handoff.run?()
            handoff.run = nil
            handoff.done.signal()
        }
        first()
        handoff.done.wait()
    }
}

/// A second thread that reads the learners in the second half of a large file while the
/// first thread reads up to them.
///
/// The helper starts in the middle of the file, takes the first object there that reads as a
/// learner, reads learners to the end of their list, and tells where its first learner began
/// (the first thread waits for that when it reaches the learners list). The first thread
/// takes the helper's work only if it arrives at exactly that place as the start of an
/// element of the learners list: then the helper read the same bytes with the same code,
/// and (ids being resolved only once everything is read) built what the first thread would
/// have. Otherwise the helper's work is dropped and the first thread reads on alone. Large
/// graphs are mostly learners and their holdings, which sit at the end of generated files;
/// a file whose second half holds no learners is read by one thread.
final class LearnerSplit: @unchecked Sendable {
    /// Files from 8 MiB are split, on machines with more than one core.
    static let defaultThreshold: Int? = ProcessInfo.processInfo.activeProcessorCount > 1 ? 8 << 20 : nil

    /// An in-memory text the helper reads while the first thread keeps it alive.
    struct Text: @unchecked Sendable { let buffer: UnsafeBufferPointer<UInt8> }

    /// Where the helper's first learner begins, once it has read it.
    private var start: Int?
    /// Signalled once the helper knows `start` or has given up finding it.
    private let startKnown = DispatchSemaphore(value: 0)
    private var startTold = false
    private let stop = Atomic<Bool>(false)
    /// Where the helper found the learners' list to begin; -1 until then, or if it did not.
    private let learners = Atomic<Int>(-1)

    /// Where the learners' list begins, if the helper has found it yet.
    var learnersAt: Int? {
        let at = learners.load(ordering: .acquiring)
        return at >= 0 ? at : nil
    }
    private let done = DispatchSemaphore(value: 0)
    /// Written by the helper before it signals `done`, read only after waiting for it.
    private var result: (reader: FastGraphReader, end: Int)?
    private var ended = false
    /// How long the helper took, in milliseconds, and where it started looking (for `LoadTrace`).
    private(set) var took: UInt64 = 0, from = 0

    /// Starts the helper on a text of `size` bytes, at `point(size)` or else where the two
    /// threads' shares balance. `open(start, window)` makes a cursor from `start` on,
    /// reading a file through a window of at most `window` bytes when one is given.
    init(size: Int, point: (@Sendable (Int) -> Int)?, open: @escaping @Sendable (Int, Int?) -> Cursor?) {
        Thread.detachNewThread { [self] in
            let began = DispatchTime.now().uptimeNanoseconds
            var start = point?(size) ?? 0
            if point == nil {
                let found = FastGraphReader.balancedStart(size: size, open: { open($0, 256 << 10) }, unless: { self.stopped })
                start = found.start
                if let at = found.learners { learners.store(at, ordering: .releasing) }
            }
            from = start
            if var cursor = open(start, nil) { result = FastGraphReader.readLearners(&cursor, for: self, size: size) }
            took = (DispatchTime.now().uptimeNanoseconds - began) / 1_000_000
            if !startTold { startKnown.signal() }
            done.signal()
        }
    }

    /// The helper's: its first learner begins at `position`.
    fileprivate func found(_ position: Int) {
        start = position
        startTold = true
        startKnown.signal()
    }

    /// Waits until the helper has found its first learner, and returns where it begins; nil
    /// when it found none.
    func located() -> Int? {
        startKnown.wait()
        startKnown.signal()  // for a second call
        return start
    }

    var stopped: Bool { stop.load(ordering: .relaxed) }

    /// Waits for the helper and returns its learners and where they end.
    func take() -> (reader: FastGraphReader, end: Int)? {
        guard !ended else { return nil }
        ended = true
        done.wait()
        return result.take()
    }

    /// Tells the helper to stop, and waits until it has.
    func cancel() {
        guard !ended else { return }
        stop.store(true, ordering: .relaxed)
        _ = take()
    }
}

// MARK: - Keys

/// The keys one kind of object knows, matched against raw bytes without making strings.
struct KeySet {
    /// Each key's bytes as two little-endian words, zero-padded: keys are ASCII without NUL
    /// and at most 16 bytes, so the two words tell a key, its length included.
    private let words: [(UInt64, UInt64)]
    /// A multiplier that sends every key to its own one of 64 slots, and the slots' keys.
    private let multiplier: UInt64
    private let slots: [Int8]

    init(_ names: [String]) {
        let words = names.map { name in
            let bytes = Array(name.utf8)
            precondition(bytes.count <= 16 && bytes.allSatisfy { $0 > 0 && $0 < 0x80 }, "keys are short ASCII")
            return bytes.withUnsafeBufferPointer { b in
                (KeyedHash.head(b), KeyedHash.head(UnsafeBufferPointer(rebasing: b[min(8, b.count)...])))
            }
        }
        precondition(names.count <= 32 && Set(words.map { Self.mix($0.0, $0.1) }).count == words.count)
        // Try multipliers until no two keys share a slot; a few tries do for up to 32 keys.
        var multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var slots: [Int8]
        search: while true {
            slots = [Int8](repeating: -1, count: 64)
            for (i, w) in words.enumerated() {
                let slot = Self.slot(w.0, w.1, multiplier)
                if slots[slot] >= 0 {
                    multiplier = multiplier &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    continue search
                }
                slots[slot] = Int8(i)
            }
            break
        }
        self.words = words
        self.multiplier = multiplier
        self.slots = slots
    }

    @inline(__always)
    private static func mix(_ first: UInt64, _ second: UInt64) -> UInt64 { first ^ (second &* 0x100_0000_01B3) }

    @inline(__always)
    private static func slot(_ first: UInt64, _ second: UInt64, _ multiplier: UInt64) -> Int {
        Int(truncatingIfNeeded: (mix(first, second) &* multiplier) >> 58)
    }

    /// The index of the key whose two words these are: one slot to look at.
    @inline(__always)
    func match(_ first: UInt64, _ second: UInt64) -> Int? {
        let k = slots.withUnsafeBufferPointer { $0[Self.slot(first, second, multiplier)] }
        guard k >= 0 else { return nil }
        let w = words.withUnsafeBufferPointer { $0[Int(k)] }
        return w.0 == first && w.1 == second ? Int(k) : nil
    }

    /// The index of the key spelled by `count` bytes at `start`.
    func match(_ start: UnsafePointer<UInt8>, _ count: Int) -> Int? {
        guard count <= 16 else { return nil }
        let bytes = UnsafeBufferPointer(start: start, count: count)
        return match(KeyedHash.head(bytes), KeyedHash.head(UnsafeBufferPointer(rebasing: bytes[min(8, count)...])))
    }
}

extension Array {
    /// A copy of `scratch` with no spare capacity, for lists kept for the graph's lifetime.
    init(exactly scratch: [Element]) {
        self.init(unsafeUninitializedCapacity: scratch.count) { buffer, n in
            _ = buffer.initialize(from: scratch)
            n = scratch.count
        }
    }
}

/// Eight bytes at a time: which bytes end a plain string (a quote, a backslash, a control
/// character or a byte of a non-ASCII character). The lowest flagged byte is exact; flags
/// above it may be false (a borrow carries), so only the lowest is used.
enum Bytes {
    @inline(__always)
    static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    @inline(__always)
    static func special(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func zeroByte(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let quote = zeroByte(w ^ (ones &* 0x22)), backslash = zeroByte(w ^ (ones &* 0x5C))
        let control = (w &- ones &* 0x20) & ~w & highs
        return quote | backslash | control | (w & highs)
    }

    /// The words' low `n` bytes (0...8), the rest zero.
    @inline(__always)
    static func low(_ w: UInt64, _ n: Int) -> UInt64 { n >= 8 ? w : w & ((1 << (UInt64(n) * 8)) &- 1) }
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
    /// Where in the file `storage[0]` lies.
    private(set) var offset = 0

    /// A window on the file at `path`, from byte `start` on.
    init?(path: String, size: Int, start: Int = 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        if start > 0, lseek(fd, off_t(start), SEEK_SET) != off_t(start) {
            close(fd)
            return nil
        }
        offset = start
        self.size = size
        storage = .allocate(capacity: size)
    }

    /// The file's size, or nil when it cannot be told.
    var fileSize: Int? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    /// Drops what the window holds and fills it from byte `position` of the file on;
    /// returns the new end.
    func jump(to position: Int) -> Int {
        guard lseek(fd, off_t(position), SEEK_SET) == off_t(position) else {
            failed = true
            return 0
        }
        offset = position
        atEndOfFile = false
        return refill(keeping: 0, end: 0)
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
        offset += from
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

    /// Moves to the next `byte` (true), or to the end of the text when there is none (false).
    mutating func find(_ byte: UInt8) throws(Bail) -> Bool {
        while true {
            try ensureWindow()
            while i < end {
                if base[i] == byte { return true }
                i += 1
            }
            if atEndOfFile { return false }
        }
    }

    /// The first eight bytes of a span `plainString` returned, as `KeyedHash.head` makes
    /// them: one load when eight bytes can be read there.
    @inline(__always)
    func head(_ span: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let start = span.baseAddress, start + 8 <= base + end else { return KeyedHash.head(span) }
        return Bytes.low(Bytes.load(start), span.count)
    }

    /// How far into the text the cursor is.
    var position: Int { (window?.offset ?? 0) + i }

    /// Moves the cursor to `position` of the text, which it may have passed or not reached.
    mutating func seek(to position: Int) throws(Bail) {
        guard let window else {
            guard position >= 0, position <= end else { throw Bail() }
            i = position
            return
        }
        let local = position - window.offset
        if local >= 0, local <= end {
            i = local
            return
        }
        end = window.jump(to: position)
        i = 0
        if window.failed { throw Bail() }
    }

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

    @inline(__always) mutating func colon() throws(Bail) { try expect(UInt8(ascii: ":")) }

    /// After `{`: true (and consumed) when the object is empty.
    @inline(__always) mutating func objectEnd() throws(Bail) -> Bool {
        skipWhitespace()
        guard i < end else { throw Bail() }
        if base[i] == UInt8(ascii: "}") { i += 1; return true }
        return false
    }

    /// After `[`: true (and consumed) when the array is empty.
    @inline(__always) mutating func arrayEnd() throws(Bail) -> Bool {
        skipWhitespace()
        guard i < end else { throw Bail() }
        if base[i] == UInt8(ascii: "]") { i += 1; return true }
        return false
    }

    /// After a member: true on `,`, false on `}`.
    @inline(__always) mutating func nextMember() throws(Bail) -> Bool {
        skipWhitespace()
        guard i < end else { throw Bail() }
        let b = base[i]
        i += 1
        if b == UInt8(ascii: ",") { return true }
        if b == UInt8(ascii: "}") { return false }
        throw Bail()
    }

    /// After an element: true on `,`, false on `]`.
    @inline(__always) mutating func nextElement() throws(Bail) -> Bool {
        skipWhitespace()
        guard i < end else { throw Bail() }
        let b = base[i]
        i += 1
        if b == UInt8(ascii: ",") { return true }
        if b == UInt8(ascii: "]") { return false }
        throw Bail()
    }

    /// A key the object knows, and the colon after it. Keys with escapes are left to the thorough path.
    @inline(__always)
    mutating func key(_ keys: KeySet) throws(Bail) -> Int {
        let k = try word(keys)
        try colon()
        return k
    }

    /// A string that is one of `words` (object keys, or values such as a kind), as its index.
    /// Words with escapes are left to the thorough path.
    mutating func word(_ words: KeySet) throws(Bail) -> Int {
        try expect(UInt8(ascii: "\""))
        if end - i >= 16 {  // the usual case: the word and its quote within two words of bytes
            let first = Bytes.load(base + i), second = Bytes.load(base + i + 8)
            var k: Int?
            let a = Bytes.special(first)
            if a != 0 {
                let n = a.trailingZeroBitCount / 8
                guard base[i + n] == UInt8(ascii: "\""), n > 0 else { throw Bail() }
                k = words.match(Bytes.low(first, n), 0)
                i += n + 1
            } else {
                let b = Bytes.special(second)
                let n = b.trailingZeroBitCount / 8
                guard n < 8, base[i + 8 + n] == UInt8(ascii: "\"") else { throw Bail() }
                k = words.match(first, Bytes.low(second, n))
                i += 8 + n + 1
            }
            guard let k else { throw Bail() }
            return k
        }
        let start = i
        while i < end, base[i] != UInt8(ascii: "\""), base[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < end, base[i] == UInt8(ascii: "\""), i > start, let k = words.match(base + start, i - start) else { throw Bail() }
        i += 1
        return k
    }

    mutating func string() throws(Bail) -> String {
        if let span = try plainString() { return String(decoding: span, as: UTF8.self) }
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
        while end - i >= 8 {  // eight bytes at a time while they are plain
            let flags = Bytes.special(Bytes.load(base + i))
            if flags == 0 {
                i += 8
                continue
            }
            i += flags.trailingZeroBitCount / 8
            guard base[i] == UInt8(ascii: "\"") else { break }
            i += 1
            return UnsafeBufferPointer(start: base + start, count: i - 1 - start)
        }
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
