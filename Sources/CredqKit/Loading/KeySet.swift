import Foundation

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
