import Foundation

/// The identity of a file a snapshot was made from: whether the file is still the same.
public struct SourceIdentity: Equatable, Sendable {
    public var path: String
    public var size: UInt64
    /// Modification time, in nanoseconds since 1970.
    public var modified: Int64
    /// `SnapshotFormat.checksum` of the whole file.
    public var contentHash: UInt64

    /// The identity of the file at `path` now.
    public static func of(path: String) throws -> SourceIdentity {
        var info = stat()
        guard stat(path, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return SourceIdentity(path: path, size: UInt64(info.st_size), modified: modified,
                              contentHash: try MappedFile.checksum(path: path))
    }
}

/// Where a snapshot's bytes go as they are made: each write at its place, from any thread.
protocol SnapshotSink: AnyObject, Sendable {
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws
    /// The whole snapshot is `size` bytes (its last padding may never have been written).
    func finish(size: Int) throws
}

extension AtomicFile.Writing: SnapshotSink {
    func finish(size: Int) throws { try resize(to: size) }
}

/// A snapshot made in memory.
final class MemorySink: SnapshotSink, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var bytes: [UInt8] = []

    func write(_ part: UnsafeRawBufferPointer, at offset: Int) {
        lock.lock()
        defer { lock.unlock() }
        if bytes.count < offset + part.count { bytes += [UInt8](repeating: 0, count: offset + part.count - bytes.count) }
        bytes.withUnsafeMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[offset..<(offset + part.count)]).copyMemory(from: part) }
    }

    func finish(size: Int) {
        lock.lock()
        defer { lock.unlock() }
        if bytes.count < size { bytes += [UInt8](repeating: 0, count: size - bytes.count) }
    }
}

/// Writes a loaded graph as a snapshot (see `SnapshotFormat`).
public enum SnapshotWriter {
    /// The snapshot's bytes, made in memory.
    public static func bytes(of graph: Graph, sources: [SourceIdentity]) -> [UInt8] {
        let memory = MemorySink()
        try! assemble(graph, sources: sources, into: memory)  // memory takes every write
        return memory.bytes
    }

    /// Makes the snapshot into `sink`. Each section is written at its place as soon as it is
    /// made, by the thread that made it (so the file's writing overlaps the making of the
    /// rest); the header, which holds every section's place and checksum, is written last,
    /// in the room left for it at the start.
    static func assemble(_ graph: Graph, sources: [SourceIdentity], into sink: SnapshotSink) throws {
        let seed = UInt64.random(in: .min ... .max)
        var header = ByteWriter()
        header.string(Keywords.version)
        header.u64(seed)
        for kind in EntityKind.allCases { header.u64(UInt64(graph.count(of: kind))) }
        header.u32(UInt32(sources.count))
        for s in sources {
            header.string(s.path)
            header.u64(s.size)
            header.i64(s.modified)
            header.u64(s.contentHash)
        }
        // The section table: one entry of each section, so its size is known before any
        // section is made.
        let tableSize = 4 + SnapshotSection.allCases.reduce(0) { $0 + 4 + $1.rawValue.utf8.count + 24 }
        let headerSize = SnapshotFormat.fixedHeaderSize + header.count + tableSize
        let placed = Placement(sink: sink, start: aligned(headerSize))

        // Two halves of about equal work, one per core: the entities, their id order and
        // names; then holdings and every index.
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            if half == 0 { entitySections(of: graph, seed: seed, placed.add) } else { indexSections(of: graph, placed.add) }
        }
        LoadTrace.mark("snapshot: sections")
        // The section of every other section's block sums, in the order of the sections.
        var blockSums: [UInt64] = []
        for name in SnapshotSection.allCases where name != .blockSums { blockSums += placed.sections[name]?.sums ?? [] }
        placed.add(.blockSums, column(blockSums))
        if let failure = placed.failure { throw failure }

        header.u32(UInt32(SnapshotSection.allCases.count))
        for name in SnapshotSection.allCases {
            let section = placed.sections[name]!
            header.string(name.rawValue)
            header.u64(UInt64(section.offset))
            header.u64(UInt64(section.size))
            header.u64(SnapshotFormat.sectionChecksum(sums: section.sums, size: section.size))
        }
        var fixed = ByteWriter()
        fixed.raw(SnapshotFormat.magic)
        fixed.u32(SnapshotFormat.version)
        fixed.u32(UInt32(headerSize))
        fixed.u64(UInt64(placed.end))
        fixed.u64(headerChecksum(fixed: fixed.bytes, rest: header.bytes))
        try (fixed.bytes + header.bytes).withUnsafeBytes { try sink.write($0, at: 0) }
        try sink.finish(size: placed.end)
    }

    /// Where each section went: it is given the next place (8-aligned) and written there by
    /// the thread that made it; its block sums are taken first, on that thread too.
    private final class Placement: @unchecked Sendable {
        struct Placed {
            var offset: Int, size: Int, sums: [UInt64]
        }

        private let lock = NSLock()
        private let sink: SnapshotSink
        private(set) var end: Int
        private(set) var sections: [SnapshotSection: Placed] = [:]
        private(set) var failure: Error?

        init(sink: SnapshotSink, start: Int) {
            self.sink = sink
            end = start
        }

        func add(_ name: SnapshotSection, _ bytes: [UInt8]) {
            let sums = bytes.withUnsafeBytes { SnapshotFormat.blockSums($0, blockBytes: name.blockBytes) }
            lock.lock()
            let offset = end
            end = SnapshotWriter.aligned(offset + bytes.count)
            sections[name] = Placed(offset: offset, size: bytes.count, sums: sums)
            lock.unlock()
            do {
                try bytes.withUnsafeBytes { try sink.write($0, at: offset) }
            } catch {
                lock.lock()
                if failure == nil { failure = error }
                lock.unlock()
            }
        }
    }

    /// Times each part of a half for `CREDQ_DEBUG_LOAD` (the load trace's clock is one thread's).
    struct Stopwatch {
        private var last = DispatchTime.now().uptimeNanoseconds

        mutating func mark(_ what: String) {
            guard let sink = DebugTrace.load else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            sink("snapshot: \(what) \((now - last) / 1_000_000) ms\n")
            last = now
        }
    }

    /// Each entity kind's records and id order, the names, and the credentials' flat columns.
    static func entitySections(of graph: Graph, seed: UInt64, _ add: (SnapshotSection, [UInt8]) -> Void) {
        var clock = Stopwatch()
        func mark(_ what: String) { clock.mark(what) }
        defer { mark("ranks") }
        for kind in EntityKind.allCases {
            let (offsets, records) = self.records(of: kind, in: graph)
            mark("\(kind.rawValue) records")
            add(.offsets(kind), offsets)
            add(.records(kind), records)
            add(.byID(kind), byID(kind, in: graph))
            mark("\(kind.rawValue) ids")
        }
        add(.names, names(of: graph, seed: seed))
        mark("names")
        add(.costs, column(graph.credentials.indices.map { graph.cost(of: $0).bitPattern }))
        add(.weeks, column(graph.credentials.indices.map { graph.weeks(of: $0).bitPattern }))
        var teachesStart: [UInt32] = [0], teaches: [SkillLevel] = []
        teachesStart.reserveCapacity(graph.credentials.count + 1)
        for c in graph.credentials.indices {
            teaches.append(contentsOf: graph.credentials[c].teaches)
            teachesStart.append(UInt32(teaches.count))
        }
        add(.teachesStart, column(teachesStart))
        add(.teaches, bytes(Column(teaches)))
        mark("costs and teaches")
        let requires = graph.credentials.indices.map { graph.credentials[$0].requires }
        let members = graph.credentials.indices.map { graph.credentials[$0].stack?.credentials ?? [] }
        add(.requiresRank, column(ranks(requires.count) { requires[$0] }))
        add(.stackRank, column(ranks(members.count) { members[$0] }))
        let broader = graph.skills.indices.map { graph.skills[$0].broader.map { [$0] } ?? [] }
        add(.broaderRank, column(ranks(broader.count) { broader[$0] }))
    }

    /// The holdings, who holds what, and the link lists.
    static func indexSections(of graph: Graph, _ add: (SnapshotSection, [UInt8]) -> Void) {
        var clock = Stopwatch()
        func mark(_ what: String) { clock.mark(what) }
        defer { mark("links") }
        let (holdingsStart, packed, longOffsets, longIDs, proofOffsets, proofs) = holdings(of: graph)
        for (name, bytes) in [(SnapshotSection.holdingsStart, holdingsStart), (.holdings, packed), (.longIDOffsets, longOffsets),
                              (.longIDs, longIDs), (.proofOffsets, proofOffsets), (.proofs, proofs)] {
            add(name, bytes)
        }
        mark("holdings")
        let holders = graph.holders
        mark("holders built")
        add(.holdersStart, bytes(holders.start))
        add(.holders, bytes(holders.entries))
        let taughtBy = graph.taughtBy
        mark("links built")
        add(.taughtByStart, bytes(taughtBy.start))
        add(.taughtBy, bytes(taughtBy.items))
        for (startName, listName, lists) in [(SnapshotSection.partOfStart, SnapshotSection.partOf, graph.partOf),
                                             (.requiredByStart, .requiredBy, graph.requiredBy),
                                             (.providedStart, .provided, graph.provided),
                                             (.kindsStart, .kinds, RowLists(CredentialKind.allCases.map { graph.credentials(of: $0) }))] {
            add(startName, bytes(lists.start))
            add(listName, bytes(lists.items))
        }
    }

    /// Writes the snapshot to `path`, replacing it only once it is whole.
    public static func write(_ graph: Graph, sources: [SourceIdentity], to path: String) throws {
        let file = try AtomicFile.Writing(to: path)
        do {
            try assemble(graph, sources: sources, into: file)
            try file.commit(durable: false)
        } catch {
            file.abandon()
            throw error
        }
        LoadTrace.mark("snapshot: written")
    }

    static func aligned(_ n: Int) -> Int { (n + SnapshotFormat.alignment - 1) / SnapshotFormat.alignment * SnapshotFormat.alignment }

    /// The checksum of the header: its first 24 bytes, then everything after the checksum.
    static func headerChecksum(fixed: [UInt8], rest: [UInt8]) -> UInt64 {
        (Array(fixed.prefix(24)) + rest).withUnsafeBytes { SnapshotFormat.checksum($0) }
    }

    // MARK: - Columns

    static func column<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        #if _endian(little)
        return values.withUnsafeBytes { [UInt8]($0) }
        #else
        var w = ByteWriter(capacity: values.count * MemoryLayout<T>.size)
        for v in values { w.u64(UInt64(v)) }
        return w.bytes
        #endif
    }

    /// A column's values as they lie in memory, which is the snapshot's layout (little-endian,
    /// the fields of each value in order, as `SnapshotFile` maps them back).
    static func bytes<T>(_ column: Column<T>) -> [UInt8] {
        column.withUnsafeBufferPointer { [UInt8](UnsafeRawBufferPointer($0)) }
    }

    /// Strings as a start column (u64, count + 1) and their bytes.
    static func strings(_ list: [String]) -> (offsets: [UInt8], bytes: [UInt8]) {
        var offsets: [UInt64] = [0]
        var bytes: [UInt8] = []
        for var s in list {
            s.withUTF8 { bytes.append(contentsOf: $0) }
            offsets.append(UInt64(bytes.count))
        }
        return (column(offsets), bytes)
    }

    /// Each node's depth in an acyclic graph: one more than the deepest node it points to.
    static func ranks(_ count: Int, _ edges: (Int) -> [Int]) -> [UInt32] {
        var rank = [UInt32](repeating: 0, count: count)
        var state = [UInt8](repeating: 0, count: count)  // 0 new, 1 on the path, 2 done
        var stack: [(node: Int, next: Int)] = []
        for start in 0..<count where state[start] == 0 {
            state[start] = 1
            stack.append((start, 0))
            while let (node, next) = stack.last {
                let out = edges(node)
                if next < out.count {
                    stack[stack.count - 1].next += 1
                    let n = out[next]
                    if state[n] == 0 {
                        state[n] = 1
                        stack.append((n, 0))
                    }
                } else {
                    stack.removeLast()
                    state[node] = 2
                    rank[node] = out.reduce(0) { max($0, rank[$1] + 1) }
                }
            }
        }
        return rank
    }

    // MARK: - Entities

    static func records(of kind: EntityKind, in graph: Graph) -> (offsets: [UInt8], records: [UInt8]) {
        var offsets: [UInt64] = [0]
        offsets.reserveCapacity(graph.count(of: kind) + 1)
        var w = ByteWriter()
        func end() { offsets.append(UInt64(w.count)) }
        switch kind {
        case .organization:
            for o in graph.organizations {
                w.string(o.id)
                w.string(o.name)
                w.u8(UInt8(OrganizationKind.allCases.firstIndex(of: o.kind)!))
                w.optionalString(o.url)
                w.string(o.keys.isEmpty ? "" : JSONValue.array(o.keys).serialized())
                w.strings(o.revoked)
                end()
            }
        case .skill:
            for s in graph.skills {
                w.string(s.id)
                w.string(s.name)
                w.strings(s.aliases)
                w.optionalString(s.category)
                w.index(s.broader)
                end()
            }
        case .credential:
            // Each read in place (iterating the table would copy every credential).
            func record(_ c: borrowing Credential) {
                w.string(c.id)
                w.string(c.name)
                w.u8(UInt8(CredentialKind.allCases.firstIndex(of: c.kind)!))
                w.index(c.provider)
                w.index(c.platform)
                w.f64(c.weeks)
                if let hours = c.hours {
                    w.u8(1)
                    w.f64(hours)
                } else {
                    w.u8(0)
                }
                w.f64(c.cost)
                w.string(c.currency)
                w.f64(c.credits)
                w.indexes(c.requires)
                if let stack = c.stack {
                    w.u8(1)
                    rule(stack, &w)
                } else {
                    w.u8(0)
                }
                w.indexes(c.accreditedBy)
                w.indexes(c.recognizedBy)
                if let months = c.validMonths {
                    w.u8(1)
                    w.i64(Int64(months))
                } else {
                    w.u8(0)
                }
                w.optionalString(c.url)
                end()
            }
            for i in graph.credentials.indices { record(graph.credentials[i]) }
        case .role:
            for r in graph.roles {
                w.string(r.id)
                w.string(r.name)
                w.strings(r.aliases)
                w.u32(UInt32(r.needs.count))
                for n in r.needs {
                    w.index(n.skill)
                    w.i32(Int32(n.level))
                }
                w.optionalString(r.onet)
                w.indexes(r.related)
                w.indexes(r.uses)
                end()
            }
        case .learner:
            // Each read in place (iterating the table would copy every learner).
            func record(_ l: borrowing Learner) {
                w.string(l.id)
                w.string(l.name)
                w.index(l.role)
                switch l.goal {
                case nil: w.u8(0); w.index(nil)
                case .role(let r): w.u8(1); w.index(r)
                case .credential(let c): w.u8(2); w.index(c)
                }
                end()
            }
            for i in graph.learners.indices { record(graph.learners[i]) }
        }
        return (column(offsets), w.bytes)
    }

    /// A stack rule: a tag, then its parts.
    static func rule(_ r: StackRule, _ w: inout ByteWriter) {
        switch r {
        case .credential(let c):
            w.u8(0)
            w.index(c)
        case .all(let items), .any(let items):
            if case .all = r { w.u8(1) } else { w.u8(2) }
            w.u32(UInt32(items.count))
            for item in items { rule(item, &w) }
        case .atLeast(let n, let items):
            w.u8(3)
            w.i64(Int64(n))
            w.u32(UInt32(items.count))
            for item in items { rule(item, &w) }
        case .credits(let credits, let items):
            w.u8(4)
            w.f64(credits)
            w.indexes(items)
        }
    }

    /// Entity numbers in the byte order of their ids.
    static func byID(_ kind: EntityKind, in graph: Graph) -> [UInt8] {
        let count = graph.count(of: kind)
        var offsets = [Int](repeating: 0, count: count + 1)
        var arena: [UInt8] = []
        for i in 0..<count {
            var id = graph.id(of: EntityRef(kind: kind, index: i))
            id.withUTF8 { arena.append(contentsOf: $0) }
            offsets[i + 1] = arena.count
        }
        var order = [UInt32](0..<UInt32(count))
        arena.withUnsafeBufferPointer { a in
            order.sort { x, y in
                let (xs, xe, ys, ye) = (offsets[Int(x)], offsets[Int(x) + 1], offsets[Int(y)], offsets[Int(y) + 1])
                let n = min(xe - xs, ye - ys)
                let c = n == 0 ? 0 : memcmp(a.baseAddress! + xs, a.baseAddress! + ys, n)
                return c != 0 ? c < 0 : (xe - xs != ye - ys ? xe - xs < ye - ys : x < y)
            }
        }
        return column(order)
    }

    /// Every holding, placed learner by learner.
    static func holdings(of graph: Graph) -> (start: [UInt8], packed: [UInt8], longOffsets: [UInt8], longIDs: [UInt8],
                                              proofOffsets: [UInt8], proofs: [UInt8]) {
        if let bulk = holdingsInOneStore(of: graph) { return bulk }
        var start: [UInt32] = [0]
        start.reserveCapacity(graph.learners.count + 1)
        var packed: [HoldingStore.Packed] = []
        var longIDs: [String] = [], proofs: [String] = []
        for l in graph.learners.indices {
            let h = graph.learners[l].holdings
            for i in Int(h.lower)..<Int(h.upper) {
                var p = h.store.packed[i]
                if p.id & HoldingStore.long != 0 {
                    longIDs.append(h.store.longIDs[Int(truncatingIfNeeded: p.id & ~HoldingStore.long)])
                    p.id = HoldingStore.long | UInt64(longIDs.count - 1)
                }
                if p.proof >= 0 {
                    proofs.append(h.store.proofs[Int(p.proof)])
                    p.proof = Int32(proofs.count - 1)
                }
                packed.append(p)
            }
            start.append(start.last! + UInt32(h.count))
        }
        let long = strings(longIDs), proof = strings(proofs)
        return (column(start), bytes(Column(packed)), long.offsets, long.bytes, proof.offsets, proof.bytes)
    }

    /// The holdings as a loader leaves them, every learner's after the one before in one
    /// store: written as they are, ids and proofs numbered as they are.
    static func holdingsInOneStore(of graph: Graph) -> (start: [UInt8], packed: [UInt8], longOffsets: [UInt8], longIDs: [UInt8],
                                                        proofOffsets: [UInt8], proofs: [UInt8])? {
        guard !graph.learners.isEmpty else { return nil }
        let store = graph.learners[0].holdings.store
        var start: [UInt32] = [0]
        start.reserveCapacity(graph.learners.count + 1)
        var next: Int32 = 0
        for l in graph.learners.indices {
            let h = graph.learners[l].holdings
            guard h.store === store, h.lower == next else { return nil }
            next = h.upper
            start.append(UInt32(next))
        }
        guard Int(next) == store.packed.count else { return nil }
        let packed = bytes(store.packed)
        let long = strings(store.longIDs), proof = strings(store.proofs)
        return (column(start), packed, long.offsets, long.bytes, proof.offsets, proof.bytes)
    }

    /// Every name and alias, as the graph's name index holds them, by the hash of its
    /// lowercase form under `seed` (ties in the order the index adds them).
    static func names(of graph: Graph, seed: UInt64) -> [UInt8] {
        struct Entry {
            var hash: UInt64, code: UInt64, order: Int
        }
        var entries: [Entry] = []
        entries.reserveCapacity(graph.credentials.count + graph.learners.count + graph.organizations.count + graph.skills.count)
        graph.forEachLabel { label, ref in
            entries.append(Entry(hash: NameIndex.hash(label, seed: seed), code: NameIndex.encode(ref), order: entries.count))
        }
        entries.sort { a, b in a.hash != b.hash ? a.hash < b.hash : a.order < b.order }
        var w = ByteWriter(capacity: entries.count * 16)
        for e in entries {
            w.u64(e.hash)
            w.u64(e.code)
        }
        return w.bytes
    }
}
