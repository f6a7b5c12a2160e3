import Foundation

// MARK: - Scratch space

/// Per-query arrays indexed by credential, reset by bumping a tag instead of clearing, so the
/// lower bound allocates almost nothing per state. They are raw memory, allocated once per
/// pooled instance: the search reads them millions of times, and Swift arrays in a class would
/// check exclusive access and uniqueness on every one of those reads.
///
/// The arrays come zeroed from `calloc`, which for arrays this large maps fresh pages the
/// kernel zeroes on first touch: a plan that reaches a few thousand credentials of a million
/// touches a few pages, not the 150 bytes per credential that writing every slot would cost
/// (that was most of a first plan's time on a large graph). Every element type here is valid
/// as all-zero bits: the tags (0 is never current, see `advance`), counts, `false`, the
/// SIMD prices, and the lists, which are optional because a nil `[Int]?` is all-zero bits.
final class Scratch: @unchecked Sendable {
    /// Scratch arrays are as large as the graph: queries reuse them rather than allocate anew.
    static let pool = Pool()

    final class Pool: @unchecked Sendable {
        private let lock = NSLock()
        private var free: [Scratch] = []

        func take(count: Int) -> Scratch {
            lock.lock()
            defer { lock.unlock() }
            if let i = free.firstIndex(where: { $0.size == count }) { return free.remove(at: i) }
            return Scratch(count: count)
        }

        func give(_ s: Scratch) {
            lock.lock()
            defer { lock.unlock() }
            if free.count < 4 { free.append(s) }
        }
    }

    let size: Int
    /// Steps of work not yet counted against the search's budget (see `Feasibility.work`).
    var work = 0
    /// The current query, for what is known of each credential during one query.
    private var query: UInt32 = 0
    private let feasibleTags: UnsafeMutablePointer<UInt32>
    private let feasibleValues: UnsafeMutablePointer<Bool>
    private let closureTags: UnsafeMutablePointer<UInt32>
    private let closureLists: UnsafeMutablePointer<[Int]?>
    private let partsTags: UnsafeMutablePointer<UInt32>
    private let partsLists: UnsafeMutablePointer<[Int]?>
    private let counts: UnsafeMutablePointer<Int32>
    private let countTags: UnsafeMutablePointer<UInt32>
    private let unitTags: UnsafeMutablePointer<UInt32>
    private let usedTags: UnsafeMutablePointer<UInt32>
    private let markTags: UnsafeMutablePointer<UInt32>
    private let markItems: UnsafeMutablePointer<Int32>
    private let priceTags: UnsafeMutablePointer<UInt32>
    private let priceValues: UnsafeMutablePointer<Prices>
    private let heldTags: UnsafeMutablePointer<UInt32>
    private let classTags: UnsafeMutablePointer<UInt32>
    private let classIndex: UnsafeMutablePointer<Int32>
    private let deepTags: UnsafeMutablePointer<UInt32>
    private let exploringTags: UnsafeMutablePointer<UInt32>
    private let deepIndices: UnsafeMutablePointer<Int32>
    private var deepTag: UInt32 = 0
    private var tag: UInt32 = 0, unit: UInt32 = 0, used: UInt32 = 0, markTag: UInt32 = 0, priceTag: UInt32 = 0

    /// What a credential's closure adds, in count, cost and weeks: whole, and each credential
    /// split over the footprints it is in.
    struct Prices {
        var full = SIMD4<Double>()
        var scaled = SIMD4<Double>()
    }

    init(count: Int) {
        size = count
        func zeroed<T>(_: T.Type) -> UnsafeMutablePointer<T> {
            guard let raw = calloc(max(1, count), MemoryLayout<T>.stride) else {
                fatalError("credq: out of memory for the planner's scratch space (\(count) credentials)")
            }
            return raw.bindMemory(to: T.self, capacity: max(1, count))
        }
        feasibleTags = zeroed(UInt32.self)
        feasibleValues = zeroed(Bool.self)
        closureTags = zeroed(UInt32.self)
        closureLists = zeroed([Int]?.self)
        partsTags = zeroed(UInt32.self)
        partsLists = zeroed([Int]?.self)
        counts = zeroed(Int32.self)
        countTags = zeroed(UInt32.self)
        unitTags = zeroed(UInt32.self)
        usedTags = zeroed(UInt32.self)
        markTags = zeroed(UInt32.self)
        markItems = zeroed(Int32.self)
        priceTags = zeroed(UInt32.self)
        priceValues = zeroed(Prices.self)
        heldTags = zeroed(UInt32.self)
        classTags = zeroed(UInt32.self)
        classIndex = zeroed(Int32.self)
        deepTags = zeroed(UInt32.self)
        exploringTags = zeroed(UInt32.self)
        deepIndices = zeroed(Int32.self)
        // The lists rely on a nil `[Int]?` being all-zero bits, as Swift lays it out.
        precondition(closureLists[0] == nil && partsLists[0] == nil)
    }

    deinit {
        let n = max(1, size)
        closureLists.deinitialize(count: n)
        partsLists.deinitialize(count: n)
        let all: [UnsafeMutableRawPointer] = [
            UnsafeMutableRawPointer(feasibleTags), UnsafeMutableRawPointer(feasibleValues),
            UnsafeMutableRawPointer(closureTags), UnsafeMutableRawPointer(closureLists),
            UnsafeMutableRawPointer(partsTags), UnsafeMutableRawPointer(partsLists),
            UnsafeMutableRawPointer(counts), UnsafeMutableRawPointer(countTags),
            UnsafeMutableRawPointer(unitTags), UnsafeMutableRawPointer(usedTags),
            UnsafeMutableRawPointer(markTags), UnsafeMutableRawPointer(markItems),
            UnsafeMutableRawPointer(priceTags), UnsafeMutableRawPointer(priceValues),
            UnsafeMutableRawPointer(heldTags), UnsafeMutableRawPointer(classTags),
            UnsafeMutableRawPointer(classIndex), UnsafeMutableRawPointer(deepTags),
            UnsafeMutableRawPointer(exploringTags), UnsafeMutableRawPointer(deepIndices),
        ]
        for p in all { free(p) }
    }

    /// Forgets what was known of feasibility and closures (they depend on the holdings and providers).
    func newQuery() { if Self.advance(&query) { clear(feasibleTags, closureTags, heldTags, partsTags, classTags) } }

    func feasible(_ c: Int) -> Bool? { feasibleTags[c] == query ? feasibleValues[c] : nil }

    /// Marks a credential as held for this query.
    func setHeld(_ c: Int) { heldTags[c] = query }
    func isHeld(_ c: Int) -> Bool { heldTags[c] == query }

    /// A credential's class of twins for this query (see `Symmetry`).
    func setClass(_ c: Int, _ k: Int) {
        classTags[c] = query
        classIndex[c] = Int32(k)
    }
    func classOf(_ c: Int) -> Int? { classTags[c] == query ? Int(classIndex[c]) : nil }

    func nextPrices() { if Self.advance(&priceTag) { clear(priceTags) } }

    /// A new tag; true when it wrapped, and the marks it keys must be cleared so that old ones
    /// cannot look current.
    private static func advance(_ tag: inout UInt32) -> Bool {
        tag &+= 1
        guard tag == 0 else { return false }
        tag = 1
        return true
    }

    private func clear(_ marks: UnsafeMutablePointer<UInt32>...) {
        for m in marks { m.update(repeating: 0, count: max(1, size)) }
    }

    func prices(_ c: Int) -> Prices? { priceTags[c] == priceTag ? priceValues[c] : nil }

    func setPrices(_ c: Int, _ p: Prices) {
        priceTags[c] = priceTag
        priceValues[c] = p
    }

    func setFeasible(_ c: Int, _ value: Bool) {
        feasibleTags[c] = query
        feasibleValues[c] = value
    }

    func closure(_ c: Int) -> [Int]? { closureTags[c] == query ? closureLists[c] : nil }

    func parts(_ c: Int) -> [Int]? { partsTags[c] == query ? partsLists[c] : nil }

    func setParts(_ c: Int, _ list: [Int]) {
        partsTags[c] = query
        partsLists[c] = list
    }

    func setClosure(_ c: Int, _ list: [Int]) {
        closureTags[c] = query
        closureLists[c] = list
    }

    func nextTag() { tag &+= 1 }
    func nextUnit() { unit &+= 1 }
    func nextUsed() { used &+= 1 }

    /// Adds one to a credential's count under the current tag; returns the new count.
    func bump(_ c: Int) -> Int {
        if countTags[c] != tag {
            countTags[c] = tag
            counts[c] = 0
        }
        counts[c] += 1
        return Int(counts[c])
    }

    func count(_ c: Int) -> Int { countTags[c] == tag ? Int(counts[c]) : 0 }

    /// True the first time a credential is seen in the current unit.
    func firstInUnit(_ c: Int) -> Bool {
        guard unitTags[c] != unit else { return false }
        unitTags[c] = unit
        return true
    }

    func nextMark() { markTag &+= 1 }

    /// Marks a credential as in item `item`'s footprint; false when another item has it.
    func mark(_ c: Int, item: Int) -> Bool {
        if markTags[c] == markTag { return markItems[c] == Int32(item) }
        markTags[c] = markTag
        markItems[c] = Int32(item)
        return true
    }

    /// Each credential's place in the reach of the deep bound (`DeepPrices`), and whether
    /// the walk that numbers them has entered it.
    func nextDeep() { if Self.advance(&deepTag) { clear(deepTags, exploringTags) } }
    func deepIndex(_ c: Int) -> Int32? { deepTags[c] == deepTag ? deepIndices[c] : nil }
    func setDeepIndex(_ c: Int, _ i: Int32) {
        deepTags[c] = deepTag
        deepIndices[c] = i
    }
    func isExploring(_ c: Int) -> Bool { exploringTags[c] == deepTag }
    func setExploring(_ c: Int) { exploringTags[c] = deepTag }

    func use(_ c: Int) { usedTags[c] = used }
    func isUsed(_ c: Int) -> Bool { usedTags[c] == used }
}
