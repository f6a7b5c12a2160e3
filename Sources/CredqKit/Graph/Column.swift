/// A column of fixed-width values: an array, or the values of a section of a mapped snapshot
/// read in place (the snapshot's little-endian layout is the values' own on this machine).
///
/// The graph's flat stores (holdings, skill levels, holders, link lists) are columns, so that a
/// graph opened from a snapshot reads them from the file without copying them first.
struct Column<Element>: RandomAccessCollection, @unchecked Sendable {
    private let array: [Element]
    /// The mapped values, when the column is a snapshot's; `owner` keeps the mapping alive.
    private let mapped: UnsafeBufferPointer<Element>?
    private let owner: AnyObject?

    init(_ array: [Element] = []) {
        self.array = array
        mapped = nil
        owner = nil
    }

    /// The values in `bytes` (a whole number of them, suitably aligned), kept alive by `owner`.
    init(mapping bytes: UnsafeRawBufferPointer, owner: AnyObject) {
        precondition(bytes.count % MemoryLayout<Element>.stride == 0, "a column of part of a value")
        array = []
        let count = bytes.count / MemoryLayout<Element>.stride
        if count == 0 {
            mapped = UnsafeBufferPointer(start: nil, count: 0)
        } else {
            precondition(Int(bitPattern: bytes.baseAddress!) % MemoryLayout<Element>.alignment == 0, "a column out of alignment")
            mapped = UnsafeBufferPointer(start: bytes.baseAddress!.bindMemory(to: Element.self, capacity: count), count: count)
        }
        self.owner = owner
    }

    var startIndex: Int { 0 }
    var endIndex: Int { mapped?.count ?? array.count }

    @inline(__always)
    subscript(i: Int) -> Element {
        if let mapped {
            precondition(i >= 0 && i < mapped.count, "column index out of range")
            return mapped[i]
        }
        return array[i]
    }

    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        if let mapped { return try body(mapped) }
        return try array.withUnsafeBufferPointer(body)
    }
}

/// Lists of values by row (compressed sparse rows): row i is `items[start[i]..<start[i + 1]]`.
struct RowLists<Element>: RandomAccessCollection, Sendable {
    let start: Column<Int>
    let items: Column<Element>

    init(start: Column<Int>, items: Column<Element>) {
        self.start = start
        self.items = items
    }

    /// Rows given as arrays, laid end to end.
    init(_ rows: [[Element]]) {
        var start = [Int](repeating: 0, count: rows.count + 1)
        var items: [Element] = []
        items.reserveCapacity(rows.reduce(0) { $0 + $1.count })
        for (i, row) in rows.enumerated() {
            items.append(contentsOf: row)
            start[i + 1] = items.count
        }
        self.init(start: Column(start), items: Column(items))
    }

    init() { self.init(start: Column([0]), items: Column()) }

    var startIndex: Int { 0 }
    var endIndex: Int { start.count - 1 }

    subscript(row: Int) -> Slice<Column<Element>> { items[start[row]..<start[row + 1]] }
}
