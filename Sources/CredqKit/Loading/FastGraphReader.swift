import Foundation
import Synchronization

/// Time and memory per phase of a load, for `DebugTrace.load` (`CREDQ_DEBUG_LOAD=1`).
enum LoadTrace {
    nonisolated(unsafe) static var last = DispatchTime.now().uptimeNanoseconds

    static func mark(_ phase: String) {
        guard let sink = DebugTrace.load else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let rss = (Int(statm.split(separator: " ").dropFirst().first ?? "") ?? 0) * 4096 / 1_048_576
        sink("load: \(phase) \((now &- min(now, last)) / 1_000_000) ms, rss \(rss) MiB\n")
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

    var organizations: [Organization] = []
    var skills: [Skill] = []
    var credentials: [Credential] = []
    var roles: [Role] = []
    var learners: [Learner] = []
    /// Learner index and goal id, resolved once every role and credential is known.
    var goals: [(learner: Int, key: UInt64)] = []

    /// Every id read, packed; a reference field holds its id's key until `finish` turns
    /// every key into the index of the entity it names, once every table can be built.
    /// Lookups then run back to back, so the memory accesses of many of them overlap.
    var keys = KeyArena()
    /// Every reference, gathered as it is read, one list for each kind of entity that
    /// refers and kind referred to, so that each list is in entity order (files may mix
    /// kinds in any order) and `finish` writes it back in one pass over that kind.
    var holdingCredentials: [Int] = [], learnerRoles: [Int] = []
    var broaderRefs: [Int] = [], taughtRefs: [Int] = [], neededRefs: [Int] = [], relatedRefs: [Int] = [], usedRefs: [Int] = []
    var organizationRefs: [Int] = [], credentialRefs: [Int] = []
    /// The keys of each kind's ids, in entity order.
    var orgIDs: [UInt64] = [], skillIDs: [UInt64] = [], credIDs: [UInt64] = []
    /// Each credential's cost and weeks, for the graph's indexes.
    var costs: [Double] = [], weeks: [Double] = []
    var roleIDs: [UInt64] = [], learnerIDs: [UInt64] = []
    var holdingIDs = DuplicateFinder()
    /// The holdings of the learners read here, in order; each learner's `Holdings` names
    /// its range, in `HoldingStore.empty` until `finish` makes the store.
    var holdingStore = HoldingStore.Builder()
    var levelScratch: [SkillLevel] = []
    /// The levels the credentials read here teach, in order (skill keys until `finish`);
    /// each credential's `SkillLevels` names its range, in `SkillLevelStore.empty` until then.
    var taught: [SkillLevel] = []
    /// The helper reading the rest of this file's learners, if one was started.
    var split: LearnerSplit?
    /// How many files a helper read part of.
    var helped = 0
    /// The learners a helper read, not yet joined on (see `adopt`): none or one part (an
    /// array, as a reader cannot hold a reader directly).
    var helper: [FastGraphReader] = []
    /// The first currency written on a credential, for credentials that name none; and how
    /// many credentials were read before it (they are given it when all files are read).
    var currency: String?
    var currencyFrom = 0

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

    mutating func readFile(_ c: inout Cursor) throws(Bail) {
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

    static let topKeys = KeySet(Format.Top.names)
    static let topCases = Format.Top.allCases

    /// A list of objects, each read by `each`. When the list is known to end before `end`,
    /// `reserve` is told, after `sample` of them, how much more room they will need.
    mutating func list(_ c: inout Cursor, end: Int? = nil, reserve: (inout FastGraphReader, Double) -> Void = { _, _ in },
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
    mutating func learnerList(_ c: inout Cursor) throws(Bail) {
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
    mutating func adopt(_ other: FastGraphReader) {
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
    mutating func settleHelper() {
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
    static func readLearners(_ c: inout Cursor, for split: LearnerSplit, size: Int) -> (FastGraphReader, end: Int)? {
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
    mutating func reserveLearners(_ factor: Double) {
        Self.reserve(&learners, learners.count, factor)
        Self.reserve(&learnerIDs, learnerIDs.count, factor)
        Self.reserve(&learnerRoles, learnerRoles.count, factor)
        Self.reserve(&holdingStore.packed, holdingStore.count, factor)
        Self.reserve(&holdingCredentials, holdingCredentials.count, factor)
        holdingIDs.reserve(holdingStore.count, factor)
    }

    /// Gives the credentials' arrays room for `factor` times what they hold.
    mutating func reserveCredentials(_ factor: Double) {
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
    static func firstLearner(_ c: inout Cursor, within span: Int, into reader: inout FastGraphReader,
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
    static func listStart(from: Int, to: Int, open: (Int) -> Cursor?) -> Int? {
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
    static func mark(_ key: Int, in seen: inout UInt32) throws(Bail) {
        let bit: UInt32 = 1 << UInt32(key)
        guard seen & bit == 0 else { throw Bail() }
        seen |= bit
    }

}
