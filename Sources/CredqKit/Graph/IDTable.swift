import CPrefetch

/// A set of ids, each numbered in the order first inserted, keyed by its UTF-8 bytes.
///
/// Open addressing over 16-byte slots that hold a key's first eight bytes, its length and its
/// number: ids of up to eight bytes (most generated ids) are found with one memory access
/// and no `String`. Longer keys keep the rest of their bytes in one arena. The loader numbers
/// ids as it meets them; the graph keeps one table per kind for lookups by id.
struct IDTable: Sendable {
    struct Slot: Sendable {
        /// The key's first eight bytes, little-endian, zero-padded.
        var head: UInt64
        /// length << 32 | (number + 1); 0 is an empty slot.
        var meta: UInt64
    }

    /// A power of two in size, at most half full.
    private var slots: [Slot]
    /// Bytes 9 and on of long keys, one after the other.
    private var arena: [UInt8] = []
    /// Id number → where the rest of its bytes start in the arena (long keys only; else 0).
    private var tails: [UInt32] = []

    init(capacity: Int = 0) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: Slot(head: 0, meta: 0), count: size)
        tails.reserveCapacity(capacity)
    }

    var count: Int { tails.count }

    @inline(__always)
    private func tailEquals(_ n: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard key.count > 8 else { return true }
        let start = Int(tails[n])
        return arena.withUnsafeBufferPointer { a in
            for i in 8..<key.count where a[start + i - 8] != key[i] { return false }
            return true
        }
    }

    /// Where the key is: its slot and number, or the empty slot where it would go. `key` is
    /// read only past its first eight bytes, for keys longer than that.
    @inline(__always)
    private func probe(head: UInt64, length: Int, hash: UInt64, _ key: UnsafeBufferPointer<UInt8>) -> (slot: Int, number: Int?) {
        probe(head: head, length: length, from: Int(truncatingIfNeeded: hash) & (slots.count - 1), key)
    }

    @inline(__always)
    private func probe(head: UInt64, length: Int, from start: Int, _ key: UnsafeBufferPointer<UInt8>) -> (slot: Int, number: Int?) {
        let lengthBits = UInt64(length) << 32
        let mask = slots.count - 1
        var slot = start
        while true {
            let s = slots[slot]
            if s.meta == 0 { return (slot, nil) }
            if s.head == head, s.meta & 0xFFFF_FFFF_0000_0000 == lengthBits {
                let n = Int(s.meta & 0xFFFF_FFFF) - 1
                if tailEquals(n, key) { return (slot, n) }
            }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private func probe(_ key: UnsafeBufferPointer<UInt8>, head: UInt64) -> (slot: Int, number: Int?) {
        probe(head: head, length: key.count, hash: Self.hash(key, head: head), key)
    }

    /// Numbers a key found at `slot` (by a probe that missed).
    @inline(__always)
    private mutating func add(at slot: Int, head: UInt64, length: Int, _ key: UnsafeBufferPointer<UInt8>) -> Int {
        let n = tails.count
        if length > 8 {
            tails.append(UInt32(arena.count))
            arena.append(contentsOf: UnsafeBufferPointer(rebasing: key[8...]))
        } else {
            tails.append(0)
        }
        slots[slot] = Slot(head: head, meta: UInt64(length) << 32 | UInt64(n + 1))
        if tails.count * 2 > slots.count { grow() }
        return n
    }

    /// The number of `key`, inserting it when new.
    @inline(__always)
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>) -> (number: Int, inserted: Bool) {
        let head = KeyedHash.head(key)
        let (slot, found) = probe(key, head: head)
        if let found { return (found, false) }
        return (add(at: slot, head: head, length: key.count, key), true)
    }

    mutating func insert(_ key: String) -> (number: Int, inserted: Bool) {
        var key = key
        return key.withUTF8 { insert($0) }
    }

    /// The number of a packed key (see `KeyArena`), inserting it when new.
    @inline(__always)
    mutating func insert(_ key: UInt64, from arena: KeyArena) -> (number: Int, inserted: Bool) {
        guard KeyArena.isShort(key) else { return arena.withBytes(of: key) { insert($0) } }
        let length = KeyArena.shortLength(key)
        let (slot, found) = probe(head: key, length: length, hash: Self.hashShort(key, length), UnsafeBufferPointer(start: nil, count: 0))
        if let found { return (found, false) }
        return (add(at: slot, head: key, length: length, UnsafeBufferPointer(start: nil, count: 0)), true)
    }

    /// The number of a packed key (see `KeyArena`), or nil.
    @inline(__always)
    func find(_ key: UInt64, in arena: KeyArena) -> Int? {
        guard KeyArena.isShort(key) else { return arena.withBytes(of: key) { find($0) } }
        let length = KeyArena.shortLength(key)
        return probe(head: key, length: length, hash: Self.hashShort(key, length), UnsafeBufferPointer(start: nil, count: 0)).number
    }

    /// How many keys ahead `findAll` and `init(keys:from:)` ask for the slot a key will need.
    private static let ahead = 16

    /// Finds many packed keys (see `KeyArena`) at once, in place: each becomes its number,
    /// or -1 when absent. The slot each key needs is prefetched a few keys ahead, so those
    /// reads, which mostly miss the cache in a large table, overlap instead of waiting one
    /// after another (a lookup in a million-id table: 116 ns without, 50 ns with).
    func findAll(_ keys: UnsafeMutableBufferPointer<Int>, in arena: KeyArena) {
        for k in keys.indices {
            if k + Self.ahead < keys.count { prefetchSlot(of: UInt64(truncatingIfNeeded: keys[k + Self.ahead])) }
            keys[k] = find(UInt64(truncatingIfNeeded: keys[k]), in: arena) ?? -1
        }
    }

    /// Asks for the slot where a packed key's probe starts (long keys: nothing).
    @inline(__always)
    private func prefetchSlot(of key: UInt64) {
        guard KeyArena.isShort(key) else { return }
        let slot = Int(truncatingIfNeeded: Self.hashShort(key, KeyArena.shortLength(key))) & (slots.count - 1)
        slots.withUnsafeBufferPointer { credq_prefetch($0.baseAddress! + slot) }
    }

    /// A table of `keys` (see `KeyArena`) numbered in their order, each key's slot
    /// prefetched a few keys ahead as `findAll` does; nil when a key is there twice.
    init?(keys: [UInt64], from arena: KeyArena) {
        self.init(capacity: keys.count)
        for k in keys.indices {
            if k + Self.ahead < keys.count { prefetchSlot(of: keys[k + Self.ahead]) }
            guard insert(keys[k], from: arena).inserted else { return nil }
        }
    }

    /// The number of `key`, or nil.
    func find(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        probe(key, head: KeyedHash.head(key)).number
    }

    func find(_ key: String) -> Int? {
        var key = key
        return key.withUTF8 { find($0) }
    }

    private mutating func grow() {
        var fresh = [Slot](repeating: Slot(head: 0, meta: 0), count: slots.count * 2)
        let mask = fresh.count - 1
        arena.withUnsafeBufferPointer { a in
            for s in slots where s.meta != 0 {
                let n = Int(s.meta & 0xFFFF_FFFF) - 1
                let length = Int(s.meta >> 32)
                var h = Self.mix(s.head, length)
                if length > 8 { h = Self.hashTail(UnsafeBufferPointer(rebasing: a[Int(tails[n])..<(Int(tails[n]) + length - 8)]), h) }
                var slot = Int(truncatingIfNeeded: KeyedHash.finish(h)) & mask
                while fresh[slot].meta != 0 { slot = (slot + 1) & mask }
                fresh[slot] = s
            }
        }
        slots = fresh
    }

    /// The head and length in one multiply; the rest of a long key byte by byte.
    @inline(__always)
    private static func mix(_ head: UInt64, _ length: Int) -> UInt64 {
        (head ^ KeyedHash.seed ^ UInt64(length) << 59) &* 0x9E37_79B9_7F4A_7C15
    }

    @inline(__always)
    private static func hashTail(_ tail: UnsafeBufferPointer<UInt8>, _ start: UInt64) -> UInt64 {
        var h = start
        for b in tail { h = KeyedHash.add(b, to: h) }
        return h
    }

    @inline(__always)
    private static func hashShort(_ head: UInt64, _ length: Int) -> UInt64 { KeyedHash.finish(mix(head, length)) }

    /// The key's first eight bytes mixed with a random start, then the rest FNV-1a style.
    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>, head: UInt64) -> UInt64 {
        var h = mix(head, key.count)
        if key.count > 8 { h = hashTail(UnsafeBufferPointer(rebasing: key[8...]), h) }
        return KeyedHash.finish(h)
    }
}

/// Ids as the fast loader keeps them until every id table is built, packed in one word.
///
/// An id of one to eight ASCII bytes (none of them NUL) is its bytes as a little-endian word,
/// as `KeyedHash.head` makes it: the word alone tells the id, and its top bit is clear. Any
/// other id is kept in `bytes`, and its word is 1 << 63 | length << 40 | offset.
struct KeyArena {
    private(set) var bytes: [UInt8] = []

    static let long: UInt64 = 1 << 63
    /// The longest id kept (8 MiB); a longer one is left to the thorough loader.
    static let maxLength = 1 << 23 - 1

    @inline(__always) static func isShort(_ key: UInt64) -> Bool { key & long == 0 }

    @inline(__always)
    static func shortLength(_ key: UInt64) -> Int { 8 - key.leadingZeroBitCount / 8 }

    /// The key of `id`. `head`, when given, is its first eight bytes (`KeyedHash.head`) and
    /// says every byte is already known to be ASCII and not NUL. Nil for an id too long to keep.
    @inline(__always)
    mutating func key(_ id: UnsafeBufferPointer<UInt8>, head: UInt64?) -> UInt64? {
        if let head, id.count >= 1, id.count <= 8 { return head }
        if let short = Self.shortKey(id) { return short }
        guard id.count <= Self.maxLength, bytes.count < 1 << 40 else { return nil }
        let key = Self.long | UInt64(id.count) << 40 | UInt64(bytes.count)
        bytes.append(contentsOf: id)
        return key
    }

    /// The one-word key of an id of one to eight ASCII bytes, none of them NUL; nil for any
    /// other id.
    @inline(__always)
    static func shortKey(_ id: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard id.count >= 1, id.count <= 8, id.allSatisfy({ $0 != 0 && $0 < 0x80 }) else { return nil }
        return KeyedHash.head(id)
    }

    /// Calls `body` with the bytes of a long key.
    @inline(__always)
    func withBytes<R>(of key: UInt64, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let offset = Int(key & (1 << 40 - 1)), length = Int((key >> 40) & UInt64(Self.maxLength))
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[offset..<(offset + length)])) }
    }

    /// Whether two keys are the same id.
    func same(_ a: UInt64, _ b: UInt64) -> Bool {
        if a == b { return true }
        guard !Self.isShort(a), !Self.isShort(b), (a >> 40) == (b >> 40) else { return false }
        return withBytes(of: a) { x in withBytes(of: b) { y in x.elementsEqual(y) } }
    }

    /// The key of the same id in `other` once `other`'s bytes are appended after these.
    func moved(_ key: UInt64, by offset: Int) -> UInt64 { Self.isShort(key) ? key : key + UInt64(offset) }

    mutating func append(_ other: KeyArena) { bytes.append(contentsOf: other.bytes) }
}

/// An id table and, when ids were numbered in another order than the entities, the map
/// from id number to entity index.
struct IDLookup: Sendable {
    var table: IDTable
    var entity: [Int32]?
    /// Where the ids are looked up instead, for a graph opened from a snapshot.
    var external: (@Sendable (String) -> Int?)?

    func index(of id: String) -> Int? {
        if let external { return external(id) }
        guard let n = table.find(id) else { return nil }
        return entity.map { Int($0[n]) } ?? n
    }

    /// A table of the ids in entity order.
    init<C: Collection>(ids: C) where C.Element == String {
        table = IDTable(capacity: ids.count)
        for id in ids { _ = table.insert(id) }
        entity = nil
    }

    init(table: IDTable, entity: [Int32]?) {
        self.table = table
        self.entity = entity
    }

    init(external: @escaping @Sendable (String) -> Int?) {
        table = IDTable()
        self.external = external
    }
}

/// Finds whether any two of many ids are equal, in 8 bytes an id: each id is kept only as a
/// 64-bit keyed hash, the hashes are bucket-sorted, and neighbours compared. Equal hashes
/// mean a duplicate id or (about once in 10^12 files) a collision; the caller then reads the
/// file thoroughly, which tells which.
struct DuplicateFinder {
    private var hashes: [UInt64] = []
    /// Whether `hashes` are in order (after `sort`), and then whether two were equal.
    private var sorted = true, repeated = false

    /// Adds an id; `head` is its first eight bytes (`KeyedHash.head`).
    @inline(__always)
    mutating func add(_ key: UnsafeBufferPointer<UInt8>, head: UInt64) {
        hashes.append(KeyedHash.words(key, head: head))
        sorted = false
    }

    /// Room for `factor` times `count` ids (see `FastGraphReader.reserve`).
    mutating func reserve(_ count: Int, _ factor: Double) { FastGraphReader.reserve(&hashes, count, factor) }

    /// Adds the ids another finder was given.
    mutating func append(_ other: DuplicateFinder) {
        hashes.append(contentsOf: other.hashes)
        sorted = hashes.isEmpty
        repeated = false
    }

    /// True when two hashes are equal, here or in `other`: each side is sorted (unless it
    /// was already, as a helper thread sorts its own while the first thread still reads),
    /// then the two are merged.
    mutating func anyEqual(with other: DuplicateFinder = DuplicateFinder()) -> Bool {
        var other = other
        if sort() || other.sort() { return true }
        return hashes.withUnsafeBufferPointer { a in
            other.hashes.withUnsafeBufferPointer { b in
                var i = 0, j = 0
                while i < a.count, j < b.count {
                    if a[i] == b[j] { return true }
                    if a[i] < b[j] { i += 1 } else { j += 1 }
                }
                return false
            }
        }
    }

    /// Puts the hashes in order; true when two are equal. One pass spreads them into
    /// buckets by their top bits (at most 131,072 buckets, so their counts stay in cache),
    /// and each bucket is sorted on its own, by insertion.
    mutating func sort() -> Bool {
        guard !sorted else { return repeated }
        sorted = true
        let n = hashes.count
        guard n > 1 else { return false }
        var bits = 1
        while 1 << bits < n / 32, bits < 17 { bits += 1 }
        let shift = UInt64(64 - bits)
        var start = [UInt32](repeating: 0, count: (1 << bits) + 1)
        for h in hashes { start[Int(h >> shift) + 1] += 1 }
        for i in 1..<start.count { start[i] += start[i - 1] }
        var next = start
        var spread = [UInt64](repeating: 0, count: n)
        hashes.withUnsafeBufferPointer { hashes in
            spread.withUnsafeMutableBufferPointer { spread in
                for i in hashes.indices {
                    if i + 16 < hashes.count {  // where a hash a little further on will go
                        credq_prefetch_for_writing(spread.baseAddress! + Int(next[Int(hashes[i + 16] >> shift)]))
                    }
                    let b = Int(hashes[i] >> shift)
                    spread[Int(next[b])] = hashes[i]
                    next[b] += 1
                }
            }
        }
        hashes = []
        repeated = spread.withUnsafeMutableBufferPointer { all in
            for b in 0..<(1 << bits) {
                let first = Int(start[b]), end = Int(start[b + 1])
                guard end - first > 1 else { continue }
                for i in (first + 1)..<end {
                    let h = all[i]
                    var j = i
                    while j > first, all[j - 1] > h {
                        all[j] = all[j - 1]
                        j -= 1
                    }
                    if j > first, all[j - 1] == h { return true }
                    all[j] = h
                }
            }
            return false
        }
        hashes = spread
        return repeated
    }
}

/// The one byte hash the loader's tables share: FNV-1a from a start chosen per process (so a
/// file cannot be written to make keys collide), then mixed so the low bits depend on every
/// byte.
enum KeyedHash {
    static let seed = UInt64.random(in: .min ... .max)
    static var start: UInt64 { start(seed: seed) }
    static func start(seed: UInt64) -> UInt64 { 0xCBF2_9CE4_8422_2325 ^ seed }

    @inline(__always)
    static func add(_ byte: UInt8, to h: UInt64) -> UInt64 { (h ^ UInt64(byte)) &* 0x100_0000_01B3 }

    @inline(__always)
    static func finish(_ h: UInt64) -> UInt64 {
        var h = h ^ (h >> 31)
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 29)
    }

    /// A hash of a whole key taken eight bytes at a time, for keys that are hashed often.
    @inline(__always)
    static func words(_ key: UnsafeBufferPointer<UInt8>, head: UInt64) -> UInt64 {
        var h = ((start ^ UInt64(key.count)) ^ head) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        var at = 8
        while at < key.count {
            let word = Self.head(UnsafeBufferPointer(rebasing: key[at..<min(at + 8, key.count)]))
            h = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            at += 8
        }
        return finish(h)
    }

    /// The first eight bytes as one little-endian word, zero-padded.
    @inline(__always)
    static func head(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0
        for i in 0..<min(key.count, 8) { h |= UInt64(key[i]) << (8 * UInt64(i)) }
        return h
    }
}
