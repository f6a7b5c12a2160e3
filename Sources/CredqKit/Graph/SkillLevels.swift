/// The skills a credential teaches: a slice of one flat store that keeps those of every
/// credential of a graph.
///
/// A graph of a million credentials teaches some three million skill levels. Kept as an
/// array per credential, each credential cost an allocation of its own; the store keeps them
/// all in one array of 16-byte levels.
public struct SkillLevels: RandomAccessCollection, Sendable, ExpressibleByArrayLiteral {
    let store: SkillLevelStore
    /// Where these levels are in the store.
    let lower: Int32, upper: Int32

    init(store: SkillLevelStore, first: Int, end: Int) {
        self.store = store
        self.lower = Int32(first)
        self.upper = Int32(end)
    }

    /// Levels kept in a store of their own.
    public init(_ levels: [SkillLevel]) {
        self.init(store: SkillLevelStore(levels), first: 0, end: levels.count)
    }

    public init(arrayLiteral levels: SkillLevel...) { self.init(levels) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { Int(upper &- lower) }

    public subscript(i: Int) -> SkillLevel {
        precondition(i >= 0 && i < endIndex, "skill level index out of range")
        return store.levels[Int(lower) + i]
    }

    /// The same levels in `store`, at the same place.
    func placed(in store: SkillLevelStore) -> SkillLevels {
        SkillLevels(store: store, first: Int(lower), end: Int(upper))
    }
}

/// Every credential's skill levels, one after another.
final class SkillLevelStore: Sendable {
    let levels: Column<SkillLevel>

    init(_ levels: [SkillLevel]) { self.levels = Column(levels) }

    init(_ levels: Column<SkillLevel>) { self.levels = levels }

    /// A store for credentials whose levels are not yet placed (see the fast loader).
    static let empty = SkillLevelStore([])
}
