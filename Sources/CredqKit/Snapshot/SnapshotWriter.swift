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

/// Writes a loaded graph as a snapshot (see `SnapshotFormat`).
public enum SnapshotWriter {
    /// The snapshot's bytes, in parts to write one after another.
    public static func parts(of graph: Graph, sources: [SourceIdentity]) -> [[UInt8]] {
        let seed = UInt64.random(in: .min ... .max)
        // Two halves of about equal work, one per core: the entities, their id order and
        // names; then holdings and every index.
        let halves = Halves()
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            halves.set(half, half == 0 ? entitySections(of: graph, seed: seed) : indexSections(of: graph))
        }
        var sections = halves.all
        LoadTrace.mark("snapshot: sections")
        // Each section's block sums, then the section that holds them all.
        var sums: [SnapshotSection: [UInt64]] = [:]
        for (name, bytes) in sections {
            sums[name] = bytes.withUnsafeBytes { SnapshotFormat.blockSums($0, blockBytes: name.blockBytes) }
        }
        var blockSums: [UInt64] = []
        for name in SnapshotSection.allCases where name != .blockSums { blockSums += sums[name] ?? [] }
        let blockSumBytes = column(blockSums)
        sums[.blockSums] = blockSumBytes.withUnsafeBytes { SnapshotFormat.blockSums($0, blockBytes: SnapshotSection.blockSums.blockBytes) }
        sections.append((.blockSums, blockSumBytes))

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
        // The section table: its own size is known before the offsets it holds.
        let tableSize = 4 + sections.reduce(0) { $0 + 4 + $1.0.rawValue.utf8.count + 24 }
        let headerSize = SnapshotFormat.fixedHeaderSize + header.count + tableSize
        var offset = aligned(headerSize)
        header.u32(UInt32(sections.count))
        for (name, bytes) in sections {
            header.string(name.rawValue)
            header.u64(UInt64(offset))
            header.u64(UInt64(bytes.count))
            header.u64(SnapshotFormat.sectionChecksum(sums: sums[name]!, size: bytes.count))
            offset = aligned(offset + bytes.count)
        }
        let fileSize = offset

        var fixed = ByteWriter()
        fixed.raw(SnapshotFormat.magic)
        fixed.u32(SnapshotFormat.version)
        fixed.u32(UInt32(headerSize))
        fixed.u64(UInt64(fileSize))
        fixed.u64(headerChecksum(fixed: fixed.bytes, rest: header.bytes))

        var parts = [fixed.bytes + header.bytes]
        var written = headerSize
        for (_, bytes) in sections {
            let pad = aligned(written) - written
            if pad > 0 { parts.append([UInt8](repeating: 0, count: pad)) }
            parts.append(bytes)
            written = aligned(written) + bytes.count
        }
        let pad = aligned(written) - written
        if pad > 0 { parts.append([UInt8](repeating: 0, count: pad)) }
        return parts
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

    /// The sections two threads made, each half in its order.
    private final class Halves: @unchecked Sendable {
        private let lock = NSLock()
        private var halves: [[(SnapshotSection, [UInt8])]] = [[], []]

        func set(_ half: Int, _ sections: [(SnapshotSection, [UInt8])]) {
            lock.lock()
            halves[half] = sections
            lock.unlock()
        }

        var all: [(SnapshotSection, [UInt8])] { halves[0] + halves[1] }
    }

    /// Each entity kind's records and id order, the names, and the credentials' flat columns.
    static func entitySections(of graph: Graph, seed: UInt64) -> [(SnapshotSection, [UInt8])] {
        var sections: [(SnapshotSection, [UInt8])] = []
        var clock = Stopwatch()
        func mark(_ what: String) { clock.mark(what) }
        defer { mark("ranks") }
        for kind in EntityKind.allCases {
            let (offsets, records) = self.records(of: kind, in: graph)
            mark("\(kind.rawValue) records")
            sections += [(.offsets(kind), offsets), (.records(kind), records), (.byID(kind), byID(kind, in: graph))]
            mark("\(kind.rawValue) ids")
        }
        sections.append((.names, names(of: graph, seed: seed)))
        mark("names")
        sections.append((.costs, column(graph.credentials.indices.map { graph.cost(of: $0).bitPattern })))
        sections.append((.weeks, column(graph.credentials.indices.map { graph.weeks(of: $0).bitPattern })))
        var teachesStart: [UInt32] = [0], teaches: [SkillLevel] = []
        teachesStart.reserveCapacity(graph.credentials.count + 1)
        for credential in graph.credentials {
            teaches.append(contentsOf: credential.teaches)
            teachesStart.append(UInt32(teaches.count))
        }
        sections += [(.teachesStart, column(teachesStart)), (.teaches, bytes(Column(teaches)))]
        mark("costs and teaches")
        let requires = graph.credentials.map(\.requires), members = graph.credentials.map { $0.stack?.credentials ?? [] }
        sections.append((.requiresRank, column(ranks(requires.count) { requires[$0] })))
        sections.append((.stackRank, column(ranks(members.count) { members[$0] })))
        let broader = graph.skills.map { $0.broader.map { [$0] } ?? [] }
        sections.append((.broaderRank, column(ranks(broader.count) { broader[$0] })))
        return sections
    }

    /// The holdings, who holds what, and the link lists.
    static func indexSections(of graph: Graph) -> [(SnapshotSection, [UInt8])] {
        var sections: [(SnapshotSection, [UInt8])] = []
        var clock = Stopwatch()
        func mark(_ what: String) { clock.mark(what) }
        defer { mark("links") }
        let (holdingsStart, packed, longOffsets, longIDs, proofOffsets, proofs) = holdings(of: graph)
        sections += [(.holdingsStart, holdingsStart), (.holdings, packed), (.longIDOffsets, longOffsets), (.longIDs, longIDs),
                     (.proofOffsets, proofOffsets), (.proofs, proofs)]
        mark("holdings")
        let holders = graph.holders
        mark("holders built")
        sections += [(.holdersStart, bytes(holders.start)), (.holders, bytes(holders.entries))]
        let taughtBy = graph.taughtBy
        mark("links built")
        sections += [(.taughtByStart, bytes(taughtBy.start)), (.taughtBy, bytes(taughtBy.items))]
        for (startName, listName, lists) in [(SnapshotSection.partOfStart, SnapshotSection.partOf, graph.partOf),
                                             (.requiredByStart, .requiredBy, graph.requiredBy),
                                             (.providedStart, .provided, graph.provided),
                                             (.kindsStart, .kinds, RowLists(CredentialKind.allCases.map { graph.credentials(of: $0) }))] {
            sections += [(startName, bytes(lists.start)), (listName, bytes(lists.items))]
        }
        return sections
    }

    /// Writes the snapshot to `path`, replacing it only once it is whole.
    public static func write(_ graph: Graph, sources: [SourceIdentity], to path: String) throws {
        let parts = parts(of: graph, sources: sources)
        LoadTrace.mark("snapshot: checksums")
        try AtomicFile.write(parts: parts, to: path, durable: false)
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
            for c in graph.credentials {
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
            for l in graph.learners {
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
        for learner in graph.learners {
            let h = learner.holdings
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
        guard let first = graph.learners.first else { return nil }
        let store = first.holdings.store
        var start: [UInt32] = [0]
        start.reserveCapacity(graph.learners.count + 1)
        var next: Int32 = 0
        for learner in graph.learners {
            let h = learner.holdings
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
