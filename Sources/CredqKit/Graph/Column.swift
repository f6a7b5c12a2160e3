/// A column of fixed-width values: an array, or the values of a section of a mapped snapshot
/// read in place (the snapshot's little-endian layout is the values' own on this machine).
///
/// The graph's flat stores (holdings, skill levels, holders, link lists) are columns, so that a
/// graph opened from a snapshot reads them from the file without copying them first.
struct Column<Element>: RandomAccessCollection, @unchecked Sendable {
    /// The values, behind one reference (a column is copied often: one retain).
    private final class Storage {
        let array: [Element]
        /// A mapped section's values (nil for an array's).
        let base: UnsafePointer<Element>?
        let count: Int
        /// Keeps a mapping alive.
        let owner: AnyObject?
        /// A mapped section checked a block at a time, as values are read; a block holds
        /// `1 << shift` values.
        let blocks: SectionBlocks?
        let shift: Int

        init(array: [Element]) {
            self.array = array
            count = array.count
            owner = nil
            base = nil
            blocks = nil
            shift = 0
        }

        init(base: UnsafePointer<Element>?, count: Int, owner: AnyObject, blocks: SectionBlocks?) {
            array = []
            self.base = base
            self.count = count
            self.owner = owner
            self.blocks = blocks
            let perBlock = (blocks?.blockBytes ?? 1) / MemoryLayout<Element>.stride
            precondition(blocks == nil || (perBlock > 0 && perBlock & (perBlock - 1) == 0), "a block of part of a value")
            shift = perBlock.trailingZeroBitCount
        }
    }

    private let storage: Storage

    init(_ array: [Element] = []) { storage = Storage(array: array) }

    /// The values in `bytes` (a whole number of them, suitably aligned), kept alive by `owner`;
    /// with `blocks`, each block is checked before a value in it is first read.
    init(mapping bytes: UnsafeRawBufferPointer, owner: AnyObject, blocks: SectionBlocks? = nil) {
        precondition(bytes.count % MemoryLayout<Element>.stride == 0, "a column of part of a value")
        let count = bytes.count / MemoryLayout<Element>.stride
        var base: UnsafePointer<Element>?
        if count > 0 {
            precondition(Int(bitPattern: bytes.baseAddress!) % MemoryLayout<Element>.alignment == 0, "a column out of alignment")
            base = UnsafePointer(bytes.baseAddress!.bindMemory(to: Element.self, capacity: count))
        }
        storage = Storage(base: base ?? UnsafePointer(bitPattern: MemoryLayout<Element>.alignment), count: count, owner: owner,
                          blocks: blocks)
    }

    var startIndex: Int { 0 }
    var endIndex: Int { storage.count }

    @inline(__always)
    subscript(i: Int) -> Element {
        let storage = storage
        if let base = storage.base {
            precondition(i >= 0 && i < storage.count, "column index out of range")
            if let blocks = storage.blocks { blocks.ensure(value: i, shift: storage.shift) }
            return base[i]
        }
        return storage.array[i]
    }

    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        if let base = storage.base {
            storage.blocks?.ensureAll()
            return try body(UnsafeBufferPointer(start: base, count: storage.count))
        }
        return try storage.array.withUnsafeBufferPointer(body)
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
