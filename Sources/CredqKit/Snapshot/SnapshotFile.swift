import Foundation

/// What happens when a section of an open snapshot turns out damaged as a query first uses
/// it: the message is written and credq leaves with status 4 (invalid graph data). A query
/// cannot go on without the data, and a wrong answer is worse than none.
public enum SnapshotDamageHandler {
    nonisolated(unsafe) public static var handle: @Sendable (String) -> Never = { message in
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(4)
    }
}

/// An open snapshot: its header read and checked, its sections mapped, each checked (size,
/// checksum, every index it holds) the first time it is used.
final class SnapshotFile: @unchecked Sendable {
    struct Entry {
        var offset: Int, size: Int, checksum: UInt64
    }

    let path: String
    let file: MappedFile
    let writtenBy: String
    /// The seed of the name table's hash.
    let seed: UInt64
    let counts: [Int]
    let sources: [SourceIdentity]
    private let table: [SnapshotSection: Entry]

    private let lock = NSRecursiveLock()
    private var verified: [SnapshotSection: UnsafeRawBufferPointer] = [:]
    private let teachesStore = Lazy<SkillLevelStore>()
    private let holdingStore = Lazy<HoldingStore>()

    func count(_ kind: EntityKind) -> Int { counts[EntityKind.allCases.firstIndex(of: kind)!] }

    /// Whether the file starts as a snapshot does.
    static func looksLikeSnapshot(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: SnapshotFormat.magic.count)) ?? Data()
        return Array(head) == SnapshotFormat.magic
    }

    /// Opens a snapshot, reading only its header: the magic, the version, the sizes, the
    /// header's checksum, and a section table that fits the file.
    init(path: String, file: MappedFile) throws(SnapshotDamage) {
        self.path = path
        self.file = file
        let bytes = file.bytes
        var r = ByteReader(bytes, what: "the header")
        guard bytes.count >= SnapshotFormat.fixedHeaderSize else {
            if bytes.count >= 8, Array(bytes.prefix(8)) == SnapshotFormat.magic { throw SnapshotDamage(reason: "it is cut short (\(bytes.count) bytes)") }
            throw SnapshotDamage(reason: "it is not a credq snapshot")
        }
        guard Array(bytes.prefix(8)) == SnapshotFormat.magic else { throw SnapshotDamage(reason: "it is not a credq snapshot") }
        #if !_endian(little)
        throw SnapshotDamage(reason: "a snapshot is read in place, which needs a little-endian machine")
        #endif
        guard SnapshotFormat.layoutsMatch else { throw SnapshotDamage(reason: "a snapshot is read in place, which needs 64-bit integers") }
        r.at = 8
        let version = try r.u32()
        guard version == SnapshotFormat.version else {
            throw SnapshotDamage(reason: "it is in snapshot format version \(version); this credq (\(Keywords.version)) reads version \(SnapshotFormat.version)")
        }
        let headerSize = Int(try r.u32())
        let fileSize = try r.u64()
        guard fileSize == UInt64(bytes.count) else {
            throw SnapshotDamage(reason: fileSize > UInt64(bytes.count)
                ? "it is cut short (\(bytes.count) of \(fileSize) bytes)" : "it has \(UInt64(bytes.count) - fileSize) bytes more than it should")
        }
        guard headerSize >= SnapshotFormat.fixedHeaderSize, headerSize <= bytes.count else {
            throw SnapshotDamage(reason: "its header size (\(headerSize)) does not fit the file")
        }
        let checksum = try r.u64()
        let sum = SnapshotWriter.headerChecksum(fixed: Array(bytes.prefix(24)),
                                                rest: Array(bytes[SnapshotFormat.fixedHeaderSize..<headerSize]))
        guard sum == checksum else { throw SnapshotDamage(reason: "its header fails its checksum") }

        r = ByteReader(bytes, from: SnapshotFormat.fixedHeaderSize, to: headerSize, what: "the header")
        writtenBy = try r.string()
        seed = try r.u64()
        var counts: [Int] = []
        for _ in EntityKind.allCases {
            let n = try r.u64()
            guard n < 1 << 29 else { throw SnapshotDamage(reason: "the header counts \(n) entities of a kind") }
            counts.append(Int(n))
        }
        self.counts = counts
        var sources: [SourceIdentity] = []
        for _ in 0..<(try r.count(each: 28)) {
            sources.append(SourceIdentity(path: try r.string(), size: try r.u64(), modified: try r.i64(), contentHash: try r.u64()))
        }
        self.sources = sources
        var table: [SnapshotSection: Entry] = [:]
        for _ in 0..<(try r.count(each: 28)) {
            let name = try r.string()
            let offset = try r.u64(), size = try r.u64(), sum = try r.u64()
            guard offset >= UInt64(headerSize), offset % UInt64(SnapshotFormat.alignment) == 0,
                  size <= UInt64(bytes.count), offset <= UInt64(bytes.count) - size
            else { throw SnapshotDamage(reason: "section \(name) lies outside the file") }
            // A section this version does not know is left alone.
            guard let section = SnapshotSection(rawValue: name) else { continue }
            guard table[section] == nil else { throw SnapshotDamage(reason: "section \(name) is there twice") }
            table[section] = Entry(offset: Int(offset), size: Int(size), checksum: sum)
        }
        guard r.isAtEnd else { throw SnapshotDamage(reason: "its header has bytes after the section table") }
        if let missing = SnapshotSection.allCases.first(where: { table[$0] == nil }) {
            throw SnapshotDamage(reason: "section \(missing.rawValue) is missing")
        }
        self.table = table
    }

    /// Leaves with the damage handler's message.
    func damaged(_ damage: SnapshotDamage) -> Never {
        SnapshotDamageHandler.handle("\(path): error: damaged snapshot: \(damage.reason); write it again with credq snapshot")
    }

    /// A section's bytes, checked on first use.
    func section(_ name: SnapshotSection) -> UnsafeRawBufferPointer {
        do { return try checked(name) } catch { damaged(error) }
    }

    /// A section's bytes once its checksum and structure are checked (once).
    private func checked(_ name: SnapshotSection) throws(SnapshotDamage) -> UnsafeRawBufferPointer {
        lock.lock()
        defer { lock.unlock() }
        if let done = verified[name] { return done }
        let e = table[name]!
        let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[e.offset..<(e.offset + e.size)])
        var clock = SnapshotWriter.Stopwatch()
        guard SnapshotFormat.sectionChecksum(bytes) == e.checksum else {
            throw SnapshotDamage(reason: "section \(name.rawValue) fails its checksum")
        }
        clock.mark("\(name.rawValue): checksum of \(e.size >> 20) MiB")
        do {
            try check(name, bytes)
        } catch {
            throw SnapshotDamage(reason: "section \(name.rawValue): \(error.reason)")
        }
        clock.mark("\(name.rawValue): checked")
        verified[name] = bytes
        return bytes
    }

    /// Checks every section now (a cache before it is trusted): checksums and structure.
    func checkSections() throws(SnapshotDamage) {
        for name in SnapshotSection.allCases { _ = try checked(name) }
    }

    /// Checks every section and every record now (`credq validate`).
    func checkAll() throws(SnapshotDamage) {
        try checkSections()
        for kind in EntityKind.allCases {
            for i in 0..<count(kind) { _ = try record(kind, i) }
        }
    }

    // MARK: - Columns

    func u32(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> Int {
        Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
    }

    func i32(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> Int32 {
        Int32(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
    }

    func u64(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
    }

    func i64(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> Int {
        Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
    }

    /// A column of f64, copied.
    func doubles(_ name: SnapshotSection) -> [Double] {
        let bytes = section(name)
        return (0..<(bytes.count / 8)).map { Double(bitPattern: u64(bytes, $0)) }
    }

    /// A checked section read in place as a column of values laid out as in memory.
    func column<T>(_ name: SnapshotSection) -> Column<T> {
        Column(mapping: section(name), owner: self)
    }

    /// Lists by row, copied (the credentials of each kind).
    func lists(_ start: SnapshotSection, _ items: SnapshotSection) -> [[Int]] {
        let rows = RowLists<Int>(start: column(start), items: column(items))
        return rows.map { Array($0) }
    }

    // MARK: - Checks

    private func check(_ name: SnapshotSection, _ b: UnsafeRawBufferPointer) throws(SnapshotDamage) {
        let credentials = count(.credential), learners = count(.learner), skills = count(.skill)
        func size(_ expected: Int) throws(SnapshotDamage) {
            guard b.count == expected else { throw SnapshotDamage(reason: "it has \(b.count) bytes where \(expected) were expected") }
        }
        func items(_ each: Int) throws(SnapshotDamage) -> Int {
            guard b.count % each == 0 else { throw SnapshotDamage(reason: "its size is not a multiple of \(each)") }
            return b.count / each
        }
        /// A start column of u32 (rows + 1): from 0, never decreasing, to `end`.
        func starts(rows: Int, end: Int) throws(SnapshotDamage) {
            try size((rows + 1) * 4)
            guard u32(b, 0) == 0, u32(b, rows) == end else { throw SnapshotDamage(reason: "its starts do not span its items") }
            for i in 0..<rows where u32(b, i) > u32(b, i + 1) { throw SnapshotDamage(reason: "its starts go back at row \(i)") }
        }
        func offsets(rows: Int, end: Int) throws(SnapshotDamage) {
            try size((rows + 1) * 8)
            guard u64(b, 0) == 0, u64(b, rows) == UInt64(end) else { throw SnapshotDamage(reason: "its offsets do not span its bytes") }
            for i in 0..<rows where u64(b, i) > u64(b, i + 1) { throw SnapshotDamage(reason: "its offsets go back at row \(i)") }
        }
        func below(_ limit: Int, _ values: some Sequence<Int>) throws(SnapshotDamage) {
            for v in values where v < 0 || v >= limit { throw SnapshotDamage(reason: "it refers to entity \(v) of \(limit)") }
        }
        switch name {
        case .organizationOffsets, .skillOffsets, .credentialOffsets, .roleOffsets, .learnerOffsets:
            let kind = EntityKind.allCases.first { SnapshotSection.offsets($0) == name }!
            try offsets(rows: count(kind), end: table[.records(kind)]!.size)
        case .organizationRecords, .skillRecords, .credentialRecords, .roleRecords, .learnerRecords:
            break  // each record is read with every read checked
        case .organizationIDs, .skillIDs, .credentialIDs, .roleIDs, .learnerIDs:
            let kind = EntityKind.allCases.first { SnapshotSection.byID($0) == name }!
            try size(count(kind) * 4)
            try below(count(kind), (0..<count(kind)).lazy.map { Int(self.i32(b, $0)) })
        case .costs, .weeks:
            try size(credentials * 8)
            for i in 0..<credentials {
                let v = Double(bitPattern: u64(b, i))
                guard v.isFinite, v >= 0 else { throw SnapshotDamage(reason: "credential \(i) has \(v)") }
            }
        case .requiresRank, .stackRank:
            try size(credentials * 4)
        case .broaderRank:
            try size(skills * 4)
        case .teachesStart:
            try starts(rows: credentials, end: table[.teaches]!.size / 16)
        case .teaches, .taughtBy:
            // Pairs of i64: a skill or credential, and a level.
            let n = try items(16)
            try below(name == .teaches ? skills : credentials, (0..<n).lazy.map { self.i64(b, 2 * $0) })
            for i in 0..<n where !(1...4).contains(i64(b, 2 * i + 1)) { throw SnapshotDamage(reason: "it holds a skill level of \(i64(b, 2 * i + 1))") }
        case .holdingsStart:
            try starts(rows: learners, end: table[.holdings]!.size / 24)
        case .holdings:
            let n = try items(24)
            let longIDs = UInt64(max(table[.longIDOffsets]!.size / 8 - 1, 0)), proofs = Int32(max(table[.proofOffsets]!.size / 8 - 1, 0))
            let limit = Int32(truncatingIfNeeded: credentials)
            nonisolated(unsafe) let all = UnsafeBufferPointer(start: b.baseAddress?.bindMemory(to: HoldingStore.Packed.self, capacity: n), count: n)
            try Self.inParts(n) { part in
                for i in part {
                    let p = all[i]
                    if p.id & HoldingStore.long != 0, p.id & ~HoldingStore.long >= longIDs {
                        return SnapshotDamage(reason: "holding \(i) refers to long id \(p.id & ~HoldingStore.long) of \(longIDs)")
                    }
                    if p.credential < 0 || p.credential >= limit { return SnapshotDamage(reason: "it refers to entity \(p.credential) of \(limit)") }
                    if p.proof != -1, p.proof < 0 || p.proof >= proofs { return SnapshotDamage(reason: "it refers to entity \(p.proof) of \(proofs)") }
                }
                return nil
            }
        case .longIDOffsets, .proofOffsets:
            // A string column: its own size says how many strings (at least the first offset).
            guard b.count >= 8 else { throw SnapshotDamage(reason: "it has \(b.count) bytes, fewer than one offset") }
            try offsets(rows: try items(8) - 1, end: table[name == .longIDOffsets ? .longIDs : .proofs]!.size)
        case .longIDs, .proofs:
            break
        case .names:
            for i in 0..<(try items(16)) {
                let code = u64(b, 2 * i + 1)
                let kind = Int(code >> 29), index = Int(code & (1 << 29 - 1))
                guard code >> 32 == 0, kind < EntityKind.allCases.count, index < counts[kind] else {
                    throw SnapshotDamage(reason: "it refers to an entity that is not there")
                }
            }
        case .holdersStart:
            try starts(rows: credentials, end: table[.holders]!.size / 8)
        case .holders:
            let n = try items(8)
            let held = section(.holdingsStart)
            nonisolated(unsafe) let entries = UnsafeBufferPointer(start: b.baseAddress?.bindMemory(to: HolderIndex.Entry.self, capacity: n), count: n)
            nonisolated(unsafe) let starts = UnsafeBufferPointer(start: held.baseAddress?.bindMemory(to: UInt32.self, capacity: learners + 1), count: learners + 1)
            let limit = Int32(truncatingIfNeeded: learners)
            try Self.inParts(n) { part in
                for i in part {
                    let e = entries[i]
                    if e.learner < 0 || e.learner >= limit { return SnapshotDamage(reason: "it refers to entity \(e.learner) of \(limit)") }
                    let count = Int(starts[Int(e.learner) + 1]) - Int(starts[Int(e.learner)])
                    if e.holding < 0 || Int(e.holding) >= count { return SnapshotDamage(reason: "it refers to entity \(e.holding) of \(count)") }
                }
                return nil
            }
        case .taughtByStart:
            try offsets(rows: skills, end: table[.taughtBy]!.size / 16)
        case .partOfStart:
            try offsets(rows: credentials, end: table[.partOf]!.size / 8)
        case .requiredByStart:
            try offsets(rows: credentials, end: table[.requiredBy]!.size / 8)
        case .providedStart:
            try offsets(rows: count(.organization), end: table[.provided]!.size / 8)
        case .kindsStart:
            try offsets(rows: CredentialKind.allCases.count, end: table[.kinds]!.size / 8)
        case .partOf, .requiredBy, .provided, .kinds:
            try below(credentials, (0..<(try items(8))).lazy.map { self.i64(b, $0) })
        }
    }

    /// Runs a check over `0..<n` in parts, one per core for a large `n`; the first damage
    /// found (in the order of the parts) is thrown.
    static func inParts(_ n: Int, _ check: @escaping @Sendable (Range<Int>) -> SnapshotDamage?) throws(SnapshotDamage) {
        let parts = n >= 1 << 20 ? min(ProcessInfo.processInfo.activeProcessorCount, 4) : 1
        if parts == 1 {
            if let damage = check(0..<n) { throw damage }
            return
        }
        // One slot per part, each written by its own thread only.
        let found = UnsafeMutableBufferPointer<SnapshotDamage?>.allocate(capacity: parts)
        found.initialize(repeating: nil)
        defer { found.deallocate() }
        nonisolated(unsafe) let slots = found
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            slots[p] = check((p * n / parts)..<((p + 1) * n / parts))
        }
        if let damage = found.compactMap({ $0 }).first { throw damage }
    }

    // MARK: - Entities

    /// The bytes of record `i` of a kind.
    private func recordBytes(_ kind: EntityKind, _ i: Int) -> ByteReader {
        let offsets = section(.offsets(kind)), records = section(.records(kind))
        return ByteReader(records, from: Int(u64(offsets, i)), to: Int(u64(offsets, i + 1)), what: "\(kind.rawValue) \(i)")
    }

    /// The id of entity `i`, read without the rest of its record.
    func id(_ kind: EntityKind, _ i: Int) -> String {
        var r = recordBytes(kind, i)
        do { return try r.string() } catch { damaged(error) }
    }

    /// The name of entity `i` (its record's second field), read without the rest of it.
    func name(_ kind: EntityKind, _ i: Int) -> String {
        var r = recordBytes(kind, i)
        do {
            _ = try r.string()
            return try r.string()
        } catch {
            damaged(error)
        }
    }

    func record(_ kind: EntityKind, _ i: Int) throws(SnapshotDamage) -> Any {
        switch kind {
        case .organization: try organization(i)
        case .skill: try skill(i)
        case .credential: try credential(i)
        case .role: try role(i)
        case .learner: try learner(i)
        }
    }

    func organization(_ i: Int) throws(SnapshotDamage) -> Organization {
        var r = recordBytes(.organization, i)
        let id = try r.string(), name = try r.string()
        let kind = try pick(OrganizationKind.allCases, try r.u8(), &r)
        let url = try r.optionalString()
        let keysText = try r.string()
        var keys: [JSONValue] = []
        if !keysText.isEmpty {
            guard case .array(let list)? = try? JSONParser.parse(Array(keysText.utf8)) else {
                throw SnapshotDamage(reason: "organization \(i) holds keys that are not a JSON array")
            }
            keys = list
        }
        let revoked = try r.strings()
        try end(r)
        return Organization(id: id, name: name, kind: kind, url: url, keys: keys, revoked: revoked)
    }

    func skill(_ i: Int) throws(SnapshotDamage) -> Skill {
        var r = recordBytes(.skill, i)
        let s = Skill(id: try r.string(), name: try r.string(), aliases: try r.strings(), category: try r.optionalString(),
                      broader: try r.index(below: count(.skill), optional: true))
        try end(r)
        if let b = s.broader { try lower(.broaderRank, b, than: i, "skill \(i)'s broader skill") }
        return s
    }

    func credential(_ i: Int) throws(SnapshotDamage) -> Credential {
        var r = recordBytes(.credential, i)
        let credentials = count(.credential), organizations = count(.organization)
        let id = try r.string(), name = try r.string()
        let kind = try pick(CredentialKind.allCases, try r.u8(), &r)
        let provider = try r.index(below: organizations)
        let platform = try r.index(below: organizations, optional: true)
        let weeks = try amount(&r)
        let hours: Double? = try flag(&r) ? try amount(&r) : nil
        let cost = try amount(&r)
        let currency = try r.string()
        let credits = try amount(&r)
        let requires = try r.indexes(below: credentials)
        let stack: StackRule? = try flag(&r) ? try rule(&r, depth: 0) : nil
        let accreditedBy = try r.indexes(below: organizations)
        let recognizedBy = try r.indexes(below: organizations)
        var validMonths: Int?
        if try flag(&r) {
            let months = try r.i64()
            guard months >= 0, months < 1 << 31, let valid = Format.validMonths(Double(months)) else {
                throw SnapshotDamage(reason: "credential \(i) is valid for \(months) months")
            }
            validMonths = valid
        }
        let url = try r.optionalString()
        try end(r)
        for p in requires { try lower(.requiresRank, p, than: i, "credential \(i)'s prerequisite") }
        for p in stack?.credentials ?? [] { try lower(.stackRank, p, than: i, "credential \(i)'s stack rule") }
        let start = section(.teachesStart)
        let teaches = SkillLevels(store: teachingLevels(), first: u32(start, i), end: u32(start, i + 1))
        return Credential(id: id, name: name, kind: kind, provider: provider, platform: platform, teaches: teaches,
                          weeks: weeks, hours: hours, cost: cost, currency: currency, credits: credits, requires: requires,
                          stack: stack, accreditedBy: accreditedBy, recognizedBy: recognizedBy, validMonths: validMonths, url: url)
    }

    func role(_ i: Int) throws(SnapshotDamage) -> Role {
        var r = recordBytes(.role, i)
        let id = try r.string(), name = try r.string(), aliases = try r.strings()
        var needs: [SkillLevel] = []
        for _ in 0..<(try r.count(each: 8)) {
            let skill = try r.index(below: count(.skill))
            let level = try r.i32()
            guard (1...4).contains(level) else { throw SnapshotDamage(reason: "role \(i) needs a skill at level \(level)") }
            needs.append(SkillLevel(skill: skill, level: Int(level)))
        }
        let onet = try r.optionalString()
        let related = try r.indexes(below: count(.role)), uses = try r.indexes(below: count(.skill))
        try end(r)
        return Role(id: id, name: name, aliases: aliases, needs: needs, onet: onet, related: related, uses: uses)
    }

    func learner(_ i: Int) throws(SnapshotDamage) -> Learner {
        var r = recordBytes(.learner, i)
        let id = try r.string(), name = try r.string()
        let role = try r.index(below: count(.role), optional: true)
        let goalKind = try r.u8()
        let goal: Goal?
        switch goalKind {
        case 0:
            guard try r.i32() == -1 else { throw SnapshotDamage(reason: "learner \(i) has a goal of no kind") }
            goal = nil
        case 1: goal = .role(try r.index(below: count(.role)))
        case 2: goal = .credential(try r.index(below: count(.credential)))
        default: throw SnapshotDamage(reason: "learner \(i) has a goal of kind \(goalKind)")
        }
        try end(r)
        let start = section(.holdingsStart)
        let holdings = Holdings(store: holdingsStore(), first: u32(start, i), end: u32(start, i + 1))
        return Learner(id: id, name: name, role: role, goal: goal, holdings: holdings)
    }

    /// A number the graph format allows for an amount: finite, not negative.
    private func amount(_ r: inout ByteReader) throws(SnapshotDamage) -> Double {
        let v = try r.f64()
        guard v.isFinite, v >= 0 else { throw SnapshotDamage(reason: "\(r.what) holds the amount \(v)") }
        return v
    }

    /// Checks that a reference points lower in a rank column, as every reference of an acyclic graph does.
    private func lower(_ ranks: SnapshotSection, _ target: Int, than from: Int, _ what: String) throws(SnapshotDamage) {
        let b = section(ranks)
        guard u32(b, target) < u32(b, from) else { throw SnapshotDamage(reason: "\(what) makes a cycle") }
    }

    private func flag(_ r: inout ByteReader) throws(SnapshotDamage) -> Bool {
        switch try r.u8() {
        case 0: return false
        case 1: return true
        default: throw SnapshotDamage(reason: "\(r.what) holds a bad flag")
        }
    }

    private func pick<T>(_ cases: [T], _ n: UInt8, _ r: inout ByteReader) throws(SnapshotDamage) -> T {
        guard Int(n) < cases.count else { throw SnapshotDamage(reason: "\(r.what) holds kind \(n) of \(cases.count)") }
        return cases[Int(n)]
    }

    private func end(_ r: ByteReader) throws(SnapshotDamage) {
        guard r.isAtEnd else { throw SnapshotDamage(reason: "\(r.what) is longer than its fields") }
    }

    private func rule(_ r: inout ByteReader, depth: Int) throws(SnapshotDamage) -> StackRule {
        guard depth < JSONParser.maxDepth else { throw SnapshotDamage(reason: "\(r.what) nests its stack rule too deep") }
        let credentials = count(.credential)
        func items(_ r: inout ByteReader) throws(SnapshotDamage) -> [StackRule] {
            var out: [StackRule] = []
            for _ in 0..<(try r.count(each: 5)) { out.append(try rule(&r, depth: depth + 1)) }
            return out
        }
        switch try r.u8() {
        case 0: return .credential(try r.index(below: credentials))
        case 1: return .all(try items(&r))
        case 2: return .any(try items(&r))
        case 3:
            let n = try r.i64()
            guard let k = Format.itemCount(Double(n)) else { throw SnapshotDamage(reason: "\(r.what) holds a rule of \(n) of its parts") }
            return .atLeast(k, try items(&r))
        case 4: return .credits(try amount(&r), try r.indexes(below: credentials))
        default: throw SnapshotDamage(reason: "\(r.what) holds a rule of no kind")
        }
    }

    /// Every credential's skill levels, read in place.
    private func teachingLevels() -> SkillLevelStore {
        teachesStore.get { SkillLevelStore(column(.teaches)) }
    }

    /// Every holding, read in place (the ids longer than a word and the proofs made once).
    private func holdingsStore() -> HoldingStore {
        holdingStore.get {
            HoldingStore(packed: column(.holdings), longIDs: strings(.longIDOffsets, .longIDs), proofs: strings(.proofOffsets, .proofs))
        }
    }

    private func strings(_ offsets: SnapshotSection, _ bytes: SnapshotSection) -> [String] {
        let o = section(offsets), b = section(bytes)
        return (0..<(o.count / 8 - 1)).map { i in
            String(decoding: UnsafeRawBufferPointer(rebasing: b[Int(u64(o, i))..<Int(u64(o, i + 1))]), as: UTF8.self)
        }
    }

    // MARK: - Lookups

    /// The entity whose id is `id`, by binary search over the ids in byte order.
    func index(of id: String, kind: EntityKind) -> Int? {
        let order = section(.byID(kind))
        var key = id
        return key.withUTF8 { key -> Int? in
            var lo = 0, hi = count(kind)
            while lo < hi {
                let mid = (lo + hi) / 2
                let n = Int(i32(order, mid))
                var r = recordBytes(kind, n)
                let found: UnsafeRawBufferPointer
                do throws(SnapshotDamage) { found = try r.stringBytes() } catch { damaged(error) }
                let common = min(found.count, key.count)
                let m = common == 0 ? 0 : Int(memcmp(found.baseAddress!, key.baseAddress!, common))
                let c = m != 0 ? m : found.count - key.count
                if c == 0 { return n }
                if c < 0 { lo = mid + 1 } else { hi = mid }
            }
            return nil
        }
    }

    /// The entities a name or alias may belong to (to be confirmed by their names), in the
    /// order the graph's own name index gives them.
    func candidates(named lowered: String) -> [EntityRef] {
        let b = section(.names)
        let n = b.count / 16
        let h = NameIndex.hash(lowered, seed: seed)
        var lo = 0, hi = n
        while lo < hi {
            let mid = (lo + hi) / 2
            if u64(b, 2 * mid) < h { lo = mid + 1 } else { hi = mid }
        }
        var out: [EntityRef] = []
        while lo < n, u64(b, 2 * lo) == h {
            out.append(NameIndex.decode(u64(b, 2 * lo + 1)))
            lo += 1
        }
        return out
    }
}
