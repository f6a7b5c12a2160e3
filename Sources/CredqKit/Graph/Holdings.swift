/// A learner's holdings: a slice of the one flat store that keeps every holding of a graph.
///
/// A graph of a million learners holds millions of holdings. Kept as an array per learner,
/// each learner cost an allocation, and each holding 56 bytes and a `String`; the store keeps
/// a holding in 24 bytes, with no allocation of its own (ids of up to eight ASCII bytes are
/// packed in a word, as the loader's keys are). Reading one makes its `Holding`.
public struct Holdings: RandomAccessCollection, Sendable, ExpressibleByArrayLiteral {
    let store: HoldingStore
    /// Where this learner's holdings are in the store.
    let lower: Int32, upper: Int32

    init(store: HoldingStore, first: Int, end: Int) {
        self.store = store
        self.lower = Int32(first)
        self.upper = Int32(end)
    }

    /// Holdings kept in a store of their own.
    public init(_ holdings: [Holding]) {
        var builder = HoldingStore.Builder()
        for h in holdings { builder.append(h) }
        self.init(store: builder.finished(), first: 0, end: holdings.count)
    }

    public init(arrayLiteral holdings: Holding...) { self.init(holdings) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { Int(upper &- lower) }

    public subscript(i: Int) -> Holding {
        precondition(i >= 0 && i < endIndex, "holding index out of range")
        return store.holding(at: Int(lower) + i)
    }

    /// The credential of each holding, in order, without making the holdings.
    public var credentials: LazyMapCollection<Range<Int>, Int> {
        let store = store
        return (Int(lower)..<Int(upper)).lazy.map { Int(store.packed[$0].credential) }
    }

    /// The same holdings in `store`, `by` places further on.
    func moved(to store: HoldingStore, by shift: Int) -> Holdings {
        Holdings(store: store, first: Int(lower) + shift, end: Int(upper) + shift)
    }
}

/// Every holding of a graph (or of part of one, as read by one thread), packed.
final class HoldingStore: Sendable {
    struct Packed: BitwiseCopyable {
        /// An id of one to eight ASCII bytes (no NUL) as a little-endian word, as
        /// `KeyArena` packs it; any other id is `HoldingStore.long | its index in longIDs`.
        var id: UInt64
        var credential: Int32
        var issued: Int32
        /// A `Day`'s packed value, or 0 for none.
        var expires: Int32
        /// Index in `proofs`, or -1 for none.
        var proof: Int32
    }

    static let long: UInt64 = 1 << 63

    let packed: Column<Packed>
    let longIDs: [String]
    let proofs: [String]

    /// A store for learners whose holdings are not yet placed (see the fast loader).
    static let empty = HoldingStore(Builder())

    private init(_ builder: Builder) {
        packed = Column(builder.packed)
        longIDs = builder.longIDs
        proofs = builder.proofs
    }

    /// A store of holdings already packed (as a snapshot keeps them).
    init(packed: Column<Packed>, longIDs: [String], proofs: [String]) {
        self.packed = packed
        self.longIDs = longIDs
        self.proofs = proofs
    }

    func holding(at i: Int) -> Holding {
        let p = packed[i]
        return Holding(
            id: id(p.id), credential: Int(p.credential), issued: Day(packed: p.issued),
            expires: p.expires == 0 ? nil : Day(packed: p.expires),
            proof: p.proof < 0 ? nil : proofs[Int(p.proof)])
    }

    private func id(_ key: UInt64) -> String {
        if key & Self.long != 0 { return longIDs[Int(truncatingIfNeeded: key & ~Self.long)] }
        var word = key.littleEndian
        return withUnsafeBytes(of: &word) { String(decoding: $0.prefix(KeyArena.shortLength(key)), as: UTF8.self) }
    }

    /// Holdings gathered one by one, then frozen into a store.
    struct Builder {
        var packed: [Packed] = []
        var longIDs: [String] = []
        var proofs: [String] = []

        var count: Int { packed.count }

        mutating func append(_ h: Holding) {
            var id = h.id
            let key = id.withUTF8 { KeyArena.shortKey($0) }
            append(id: key ?? longID(id), credential: h.credential, issued: h.issued, expires: h.expires,
                   proof: h.proof)
        }

        /// The key of an id that is not packed in a word.
        mutating func longID(_ id: String) -> UInt64 {
            longIDs.append(id)
            return Self.longKey(longIDs.count - 1)
        }

        @inline(__always)
        static func longKey(_ index: Int) -> UInt64 { HoldingStore.long | UInt64(index) }

        @inline(__always)
        mutating func append(id: UInt64, credential: Int, issued: Day, expires: Day?, proof: String?) {
            var proofIndex: Int32 = -1
            if let proof {
                proofIndex = Int32(proofs.count)
                proofs.append(proof)
            }
            packed.append(Packed(id: id, credential: Int32(truncatingIfNeeded: credential), issued: issued.packed,
                                 expires: expires?.packed ?? 0, proof: proofIndex))
        }

        /// Appends another builder's holdings; they move `count` places (as it was) further on.
        mutating func append(_ other: Builder) {
            let longShift = UInt64(longIDs.count), proofShift = Int32(proofs.count)
            packed.reserveCapacity(packed.count + other.packed.count)
            for var p in other.packed {
                if p.id & HoldingStore.long != 0 { p.id += longShift }
                if p.proof >= 0 { p.proof += proofShift }
                packed.append(p)
            }
            longIDs.append(contentsOf: other.longIDs)
            proofs.append(contentsOf: other.proofs)
        }

        func finished() -> HoldingStore { HoldingStore(self) }
    }
}
