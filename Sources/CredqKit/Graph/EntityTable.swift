/// The entities of one kind in a graph: an array, or (for a graph opened from a snapshot) a
/// reader that makes each entity from the mapped file when it is read.
///
/// A snapshot of a million credentials opens without making a million `Credential`s; an
/// answer reads the few it shows. Writing to a table first makes every entity (the graph
/// is then an ordinary one), so a changed entity never reaches back into the file.
public struct EntityTable<Element: Sendable>: RandomAccessCollection, MutableCollection, RangeReplaceableCollection,
    ExpressibleByArrayLiteral, Sendable
{
    /// Makes entity `i` of `count`, from a snapshot.
    final class Reader: Sendable {
        let count: Int
        let element: @Sendable (Int) -> Element

        init(count: Int, element: @escaping @Sendable (Int) -> Element) {
            self.count = count
            self.element = element
        }
    }

    private var array: [Element]
    private var reader: Reader?

    public init() { array = [] }

    public init(_ elements: [Element]) { array = elements }

    public init<S: Sequence>(_ elements: S) where S.Element == Element { array = Array(elements) }

    public init(arrayLiteral elements: Element...) { array = elements }

    init(reader: Reader) {
        array = []
        self.reader = reader
    }

    /// Whether the entities are read from a snapshot as they are asked for.
    var isMapped: Bool { reader != nil }

    public var startIndex: Int { 0 }

    public var endIndex: Int { reader?.count ?? array.count }

    public subscript(i: Int) -> Element {
        // Read in place, so that `credentials[c].cost` in a hot loop reads the field rather than
        // copying the credential (which would retain each of its strings and lists).
        @inline(__always) _read {
            if let reader {
                yield read(reader, i)
            } else {
                // Lent from the array's storage, as Array's own subscript lends it (yielding
                // `array[i]` would copy); the array cannot change while it is being read.
                precondition(i >= 0 && i < array.count, "entity index out of range")
                yield array._baseAddressIfContiguous.unsafelyUnwrapped[i]
            }
        }
        set {
            materialize()
            array[i] = newValue
        }
    }

    /// Entity `i` made from the snapshot (kept out of line, so the array path inlines small).
    @inline(never)
    private func read(_ reader: Reader, _ i: Int) -> Element {
        precondition(i >= 0 && i < reader.count, "entity index out of range")
        return reader.element(i)
    }

    public mutating func replaceSubrange<C: Collection>(_ range: Range<Int>, with elements: C) where C.Element == Element {
        materialize()
        array.replaceSubrange(range, with: elements)
    }

    public mutating func reserveCapacity(_ n: Int) {
        materialize()
        array.reserveCapacity(n)
    }

    /// Makes every entity, once, before a change.
    private mutating func materialize() {
        guard let reader else { return }
        array = (0..<reader.count).map(reader.element)
        self.reader = nil
    }
}
