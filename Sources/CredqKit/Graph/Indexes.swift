/// credential → everyone who holds it, as one flat array sliced per credential
/// (compressed sparse rows): 8 bytes a holding, no array per credential.
struct HolderIndex: Sendable {
    struct Entry: Sendable {
        var learner: Int32
        var holding: Int32
    }

    /// Credential c's holders are `entries[start[c]..<start[c + 1]]`.
    private(set) var start = Column<Int32>([0])
    private(set) var entries = Column<Entry>()

    init() {}

    /// The index as a snapshot keeps it.
    init(start: Column<Int32>, entries: Column<Entry>) {
        self.start = start
        self.entries = entries
    }

    init(credentials: Int, learners: EntityTable<Learner>) {
        // The learners are read in place by index (iterating them would copy each one).
        var start = [Int32](repeating: 0, count: credentials + 1)
        for l in 0..<learners.count {
            for credential in learners[l].holdings.credentials { start[credential + 1] += 1 }
        }
        for c in 0..<credentials { start[c + 1] += start[c] }
        var next = start
        var entries = [Entry](repeating: Entry(learner: 0, holding: 0), count: Int(start[credentials]))
        for l in 0..<learners.count {
            for (h, credential) in learners[l].holdings.credentials.enumerated() {
                entries[Int(next[credential])] = Entry(learner: Int32(l), holding: Int32(h))
                next[credential] += 1
            }
        }
        self.start = Column(start)
        self.entries = Column(entries)
    }

    /// The (learner, holding index) pairs of a credential's holders, in learner order.
    subscript(credential: Int) -> LazyMapCollection<Slice<Column<Entry>>, (learner: Int, holding: Int)> {
        entries[Int(start[credential])..<Int(start[credential + 1])].lazy.map { (Int($0.learner), Int($0.holding)) }
    }
}

/// Lowercased name or alias → the entities that carry it, as a hash table of references
/// only: no lowercased copies of names are kept, and a lookup checks each candidate's own
/// names. Entities with the same name come back in the order they were added.
struct NameIndex: Sendable {
    /// 0 is empty; else the hash's high 32 bits, then the reference + 1.
    private var slots: [UInt64] = []

    init() {}

    /// Every name and alias of every entity; `labels` gives an entity's name then its aliases.
    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
    }

    static func encode(_ ref: EntityRef) -> UInt64 {
        UInt64(EntityKind.allCases.firstIndex(of: ref.kind)!) << 29 | UInt64(ref.index)
    }

    static func decode(_ code: UInt64) -> EntityRef {
        EntityRef(kind: EntityKind.allCases[Int(code >> 29)], index: Int(code & (1 << 29 - 1)))
    }

    /// Adds a reference under a label, already known to be new for this entity.
    mutating func add(_ label: String, _ ref: EntityRef) {
        let h = Self.hash(label)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = (h >> 32) << 32 | (Self.encode(ref) + 1)
    }

    /// The entities whose name or alias is `lowered` ignoring case; `labels(ref)` lists an
    /// entity's names to confirm a candidate.
    func find(_ lowered: String, labels: (EntityRef) -> [String]) -> [EntityRef] {
        guard !slots.isEmpty else { return [] }
        let h = Self.hash(lowered)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        var found: [EntityRef] = []
        while slots[slot] != 0 {
            let s = slots[slot]
            if s >> 32 == h >> 32 {
                let ref = Self.decode((s & 0xFFFF_FFFF) - 1)
                if labels(ref).contains(where: { Self.lowered($0) == lowered }) { found.append(ref) }
            }
            slot = (slot + 1) & mask
        }
        return found
    }

    /// An ASCII byte lowercased (`A`-`Z` to `a`-`z`), as `lowercased()` lowers it.
    @inline(__always)
    static func loweredASCII(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    /// ASCII is lowered in place; other text by Unicode's full lowercase mapping.
    static func lowered(_ s: String) -> String {
        s.utf8.allSatisfy({ $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5A) }) ? s : s.lowercased()
    }

    /// The hash of the lowercased label, lowering ASCII on the fly without a copy; `seed` is
    /// the process's own, or the one a snapshot's name table was written with.
    static func hash(_ label: String, seed: UInt64 = KeyedHash.seed) -> UInt64 {
        var h = KeyedHash.start(seed: seed)
        if label.utf8.allSatisfy({ $0 < 0x80 }) {
            for b in label.utf8 { h = KeyedHash.add(loweredASCII(b), to: h) }
        } else {
            for b in label.lowercased().utf8 { h = KeyedHash.add(b, to: h) }
        }
        return KeyedHash.finish(h)
    }
}
