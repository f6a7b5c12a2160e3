import Foundation

/// The binary snapshot format (`.cqs`), version 2: a graph as it is once loaded, to open
/// without parsing.
///
/// Every number is little-endian. The file is:
///
///     magic        8 bytes  89 43 51 53 0D 0A 1A 0A  ("\x89CQS\r\n\x1a\n": a text-mode
///                           copy or a truncated download shows at once)
///     version      u32      the format version (2)
///     header size  u32      bytes from the start of the file to the end of the header
///     file size    u64      the whole file, so a truncated copy is known before any read
///     checksum     u64      of the header: these 24 bytes above it, then the rest of it
///     the rest of the header (see `SnapshotHeader`): the credq version that wrote it, the
///     hash seed of its name table, the count of each entity kind, the source files'
///     identity, and the section table (name, offset, size, checksum of each section)
///     the sections, each starting at a multiple of 8
///
/// A section is a column: fixed-width values, or the records of one entity kind (see
/// `SnapshotWriter.records`). Fixed-width columns are laid out as the values they hold lie in
/// memory on a little-endian 64-bit machine, so `Column` reads them in place.
///
/// Each section is cut into blocks of `SnapshotSection.blockBytes` (64 KiB, or 48 KiB for the
/// 24-byte holdings: a block always holds whole values), and each block has a checksum,
/// seeded with its number. The section `block-sums` holds those checksums, section after
/// section in the order of `SnapshotSection.allCases`; a section's checksum in the table is
/// the checksum of its block sums (seeded with its size); those of `block-sums` itself are
/// computed from its bytes when it is first read. So a query checks only what it reads: most
/// sections are checked a block at a time, as values in a block are first read (see
/// `SectionBlocks`); the few read whole anyway are checked whole when first used.
enum SnapshotFormat {
    static let magic: [UInt8] = [0x89, 0x43, 0x51, 0x53, 0x0D, 0x0A, 0x1A, 0x0A]
    static let version: UInt32 = 2
    /// Magic, version, header size, file size, checksum.
    static let fixedHeaderSize = 32
    /// Where every section starts: a multiple of this.
    static let alignment = 8

    /// The in-memory layouts the mapped columns take for the file's (checked by the tests):
    /// a holding 24 bytes, a holder 8, a skill level and a teaching link 16, a list item 8.
    static let layoutsMatch = MemoryLayout<HoldingStore.Packed>.stride == 24 && MemoryLayout<HolderIndex.Entry>.stride == 8
        && MemoryLayout<SkillLevel>.stride == 16 && MemoryLayout<(credential: Int, level: Int)>.stride == 16
        && MemoryLayout<Int>.stride == 8

    /// A 64-bit checksum of bytes: four lanes of multiply-xor over 32-byte blocks, then the
    /// tail, then the length (not cryptographic: it finds damage, not forgery).
    static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let m: UInt64 = 0x9FB2_1C65_1E98_DF25
        var a = seed ^ 0x9E37_79B9_7F4A_7C15, b = seed &+ 0x6A09_E667_F3BC_C909
        var c = seed &+ 0xBB67_AE85_84CA_A73B, d = seed &+ 0x3C6E_F372_FE94_F82B
        let count = bytes.count
        var i = 0
        if let base = bytes.baseAddress {
            while i + 32 <= count {
                a = (a ^ base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* m
                b = (b ^ base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)) &* m
                c = (c ^ base.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)) &* m
                d = (d ^ base.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)) &* m
                a ^= a >> 29
                b ^= b >> 29
                c ^= c >> 29
                d ^= d >> 29
                i += 32
            }
            while i < count {
                a = (a ^ UInt64(base.load(fromByteOffset: i, as: UInt8.self))) &* m
                a ^= a >> 29
                i += 1
            }
        }
        var h = a ^ (b &* 3) ^ (c &* 5) ^ (d &* 7) ^ UInt64(count)
        h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 29)
    }

    /// The checksum of each block of `bytes` (blocks of `blockBytes`, each seeded with its
    /// number), taken on every core when there are many.
    static func blockSums(_ bytes: UnsafeRawBufferPointer, blockBytes: Int) -> [UInt64] {
        let blocks = (bytes.count + blockBytes - 1) / blockBytes
        var sums = [UInt64](repeating: 0, count: blocks)
        nonisolated(unsafe) let bytes = bytes
        let threads = blocks >= 64 ? min(ProcessInfo.processInfo.activeProcessorCount, 4) : 1
        sums.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                for b in (t * blocks / threads)..<((t + 1) * blocks / threads) {
                    out[b] = blockSum(bytes, block: b, blockBytes: blockBytes)
                }
            }
        }
        return sums
    }

    /// The checksum of block `b` of a section.
    @inline(__always)
    static func blockSum(_ bytes: UnsafeRawBufferPointer, block b: Int, blockBytes: Int) -> UInt64 {
        checksum(UnsafeRawBufferPointer(rebasing: bytes[(b * blockBytes)..<min(bytes.count, (b + 1) * blockBytes)]), seed: UInt64(b))
    }

    /// A section's checksum, from its block sums and its size.
    static func sectionChecksum(sums: UnsafeRawBufferPointer, size: Int) -> UInt64 { checksum(sums, seed: UInt64(size)) }

    static func sectionChecksum(sums: [UInt64], size: Int) -> UInt64 { sums.withUnsafeBytes { sectionChecksum(sums: $0, size: size) } }

    /// The checksum of a section's bytes, its blocks summed on every core.
    static func sectionChecksum(_ bytes: UnsafeRawBufferPointer, blockBytes: Int) -> UInt64 {
        sectionChecksum(sums: blockSums(bytes, blockBytes: blockBytes), size: bytes.count)
    }
}

/// What a snapshot's sections are named, one per column.
enum SnapshotSection: String, CaseIterable, Sendable {
    case organizationOffsets = "organization.offsets", organizationRecords = "organization.records"
    case skillOffsets = "skill.offsets", skillRecords = "skill.records"
    case credentialOffsets = "credential.offsets", credentialRecords = "credential.records"
    case roleOffsets = "role.offsets", roleRecords = "role.records"
    case learnerOffsets = "learner.offsets", learnerRecords = "learner.records"
    /// credential → where its skill levels start in `teaches` (u32, count + 1), and the levels
    /// (i64 skill, i64 level: a `SkillLevel` as it lies in memory).
    case teachesStart = "credential.teaches.start", teaches = "credential.teaches"
    /// credential → its cost, its weeks (f64).
    case costs = "credential.cost", weeks = "credential.weeks"
    /// learner → where its holdings start (u32, count + 1); the holdings (24 bytes each); the
    /// ids longer than eight bytes and the proofs, as string columns.
    case holdingsStart = "learner.holdings.start", holdings = "holding.packed"
    case longIDOffsets = "holding.long-ids.offsets", longIDs = "holding.long-ids"
    case proofOffsets = "holding.proofs.offsets", proofs = "holding.proofs"
    /// Entity numbers in the order of their ids' bytes (u32), one per kind, for lookups by id.
    case organizationIDs = "organization.by-id", skillIDs = "skill.by-id", credentialIDs = "credential.by-id"
    case roleIDs = "role.by-id", learnerIDs = "learner.by-id"
    /// Every name and alias: (hash of the lowercased label, entity code) pairs in hash order.
    case names = "names"
    /// credential → holders (i32 start, count + 1; then i32 learner, i32 holding pairs).
    case holdersStart = "holders.start", holders = "holders"
    /// skill → teaching credentials with their level, in the planner's order (i64 start,
    /// count + 1; then i64 credential, i64 level pairs). The lists below: i64 start, i64 items.
    case taughtByStart = "taught-by.start", taughtBy = "taught-by"
    /// credential → composites naming it; credential → credentials requiring it; organization → credentials it provides.
    case partOfStart = "part-of.start", partOf = "part-of"
    case requiredByStart = "required-by.start", requiredBy = "required-by"
    case providedStart = "provided.start", provided = "provided"
    /// Credential kind → its credentials, in order.
    case kindsStart = "kinds.start", kinds = "kinds"
    /// Each credential's depth in its prerequisites and in its stack rules, each skill's under
    /// broader skills (u32): every reference read must point lower, so no cycle can be read.
    case requiresRank = "credential.requires-rank", stackRank = "credential.stack-rank", broaderRank = "skill.broader-rank"
    /// Every other section's block checksums (u64), in the order of these cases.
    case blockSums = "block-sums"

    /// The section's place among `allCases`, to index arrays by section: a dictionary keyed
    /// by section hashes its name (its raw value) on every lookup, and values are read by
    /// section millions of times. A case without a payload is stored as its place, in the
    /// order the cases are declared; `ordinalsMatch` checks it.
    var ordinal: Int { Int(unsafeBitCast(self, to: UInt8.self)) }

    static let ordinalsMatch = MemoryLayout<SnapshotSection>.size == 1
        && allCases.enumerated().allSatisfy { $0.offset == $0.element.ordinal }

    /// The size of the blocks the section is checked by: whole values in each, and a power of
    /// two of them (a column finds a value's block with a shift).
    var blockBytes: Int { self == .holdings ? 24 << 11 : 1 << 16 }

    /// Whether the section is checked a block at a time as it is read, rather than whole on
    /// first use: all but those read whole when used (costs, weeks, the string columns), the
    /// holdings' starts (the holders' checks read them) and the block sums.
    var checkedByBlock: Bool {
        switch self {
        case .costs, .weeks, .holdingsStart, .longIDOffsets, .longIDs, .proofOffsets, .proofs, .blockSums: false
        default: true
        }
    }

    static func offsets(_ kind: EntityKind) -> SnapshotSection {
        switch kind {
        case .organization: .organizationOffsets
        case .skill: .skillOffsets
        case .credential: .credentialOffsets
        case .role: .roleOffsets
        case .learner: .learnerOffsets
        }
    }

    static func records(_ kind: EntityKind) -> SnapshotSection {
        switch kind {
        case .organization: .organizationRecords
        case .skill: .skillRecords
        case .credential: .credentialRecords
        case .role: .roleRecords
        case .learner: .learnerRecords
        }
    }

    static func byID(_ kind: EntityKind) -> SnapshotSection {
        switch kind {
        case .organization: .organizationIDs
        case .skill: .skillIDs
        case .credential: .credentialIDs
        case .role: .roleIDs
        case .learner: .learnerIDs
        }
    }
}

/// Appends little-endian numbers and length-prefixed strings to a growing buffer (a snapshot
/// of a million credentials writes some hundred million numbers, each stored in place).
struct ByteWriter {
    private final class Buffer {
        var base: UnsafeMutableRawPointer?
        var count = 0, capacity = 0

        deinit { base?.deallocate() }

        @inline(__always)
        func reserve(_ n: Int) -> UnsafeMutableRawPointer {
            if count + n > capacity {
                let grown = max(64, capacity * 2, count + n)
                let fresh = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
                if let base {
                    fresh.copyMemory(from: base, byteCount: count)
                    base.deallocate()
                }
                base = fresh
                capacity = grown
            }
            defer { count += n }
            return base! + count
        }
    }

    private let buffer = Buffer()

    init(capacity: Int = 0) { if capacity > 0 { _ = buffer.reserve(capacity); buffer.count = 0 } }

    var count: Int { buffer.count }

    /// The bytes written so far, copied out.
    var bytes: [UInt8] {
        [UInt8](UnsafeRawBufferPointer(start: buffer.base, count: buffer.count))
    }

    @inline(__always)
    private mutating func put<T: FixedWidthInteger>(_ v: T) {
        buffer.reserve(MemoryLayout<T>.size).storeBytes(of: v.littleEndian, as: T.self)
    }

    mutating func u8(_ v: UInt8) { put(v) }
    mutating func u32(_ v: UInt32) { put(v) }
    mutating func i32(_ v: Int32) { put(v) }
    mutating func u64(_ v: UInt64) { put(v) }
    mutating func i64(_ v: Int64) { put(v) }
    mutating func f64(_ v: Double) { put(v.bitPattern) }
    /// An entity index, or -1 for none.
    mutating func index(_ v: Int?) { i32(Int32(truncatingIfNeeded: v ?? -1)) }

    mutating func raw(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        buffer.reserve(bytes.count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
    }

    mutating func raw(_ bytes: [UInt8]) { bytes.withUnsafeBytes { raw($0) } }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            u32(UInt32(utf8.count))
            raw(UnsafeRawBufferPointer(utf8))
        }
    }

    mutating func optionalString(_ s: String?) {
        guard let s else { return u8(0) }
        u8(1)
        string(s)
    }

    mutating func strings(_ list: [String]) {
        u32(UInt32(list.count))
        for s in list { string(s) }
    }

    mutating func indexes(_ list: [Int]) {
        u32(UInt32(list.count))
        for i in list { index(i) }
    }
}

/// A snapshot that cannot be used, and why: the message names the file and what is wrong.
struct SnapshotDamage: Error, Sendable {
    var reason: String
}

/// Reads little-endian numbers and strings from bytes, every read checked against the end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var at: Int
    let end: Int
    /// What the bytes are, and which of them, for messages (made only for one: a record is
    /// read millions of times).
    private let name: String, number: Int?
    var what: String { number.map { "\(name) \($0)" } ?? name }

    init(_ bytes: UnsafeRawBufferPointer, from start: Int = 0, to end: Int? = nil, what: String, number: Int? = nil) {
        self.bytes = bytes
        self.at = start
        self.end = end ?? bytes.count
        name = what
        self.number = number
    }

    var isAtEnd: Bool { at == end }

    private mutating func take(_ n: Int) throws(SnapshotDamage) -> Int {
        guard n >= 0, n <= end - at else { throw SnapshotDamage(reason: "\(what) ends too soon") }
        defer { at += n }
        return at
    }

    mutating func u8() throws(SnapshotDamage) -> UInt8 { bytes[try take(1)] }
    mutating func u32() throws(SnapshotDamage) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: try take(4), as: UInt32.self))
    }
    mutating func i32() throws(SnapshotDamage) -> Int32 { Int32(bitPattern: try u32()) }
    mutating func u64() throws(SnapshotDamage) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: try take(8), as: UInt64.self))
    }
    mutating func i64() throws(SnapshotDamage) -> Int64 { Int64(bitPattern: try u64()) }
    mutating func f64() throws(SnapshotDamage) -> Double { Double(bitPattern: try u64()) }

    /// A count of items that each take at least `size` bytes, checked against what is left.
    mutating func count(each size: Int) throws(SnapshotDamage) -> Int {
        let n = Int(try u32())
        guard n <= (end - at) / max(size, 1) else { throw SnapshotDamage(reason: "\(what) holds a count larger than itself") }
        return n
    }

    /// A length-prefixed string's bytes, in place.
    mutating func stringBytes() throws(SnapshotDamage) -> UnsafeRawBufferPointer {
        let n = Int(try u32())
        let start = try take(n)
        return UnsafeRawBufferPointer(rebasing: bytes[start..<(start + n)])
    }

    mutating func string() throws(SnapshotDamage) -> String {
        String(decoding: try stringBytes(), as: UTF8.self)
    }

    mutating func optionalString() throws(SnapshotDamage) -> String? {
        switch try u8() {
        case 0: return nil
        case 1: return try string()
        default: throw SnapshotDamage(reason: "\(what) holds a bad flag")
        }
    }

    mutating func strings() throws(SnapshotDamage) -> [String] {
        let n = try count(each: 4)
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try string()) }
        return out
    }

    /// An index below `limit`, or -1 (nil) when `optional`.
    mutating func index(below limit: Int, optional: Bool = false) throws(SnapshotDamage) -> Int? {
        let v = Int(try i32())
        if v == -1, optional { return nil }
        guard v >= 0, v < limit else { throw SnapshotDamage(reason: "\(what) refers to entity \(v) of \(limit)") }
        return v
    }

    mutating func index(below limit: Int) throws(SnapshotDamage) -> Int {
        try index(below: limit, optional: false)!
    }

    mutating func indexes(below limit: Int) throws(SnapshotDamage) -> [Int] {
        let n = try count(each: 4)
        var out: [Int] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try index(below: limit)) }
        return out
    }
}
