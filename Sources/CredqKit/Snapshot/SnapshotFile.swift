import Foundation
import Synchronization

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
    /// Each section's bytes, its checksum, where its sums lie in `block-sums`, and whether it
    /// is checked, by `SnapshotSection.ordinal`.
    private let states: [SectionState]

    private final class SectionState: @unchecked Sendable {
        let bytes: UnsafeRawBufferPointer
        let checksum: UInt64
        /// Where its block sums start in `block-sums`, and how many (none for `block-sums`).
        let firstSum: Int, sums: Int
        /// Set, under the lock, once the section is checked (whole, or its shape and sums).
        let ready = Atomic<Bool>(false)
        var blocks: SectionBlocks?

        init(bytes: UnsafeRawBufferPointer, checksum: UInt64, firstSum: Int, sums: Int) {
            self.bytes = bytes
            self.checksum = checksum
            self.firstSum = firstSum
            self.sums = sums
        }
    }

    private let lock = NSRecursiveLock()
    private let teachesStore = Lazy<SkillLevelStore>()
    private let holdingStore = Lazy<HoldingStore>()

    func count(_ kind: EntityKind) -> Int {
        switch kind {  // the order of EntityKind.allCases, without comparing raw values
        case .credential: counts[0]
        case .role: counts[1]
        case .skill: counts[2]
        case .learner: counts[3]
        case .organization: counts[4]
        }
    }

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
        precondition(SnapshotSection.ordinalsMatch, "snapshot sections are not stored as their places")
        var states: [SectionState] = []
        var sums = 0
        for name in SnapshotSection.allCases {
            let e = table[name]!
            let blocks = name == .blockSums ? 0 : (e.size + name.blockBytes - 1) / name.blockBytes
            states.append(SectionState(bytes: UnsafeRawBufferPointer(rebasing: bytes[e.offset..<(e.offset + e.size)]), checksum: e.checksum,
                                       firstSum: sums, sums: blocks))
            sums += blocks
        }
        self.states = states
        for name in SnapshotSection.allCases where name.checkedByBlock {
            states[name.ordinal].blocks = SectionBlocks(section: name, size: states[name.ordinal].bytes.count, file: self)
        }
    }

    private func state(_ name: SnapshotSection) -> SectionState { states[name.ordinal] }

    /// Leaves with the damage handler's message.
    func damaged(_ damage: SnapshotDamage) -> Never {
        SnapshotDamageHandler.handle("\(path): error: damaged snapshot: \(damage.reason); write it again with credq snapshot")
    }

    /// A section's bytes, checked on first use.
    func section(_ name: SnapshotSection) -> UnsafeRawBufferPointer {
        let state = state(name)
        if state.ready.load(ordering: .acquiring) { return state.bytes }
        do { return try checked(name) } catch { damaged(error) }
    }

    /// The blocks of a section checked by block.
    func blocks(_ name: SnapshotSection) -> SectionBlocks { state(name).blocks! }

    /// A section's bytes once it is checked (once): the checksum of its block sums, then, for
    /// a section checked whole, each block's checksum, its shape and every value, or, for one
    /// checked by block, its shape (each block is checked as it is read: `checkBlock`).
    private func checked(_ name: SnapshotSection) throws(SnapshotDamage) -> UnsafeRawBufferPointer {
        lock.lock()
        defer { lock.unlock() }
        let state = state(name)
        if state.ready.load(ordering: .acquiring) { return state.bytes }
        let bytes = state.bytes, whole = !name.checkedByBlock && name != .blockSums
        if name == .blockSums {
            let sums = SnapshotFormat.blockSums(bytes, blockBytes: name.blockBytes)
            guard SnapshotFormat.sectionChecksum(sums: sums, size: bytes.count) == state.checksum else {
                throw SnapshotDamage(reason: "section \(name.rawValue) fails its checksum")
            }
            let expected = states.reduce(0) { $0 + $1.sums } * 8
            guard bytes.count == expected else {
                throw SnapshotDamage(reason: "section \(name.rawValue): it has \(bytes.count) bytes where \(expected) were expected")
            }
        } else {
            let sums = try blockSums(of: name)
            guard SnapshotFormat.sectionChecksum(sums: sums, size: bytes.count) == state.checksum else {
                throw SnapshotDamage(reason: "section \(name.rawValue) fails its checksum")
            }
            if whole { try compareBlocks(name, bytes, sums) }
        }
        do {
            try checkShape(name, bytes)
        } catch {
            throw SnapshotDamage(reason: "section \(name.rawValue): \(error.reason)")
        }
        if whole { try checkValues(name, bytes) }
        state.ready.store(true, ordering: .releasing)
        return bytes
    }

    /// The block sums a section's blocks must have.
    private func blockSums(of name: SnapshotSection) throws(SnapshotDamage) -> UnsafeRawBufferPointer {
        let all = try checked(.blockSums), state = state(name)
        return UnsafeRawBufferPointer(rebasing: all[(state.firstSum * 8)..<((state.firstSum + state.sums) * 8)])
    }

    /// Every block's checksum against its sum (on every core, for many blocks).
    private func compareBlocks(_ name: SnapshotSection, _ bytes: UnsafeRawBufferPointer, _ sums: UnsafeRawBufferPointer) throws(SnapshotDamage) {
        var clock = SnapshotWriter.Stopwatch()
        guard SnapshotFormat.blockSums(bytes, blockBytes: name.blockBytes).withUnsafeBytes({ $0.elementsEqual(sums) }) else {
            throw SnapshotDamage(reason: "section \(name.rawValue) fails its checksum")
        }
        clock.mark("\(name.rawValue): checksum of \(bytes.count >> 20) MiB")
    }

    /// Every value of a section (`valueCheck`), in parts on every core for many.
    private func checkValues(_ name: SnapshotSection, _ bytes: UnsafeRawBufferPointer) throws(SnapshotDamage) {
        guard let (size, each) = valueCheck(name, bytes) else { return }
        var clock = SnapshotWriter.Stopwatch()
        do {
            try Self.inParts(bytes.count / size, each)
        } catch {
            throw SnapshotDamage(reason: "section \(name.rawValue): \(error.reason)")
        }
        clock.mark("\(name.rawValue): checked")
    }

    /// Checks block `b` of a section checked by block: its checksum and every value in it.
    func checkBlock(_ blocks: SectionBlocks, _ b: Int) {
        do throws(SnapshotDamage) {
            lock.lock()
            defer { lock.unlock() }
            guard !blocks.isChecked(b) else { return }
            let name = blocks.section, bytes = try checked(name), sums = try blockSums(of: name)
            guard SnapshotFormat.blockSum(bytes, block: b, blockBytes: blocks.blockBytes) == sums.load(fromByteOffset: b * 8, as: UInt64.self) else {
                throw SnapshotDamage(reason: "section \(name.rawValue) fails its checksum")
            }
            if let (size, each) = valueCheck(name, bytes) {
                let per = blocks.blockBytes / size
                if let damage = each((b * per)..<min(bytes.count / size, (b + 1) * per)) {
                    throw SnapshotDamage(reason: "section \(name.rawValue): \(damage.reason)")
                }
            }
            blocks.markChecked(b)
        } catch {
            damaged(error)
        }
    }

    /// Checks every block of a section checked by block that is not checked yet.
    func checkAllBlocks(_ blocks: SectionBlocks) {
        do throws(SnapshotDamage) { try checkEveryBlock(blocks) } catch { damaged(error) }
    }

    private func checkEveryBlock(_ blocks: SectionBlocks) throws(SnapshotDamage) {
        lock.lock()
        defer { lock.unlock() }
        guard (0..<blocks.count).contains(where: { !blocks.isChecked($0) }) else { return }
        let name = blocks.section, bytes = try checked(name)
        try compareBlocks(name, bytes, try blockSums(of: name))
        try checkValues(name, bytes)
        for b in 0..<blocks.count { blocks.markChecked(b) }
    }

    /// Checks every section now (a cache before it is trusted): checksums and structure.
    func checkSections() throws(SnapshotDamage) {
        for name in SnapshotSection.allCases {
            _ = try checked(name)
            if let blocks = state(name).blocks { try checkEveryBlock(blocks) }
        }
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

    /// Value `i` of a section of u32, its block checked first.
    func value32(_ name: SnapshotSection, _ i: Int) -> Int {
        let b = section(name)
        state(name).blocks?.ensure(byte: 4 * i)
        return u32(b, i)
    }

    /// Value `i` of a section of u64, its block checked first.
    func value64(_ name: SnapshotSection, _ i: Int) -> UInt64 {
        let b = section(name)
        state(name).blocks?.ensure(byte: 8 * i)
        return u64(b, i)
    }

    /// A column of f64, copied.
    func doubles(_ name: SnapshotSection) -> [Double] {
        let bytes = section(name)
        return (0..<(bytes.count / 8)).map { Double(bitPattern: u64(bytes, $0)) }
    }

    /// A checked section read in place as a column of values laid out as in memory (for a
    /// section checked by block, each block checked as it is first read).
    func column<T>(_ name: SnapshotSection) -> Column<T> {
        Column(mapping: section(name), owner: self, blocks: state(name).blocks)
    }

    /// Lists by row, copied (the credentials of each kind).
    func lists(_ start: SnapshotSection, _ items: SnapshotSection) -> [[Int]] {
        let rows = RowLists<Int>(start: column(start), items: column(items))
        return rows.map { Array($0) }
    }

    // MARK: - Checks

    /// Checks a section's shape: its size, as the header's counts and the sections it
    /// indexes say (its values are checked by `valueCheck`, whole or a block at a time).
    private func checkShape(_ name: SnapshotSection, _ b: UnsafeRawBufferPointer) throws(SnapshotDamage) {
        let credentials = count(.credential), learners = count(.learner), skills = count(.skill)
        func size(_ expected: Int) throws(SnapshotDamage) {
            guard b.count == expected else { throw SnapshotDamage(reason: "it has \(b.count) bytes where \(expected) were expected") }
        }
        func items(_ each: Int) throws(SnapshotDamage) {
            guard b.count % each == 0 else { throw SnapshotDamage(reason: "its size is not a multiple of \(each)") }
        }
        switch name {
        case .organizationOffsets, .skillOffsets, .credentialOffsets, .roleOffsets, .learnerOffsets:
            try size((count(EntityKind.allCases.first { SnapshotSection.offsets($0) == name }!) + 1) * 8)
        case .organizationIDs, .skillIDs, .credentialIDs, .roleIDs, .learnerIDs:
            try size(count(EntityKind.allCases.first { SnapshotSection.byID($0) == name }!) * 4)
        case .costs, .weeks: try size(credentials * 8)
        case .requiresRank, .stackRank: try size(credentials * 4)
        case .broaderRank: try size(skills * 4)
        case .teachesStart, .holdersStart: try size((credentials + 1) * 4)
        case .holdingsStart: try size((learners + 1) * 4)
        case .longIDOffsets, .proofOffsets:
            // A string column: its own size says how many strings (at least the first offset).
            guard b.count >= 8 else { throw SnapshotDamage(reason: "it has \(b.count) bytes, fewer than one offset") }
            try items(8)
        case .taughtByStart: try size((skills + 1) * 8)
        case .partOfStart, .requiredByStart: try size((credentials + 1) * 8)
        case .providedStart: try size((count(.organization) + 1) * 8)
        case .kindsStart: try size((CredentialKind.allCases.count + 1) * 8)
        case .teaches, .taughtBy, .names: try items(16)
        case .holdings: try items(24)
        case .holders, .partOf, .requiredBy, .provided, .kinds: try items(8)
        case .organizationRecords, .skillRecords, .credentialRecords, .roleRecords, .learnerRecords,
             .longIDs, .proofs, .blockSums:
            break  // records are read with every read checked; block sums by the sections they sum
        }
    }

    /// The size of a section's values and the check of values `range` (of what each refers
    /// to, each amount, each start), run on the whole section or a block at a time; nil for a
    /// section with nothing to check in its values. A check may read the value after its range
    /// (a start against the next): the file's bytes never change, so what it compared is what
    /// is read once that value's block is checked too.
    private func valueCheck(_ name: SnapshotSection, _ b: UnsafeRawBufferPointer) -> (Int, @Sendable (Range<Int>) -> SnapshotDamage?)? {
        let credentials = count(.credential), learners = count(.learner), skills = count(.skill)
        nonisolated(unsafe) let b = b
        /// Each value a reference below `limit`.
        func below(_ size: Int, _ limit: Int, _ value: @escaping @Sendable (Int) -> Int) -> (Int, @Sendable (Range<Int>) -> SnapshotDamage?) {
            (size, { part in
                for i in part {
                    let v = value(i)
                    if v < 0 || v >= limit { return SnapshotDamage(reason: "it refers to entity \(v) of \(limit)") }
                }
                return nil
            })
        }
        /// Starts or offsets (rows + 1 of them): from 0, never decreasing, to `end`.
        func rising(_ size: Int, end: Int, _ what: String) -> (Int, @Sendable (Range<Int>) -> SnapshotDamage?) {
            let n = b.count / size, wide = size == 8
            let spans = "its \(what) do not span its \(wide ? "bytes" : "items")"
            return (size, { part in
                for i in part {
                    let v = wide ? Int(truncatingIfNeeded: self.u64(b, i)) : self.u32(b, i)
                    if i == 0, v != 0 { return SnapshotDamage(reason: spans) }
                    if i + 1 < n, v > (wide ? Int(truncatingIfNeeded: self.u64(b, i + 1)) : self.u32(b, i + 1)) {
                        return SnapshotDamage(reason: "its \(what) go back at row \(i)")
                    }
                    if v < 0 || v > end || (i == n - 1 && v != end) { return SnapshotDamage(reason: spans) }
                }
                return nil
            })
        }
        switch name {
        case .organizationOffsets, .skillOffsets, .credentialOffsets, .roleOffsets, .learnerOffsets:
            let kind = EntityKind.allCases.first { SnapshotSection.offsets($0) == name }!
            return rising(8, end: state(.records(kind)).bytes.count, "offsets")
        case .organizationIDs, .skillIDs, .credentialIDs, .roleIDs, .learnerIDs:
            let kind = EntityKind.allCases.first { SnapshotSection.byID($0) == name }!
            return below(4, count(kind)) { Int(self.i32(b, $0)) }
        case .costs, .weeks:
            return (8, { part in
                for i in part {
                    let v = Double(bitPattern: self.u64(b, i))
                    guard v.isFinite, v >= 0 else { return SnapshotDamage(reason: "credential \(i) has \(v)") }
                }
                return nil
            })
        case .teachesStart: return rising(4, end: state(.teaches).bytes.count / 16, "starts")
        case .holdingsStart: return rising(4, end: state(.holdings).bytes.count / 24, "starts")
        case .holdersStart: return rising(4, end: state(.holders).bytes.count / 8, "starts")
        case .longIDOffsets: return rising(8, end: state(.longIDs).bytes.count, "offsets")
        case .proofOffsets: return rising(8, end: state(.proofs).bytes.count, "offsets")
        case .taughtByStart: return rising(8, end: state(.taughtBy).bytes.count / 16, "offsets")
        case .partOfStart: return rising(8, end: state(.partOf).bytes.count / 8, "offsets")
        case .requiredByStart: return rising(8, end: state(.requiredBy).bytes.count / 8, "offsets")
        case .providedStart: return rising(8, end: state(.provided).bytes.count / 8, "offsets")
        case .kindsStart: return rising(8, end: state(.kinds).bytes.count / 8, "offsets")
        case .partOf, .requiredBy, .provided, .kinds:
            return below(8, credentials) { self.i64(b, $0) }
        case .teaches, .taughtBy:
            // Pairs of i64: a skill or credential, and a level.
            let limit = name == .teaches ? skills : credentials
            return (16, { part in
                for i in part {
                    let v = self.i64(b, 2 * i), level = self.i64(b, 2 * i + 1)
                    if v < 0 || v >= limit { return SnapshotDamage(reason: "it refers to entity \(v) of \(limit)") }
                    if !(1...4).contains(level) { return SnapshotDamage(reason: "it holds a skill level of \(level)") }
                }
                return nil
            })
        case .holdings:
            let n = b.count / 24
            let longIDs = UInt64(max(state(.longIDOffsets).bytes.count / 8 - 1, 0)), proofs = Int32(max(state(.proofOffsets).bytes.count / 8 - 1, 0))
            let limit = Int32(truncatingIfNeeded: credentials)
            nonisolated(unsafe) let all = UnsafeBufferPointer(start: b.baseAddress?.bindMemory(to: HoldingStore.Packed.self, capacity: n), count: n)
            return (24, { part in
                for i in part {
                    let p = all[i]
                    if p.id & HoldingStore.long != 0, p.id & ~HoldingStore.long >= longIDs {
                        return SnapshotDamage(reason: "holding \(i) refers to long id \(p.id & ~HoldingStore.long) of \(longIDs)")
                    }
                    if p.credential < 0 || p.credential >= limit { return SnapshotDamage(reason: "it refers to entity \(p.credential) of \(limit)") }
                    if p.proof != -1, p.proof < 0 || p.proof >= proofs { return SnapshotDamage(reason: "it refers to entity \(p.proof) of \(proofs)") }
                }
                return nil
            })
        case .holders:
            let n = b.count / 8
            let held = section(.holdingsStart)
            nonisolated(unsafe) let entries = UnsafeBufferPointer(start: b.baseAddress?.bindMemory(to: HolderIndex.Entry.self, capacity: n), count: n)
            nonisolated(unsafe) let starts = UnsafeBufferPointer(start: held.baseAddress?.bindMemory(to: UInt32.self, capacity: learners + 1), count: learners + 1)
            let limit = Int32(truncatingIfNeeded: learners)
            return (8, { part in
                for i in part {
                    let e = entries[i]
                    if e.learner < 0 || e.learner >= limit { return SnapshotDamage(reason: "it refers to entity \(e.learner) of \(limit)") }
                    let count = Int(starts[Int(e.learner) + 1]) - Int(starts[Int(e.learner)])
                    if e.holding < 0 || Int(e.holding) >= count { return SnapshotDamage(reason: "it refers to entity \(e.holding) of \(count)") }
                }
                return nil
            })
        case .names:
            let counts = counts
            return (16, { part in
                for i in part {
                    let code = self.u64(b, 2 * i + 1)
                    let kind = Int(code >> 29), index = Int(code & (1 << 29 - 1))
                    guard code >> 32 == 0, kind < EntityKind.allCases.count, index < counts[kind] else {
                        return SnapshotDamage(reason: "it refers to an entity that is not there")
                    }
                }
                return nil
            })
        default:
            return nil
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
        let records = section(.records(kind))
        let from = Int(value64(.offsets(kind), i)), to = Int(value64(.offsets(kind), i + 1))
        blocks(.records(kind)).ensure(bytes: from..<to)
        return ByteReader(records, from: from, to: to, what: kind.rawValue, number: i)
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
        let teaches = SkillLevels(store: teachingLevels(), first: value32(.teachesStart, i), end: value32(.teachesStart, i + 1))
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
        guard value32(ranks, target) < value32(ranks, from) else { throw SnapshotDamage(reason: "\(what) makes a cycle") }
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
        var key = id
        return key.withUTF8 { key -> Int? in
            var lo = 0, hi = count(kind)
            while lo < hi {
                let mid = (lo + hi) / 2
                let n = Int(Int32(truncatingIfNeeded: value32(.byID(kind), mid)))
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
        let b = section(.names), blocks = blocks(.names)
        let n = b.count / 16
        let h = NameIndex.hash(lowered, seed: seed)
        var lo = 0, hi = n
        while lo < hi {
            let mid = (lo + hi) / 2
            blocks.ensure(byte: 16 * mid)
            if u64(b, 2 * mid) < h { lo = mid + 1 } else { hi = mid }
        }
        var out: [EntityRef] = []
        while lo < n {
            blocks.ensure(byte: 16 * lo)
            guard u64(b, 2 * lo) == h else { break }
            out.append(NameIndex.decode(u64(b, 2 * lo + 1)))
            lo += 1
        }
        return out
    }
}
