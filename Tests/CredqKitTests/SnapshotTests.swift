import Foundation
import Testing
@testable import CredqKit

/// A graph opened from its snapshot must be the graph it was written from: the same entities,
/// indexes, lookups and answers, byte for byte; and a damaged or crafted snapshot must be
/// refused with a reason, never read out of bounds.
@Suite struct SnapshotTests {
    /// The snapshot's bytes, written from a graph.
    static func bytes(of graph: Graph, sources: [SourceIdentity] = []) -> [UInt8] {
        SnapshotWriter.bytes(of: graph, sources: sources)
    }

    /// Opens snapshot bytes held in memory.
    static func open(_ bytes: [UInt8]) throws(SnapshotDamage) -> Graph {
        Graph(snapshot: try SnapshotFile(path: "test.cqs", file: MappedFile(copying: bytes)))
    }

    static func reopen(_ graph: Graph) throws -> Graph { try open(bytes(of: graph)) }

    /// Everything a query may read of the two graphs agrees.
    static func expectSame(_ a: Graph, _ b: Graph, _ comment: Comment? = nil) {
        #expect(GraphWriter.json(a) == GraphWriter.json(b), comment)
        for kind in EntityKind.allCases {
            #expect(a.count(of: kind) == b.count(of: kind), comment)
            for i in 0..<a.count(of: kind) {
                let ref = EntityRef(kind: kind, index: i)
                #expect(b.index(of: a.id(of: ref), kind: kind) == i, comment)
                for label in [a.name(of: ref)] + a.aliases(of: ref) {
                    let lowered = NameIndex.lowered(label)
                    #expect(a.entities(named: lowered) == b.entities(named: lowered), comment)
                }
            }
            #expect(b.index(of: "no such id", kind: kind) == nil, comment)
            #expect(b.entities(named: "no such name").isEmpty, comment)
        }
        #expect(a.costByCredential == b.costByCredential && a.weeksByCredential == b.weeksByCredential, comment)
        for c in a.credentials.indices {
            #expect(a.holders[c].map { [$0.learner, $0.holding] } == b.holders[c].map { [$0.learner, $0.holding] }, comment)
        }
        #expect(a.taughtBy.map { $0.map { [$0.credential, $0.level] } } == b.taughtBy.map { $0.map { [$0.credential, $0.level] } }, comment)
        func rows(_ lists: RowLists<Int>) -> [[Int]] { lists.map { Array($0) } }
        #expect(rows(a.partOf) == rows(b.partOf) && rows(a.requiredBy) == rows(b.requiredBy) && rows(a.provided) == rows(b.provided), comment)
        for kind in CredentialKind.allCases { #expect(a.credentials(of: kind) == b.credentials(of: kind), comment) }
    }

    @Test func theCatalogOpensAsItWasWritten() throws {
        let graph = try Self.reopen(Support.catalog)
        #expect(graph.snapshot != nil && graph.credentials.isMapped)
        Self.expectSame(Support.catalog, graph)
        // Through a file mapped from disk, with its sources' identity in the header.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("credq-snapshot-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = folder.appendingPathComponent("catalog.json").path
        try GraphWriter.json(Support.catalog).write(toFile: json, atomically: true, encoding: .utf8)
        let identity = try SourceIdentity.of(path: json)
        #expect(identity.size == UInt64(try FileManager.default.attributesOfItem(atPath: json)[.size] as! Int))
        let path = folder.appendingPathComponent("catalog.cqs").path
        try SnapshotWriter.write(Support.catalog, sources: [identity], to: path)
        let loaded = try GraphLoader.load([.file(path)]).graph
        #expect(loaded.snapshot?.sources == [identity])
        #expect(loaded.snapshot?.writtenBy == Keywords.version)
        Self.expectSame(Support.catalog, loaded)
        try GraphLoader.checkSnapshot(loaded)
    }

    /// Every golden script answers the same on the catalog opened from its snapshot.
    @Test(arguments: GoldenTests.cases)
    func goldenScriptsFromASnapshot(_ path: String) throws {
        let graph = try Self.reopen(Support.catalog)
        let script = try String(contentsOf: GoldenTests.folder.appendingPathComponent(path), encoding: .utf8)
        let (output, _) = Support.run(script, name: (path as NSString).lastPathComponent, keepGoing: true, graph: graph)
        let expected = try String(contentsOf: GoldenTests.folder.appendingPathComponent(String(path.dropLast(3)) + ".out"), encoding: .utf8)
        #expect(output == expected, "\(path): a snapshot of the catalog answers otherwise")
    }

    /// Random graphs (every shape of stack rule, ties), opened both ways: the same graph and
    /// the same answers to listings, plans, gaps and walks, in every format.
    @Test(arguments: 0..<40)
    func randomGraphsAnswerTheSame(seed: Int) throws {
        let json = PlannerTests.randomGraph(seed: UInt64(seed))
        let graph = try GraphLoader.load([GraphSource(name: "random.json", bytes: Array(json.utf8))]).graph
        let snapshot = try Self.reopen(graph)
        Self.expectSame(graph, snapshot, "seed \(seed)")
        var script = "credentials\nskills\nroles\nlearners\norganizations\n"
        for r in graph.roles.indices { script += "stacks toward role \"\(graph.roles[r].name)\" limit 3\n" }
        for c in graph.credentials.indices.prefix(4) {
            script += "stacks toward \"\(graph.credentials[c].name)\" by weeks\nprerequisites of \"\(graph.credentials[c].name)\"\n"
            script += "holders of \"\(graph.credentials[c].name)\"\n"
        }
        if let l = graph.learners.first, let r = graph.roles.first {
            script += "gaps for \"\(l.name)\" toward role \"\(r.name)\"\nstacks toward role \"\(r.name)\" for \"\(l.name)\"\n"
        }
        for format in [OutputFormat.table, .json, .csv, .dot] {
            let a = Support.run(script, format: format, keepGoing: true, graph: graph).output
            let b = Support.run(script, format: format, keepGoing: true, graph: snapshot).output
            #expect(a == b, "seed \(seed), \(format)")
        }
    }

    /// Catalog files changed at random (names, numbers, cut short): whatever loads, its
    /// snapshot opens as the same graph.
    @Test func mutatedCatalogsOpenTheSame() throws {
        var random = PlannerTests.Random(state: 1130)
        let alphabet = Array("{}[]\":,0123456789-.eE \\uab".utf8) + [0xC3, 0xA9]
        var built = 0
        for round in 0..<150 {
            var sources = SourceFiles.defaultCatalogSources
            let f = random.next(sources.count)
            for _ in 0...random.next(3) where !sources[f].bytes.isEmpty {
                let at = random.next(sources[f].bytes.count)
                sources[f].bytes[at] = alphabet[random.next(alphabet.count)]
            }
            guard let graph = try? GraphLoader.load(sources).graph else { continue }
            built += 1
            Self.expectSame(graph, try Self.reopen(graph), "round \(round)")
        }
        #expect(built > 10)
    }

    /// Generated graphs as the benchmark writes them (holdings, proofs, long ids, aliases).
    @Test func generatedGraphsOpenTheSame() throws {
        for seed: UInt64 in [1, 2, 3] {
            let graph = try GraphLoader.load([GraphSource(name: "gen.json", bytes: Array(Self.generated(seed: seed).utf8))]).graph
            #expect(graph.learners.reduce(0) { $0 + $1.holdings.count } > 100)
            Self.expectSame(graph, try Self.reopen(graph), "seed \(seed)")
        }
    }

    /// A graph of a few hundred entities with every optional field used somewhere.
    static func generated(seed: UInt64) -> String {
        var r = PlannerTests.Random(state: seed)
        var orgs: [String] = [], skills: [String] = [], creds: [String] = [], roles: [String] = [], learners: [String] = []
        for o in 0..<6 {
            orgs.append(#"{"id": "org-\#(o)", "name": "Org \#(o)", "kind": "\#(["university", "platform", "industry"][o % 3])""#
                + (o % 2 == 0 ? #", "url": "https://o\#(o).example", "revoked": ["h-revoked-\#(o)"]"# : "") + "}")
        }
        for s in 0..<30 {
            var fields = #""id": "skill-number-\#(s)", "name": "Skill Ünïcode \#(s)""#
            if s % 3 == 0 { fields += #", "aliases": ["sk\#(s)", "SK\#(s)", "alias \#(s)"]"# }
            if s % 4 == 1 { fields += #", "category": "area \#(s % 5)""# }
            if s > 0, s % 2 == 0 { fields += #", "broader": "skill-number-\#(r.next(s))""# }
            skills.append("{\(fields)}")
        }
        for c in 0..<80 {
            var fields = #""id": "c\#(c)", "name": "Credential \#(c)", "kind": "\#(["badge", "course", "certificate", "degree"][c % 4])""#
            fields += #", "provider": "org-\#(r.next(6))", "cost": \#(r.next(500)), "weeks": \#(1 + r.next(20))"#
            let taught = r.next(30)
            fields += #", "teaches": {"skill-number-\#(taught)": \#(1 + r.next(4)), "skill-number-\#((taught + 1 + r.next(29)) % 30)": \#(1 + r.next(4))}"#
            if c % 5 == 0 { fields += #", "platform": "org-1", "hours": 12.5, "currency": "EUR", "credits": 3, "valid_months": 24"# }
            if c > 3, c % 3 == 0 { fields += #", "requires": ["c\#(r.next(c))"]"# }
            if c > 5, c % 7 == 0 {
                let b = r.next(c - 4)
                fields += #", "stack": {"n": 2, "of": ["c\#(b)", {"any": ["c\#(b + 1)", "c\#(b + 2)"]}, "c\#(b + 3)"]}"#
            }
            else if c > 5, c % 11 == 0 { fields += #", "stack": {"credits": 4, "of": ["c0", "c5"]}"# }
            if c % 9 == 0 { fields += #", "accredited_by": ["org-2"], "recognized_by": ["org-3", "org-4"], "url": "https://c\#(c).example""# }
            creds.append("{\(fields)}")
        }
        for q in 0..<8 {
            roles.append(#"{"id": "r\#(q)", "name": "Role \#(q)", "aliases": ["role alias \#(q)"], "needs": {"skill-number-\#(q)": 2, "skill-number-\#(q + 10)": 3}"#
                + (q % 2 == 0 ? #", "onet": "15-1252.0\#(q)", "related": ["r\#((q + 1) % 8)"], "uses": ["skill-number-2\#(q)"]"# : "") + "}")
        }
        var h = 0
        for l in 0..<60 {
            var holds: [String] = []
            for _ in 0..<r.next(6) {
                h += 1
                let id = h % 4 == 0 ? "holding-with-a-long-id-\(h)" : "h\(h)"
                var fields = #""id": "\#(id)", "credential": "c\#(r.next(80))", "issued": "202\#(r.next(6))-0\#(1 + r.next(9))-1\#(r.next(9))""#
                if h % 5 == 0 { fields += #", "expires": "2030-01-01""# }
                if h % 7 == 0 { fields += #", "proof": "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln""# }
                holds.append("{\(fields)}")
            }
            var fields = #""id": "learner-\#(l)", "name": "Learner \#(l % 50)", "holds": [\#(holds.joined(separator: ", "))]"#
            if l % 3 == 0 { fields += #", "role": "r\#(l % 8)", "goal": "\#(l % 2 == 0 ? "r1" : "c7")""# }
            learners.append("{\(fields)}")
        }
        return #"{"credq": 1, "organizations": [\#(orgs.joined(separator: ","))], "skills": [\#(skills.joined(separator: ","))], "#
            + #""credentials": [\#(creds.joined(separator: ","))], "roles": [\#(roles.joined(separator: ","))], "learners": [\#(learners.joined(separator: ","))]}"#
    }

    // MARK: - Damaged and crafted snapshots

    /// Cut short anywhere: refused when opened, with a reason.
    @Test func aTruncatedSnapshotIsRefused() throws {
        let bytes = Self.bytes(of: Support.catalog)
        for n in Array(0..<200) + Array(stride(from: 200, to: bytes.count, by: 97)) + [bytes.count - 1] {
            #expect(throws: SnapshotDamage.self, "cut to \(n) bytes") { try Self.open(Array(bytes.prefix(n))) }
        }
        do {
            _ = try Self.open(Array(bytes.prefix(100)))
        } catch {
            #expect(error.reason == "it is cut short (100 of \(bytes.count) bytes)")
        }
        do {
            _ = try Self.open(Array("{\"credq\": 1}".utf8) + [UInt8](repeating: 32, count: 40))
        } catch {
            #expect(error.reason == "it is not a credq snapshot")
        }
        var future = bytes
        future[8] = 2
        do {
            _ = try Self.open(future)
        } catch {
            #expect(error.reason == "it is in snapshot format version 2; this credq (\(Keywords.version)) reads version 1")
        }
    }

    /// One byte changed anywhere: the header refuses it when opened, a section when checked;
    /// only the padding between sections may change unnoticed, and then nothing read changes.
    @Test func aChangedByteIsFound() throws {
        let bytes = Self.bytes(of: Support.catalog)
        let json = GraphWriter.json(Support.catalog)
        var unnoticed = 0
        for at in stride(from: 0, to: bytes.count, by: 7) {
            var changed = bytes
            changed[at] ^= 0x20
            guard let file = try? SnapshotFile(path: "t.cqs", file: MappedFile(copying: changed)) else { continue }
            if (try? file.checkAll()) == nil { continue }
            unnoticed += 1
            #expect(GraphWriter.json(Graph(snapshot: file)) == json, "byte \(at)")
        }
        #expect(unnoticed < bytes.count / 7 / 50)
    }

    /// Changed bytes with the checksums made to fit, as a crafted file carries them: refused
    /// with a reason, or every check passes and the graph reads whole.
    @Test func aCraftedSnapshotIsRefusedOrReadsWhole() throws {
        let small = try GraphLoader.load([GraphSource(name: "g.json", bytes: Array(Self.generated(seed: 9).utf8))]).graph
        let bytes = Self.bytes(of: small)
        var random = PlannerTests.Random(state: 77)
        var refused = 0
        for round in 0..<600 {
            var changed = bytes
            for _ in 0...random.next(3) {
                let at = random.next(changed.count)
                changed[at] = [0, 0xFF, 0x7F, 0x80, changed[at] &+ 1, changed[at] &- 1, UInt8(random.next(256))][random.next(7)]
            }
            // A header changed past reading cannot be sealed again; as it is, it is refused.
            guard let sealed = SnapshotSeal.resealed(changed) else {
                #expect(throws: SnapshotDamage.self, "round \(round)") { try Self.open(changed) }
                refused += 1
                continue
            }
            do {
                let file = try SnapshotFile(path: "t.cqs", file: MappedFile(copying: sealed))
                try file.checkAll()
                FuzzTargets.snapshot(sealed)
            } catch {
                #expect(!error.reason.isEmpty)
                refused += 1
            }
        }
        #expect(refused > 200)
    }

    /// Hand-made crafted files: each refused with the reason for it.
    @Test func craftedReferencesAreRefused() throws {
        let graph = try GraphLoader.load([GraphSource(name: "g.json", bytes: Array(Self.generated(seed: 4).utf8))]).graph
        func reason(_ change: (inout [UInt8], SnapshotFile) -> Void) throws -> String? {
            var bytes = Self.bytes(of: graph)
            let file = try SnapshotFile(path: "t.cqs", file: MappedFile(copying: bytes))
            change(&bytes, file)
            let sealed = try #require(SnapshotSeal.resealed(bytes))
            do {
                let changed = try SnapshotFile(path: "t.cqs", file: MappedFile(copying: sealed))
                try changed.checkAll()
                return nil
            } catch {
                return error.reason
            }
        }
        func offset(_ file: SnapshotFile, _ section: SnapshotSection) -> Int {
            file.section(section).baseAddress! - file.file.bytes.baseAddress!
        }
        func put(_ bytes: inout [UInt8], _ at: Int, _ value: Int32) {
            withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { bytes[at + i] = b } }
        }
        // A holder that points past the learners.
        #expect(try reason { b, f in put(&b, offset(f, .holders), 1_000_000) } == "section holders: it refers to entity 1000000 of 60")
        // A credential's id order that names no credential.
        #expect(try reason { b, f in put(&b, offset(f, .credentialIDs), -5) } == "section credential.by-id: it refers to entity -5 of 80")
        // A prerequisite that makes a cycle: the ranks say which way references go.
        #expect(try reason { b, f in
            let ranks = offset(f, .requiresRank)
            for c in 0..<80 { put(&b, ranks + 4 * c, 0) }
        }?.hasSuffix("prerequisite makes a cycle") == true)
        // A skill level of 9.
        #expect(try reason { b, f in put(&b, offset(f, .teaches) + 8, 9) } == "section credential.teaches: it holds a skill level of 9")
        // Offsets that run backwards.
        #expect(try reason { b, f in put(&b, offset(f, .learnerOffsets) + 8, 1 << 30) }?.hasPrefix("section learner.offsets: its offsets go back") == true)
        // A cost that is not a number.
        #expect(try reason { b, f in
            withUnsafeBytes(of: Double.nan.bitPattern.littleEndian) { for (i, x) in $0.enumerated() { b[offset(f, .costs) + i] = x } }
        } == "section credential.cost: credential 0 has nan")
    }

    /// A section damaged after opening is found when a query first uses it, and never read.
    @Test func damageIsFoundWhenASectionIsFirstUsed() throws {
        var bytes = Self.bytes(of: Support.catalog)
        let file = try SnapshotFile(path: "t.cqs", file: MappedFile(copying: bytes))
        let at = file.section(.holders).baseAddress! - file.file.bytes.baseAddress!
        bytes[at] ^= 1
        let damaged = try SnapshotFile(path: "t.cqs", file: MappedFile(copying: bytes))
        // Opening, counting and reading credentials need no holders.
        let graph = Graph(snapshot: damaged)
        #expect(graph.credentials.count == Support.catalog.credentials.count)
        #expect(graph.credentials[3].name == Support.catalog.credentials[3].name)
        #expect(Self.refusal(damaged) == "section holders fails its checksum")
    }

    /// Why checking all of a snapshot refuses it (nil when it passes).
    static func refusal(_ file: SnapshotFile, sectionsOnly: Bool = false) -> String? {
        do {
            try sectionsOnly ? file.checkSections() : file.checkAll()
            return nil
        } catch {
            return error.reason
        }
    }

    /// A graph of 10,000 credentials: its records and offsets span several blocks.
    static func wide() throws -> Graph {
        let credentials = (0..<10_000).map { c in
            #"{"id": "c\#(c)", "name": "Credential number \#(c) of a long list of them", "kind": "badge", "provider": "o", "teaches": {"s": 1}}"#
        }
        let json = #"{"credq": 1, "organizations": [{"id": "o", "name": "O", "kind": "platform"}], "skills": [{"id": "s", "name": "S"}], "#
            + #""credentials": [\#(credentials.joined(separator: ","))]}"#
        return try GraphLoader.load([GraphSource(name: "wide.json", bytes: Array(json.utf8))]).graph
    }

    /// A query checks the blocks it reads, not whole sections: damage in a block no query
    /// reads leaves the others readable, and checking everything finds it.
    @Test func onlyTheBlocksReadAreChecked() throws {
        let graph = try Self.wide()
        var bytes = Self.bytes(of: graph)
        let file = try SnapshotFile(path: "t.cqs", file: MappedFile(copying: bytes))
        let records = file.section(.credentialRecords)
        #expect(file.blocks(.credentialRecords).count > 8)
        bytes[records.baseAddress! - file.file.bytes.baseAddress! + records.count - 10] ^= 1
        let damaged = try SnapshotFile(path: "t.cqs", file: MappedFile(copying: bytes))
        let opened = Graph(snapshot: damaged)
        #expect(opened.credentials[0].name == graph.credentials[0].name)
        #expect(opened.credentials[1].id == "c1")
        let blocks = damaged.blocks(.credentialRecords)
        #expect(blocks.isChecked(0) && !blocks.isChecked(blocks.count - 1))
        #expect(!damaged.blocks(.credentialOffsets).isChecked(1))
        #expect(Self.refusal(damaged) == "section credential.records fails its checksum")
    }

    /// The block sums are checked whole before any block is checked against them.
    @Test func damagedBlockSumsAreFound() throws {
        var bytes = Self.bytes(of: Support.catalog)
        let file = try SnapshotFile(path: "t.cqs", file: MappedFile(copying: bytes))
        bytes[file.section(.blockSums).baseAddress! - file.file.bytes.baseAddress! + 3] ^= 0x10
        let damaged = try SnapshotFile(path: "t.cqs", file: MappedFile(copying: bytes))
        #expect(Self.refusal(damaged, sectionsOnly: true) == "section block-sums fails its checksum")
    }

    /// Starts and offsets are checked a block at a time, each value against the next: the
    /// last value of a block is checked against the first of the next, so offsets that go
    /// back across two blocks are found when the row that spans them is read.
    @Test func offsetsGoingBackAcrossBlocksAreFound() throws {
        let graph = try Self.wide()
        var bytes = Self.bytes(of: graph)
        let file = try SnapshotFile(path: "t.cqs", file: MappedFile(copying: bytes))
        let perBlock = SnapshotSection.credentialOffsets.blockBytes / 8
        #expect(file.blocks(.credentialOffsets).count == 2)
        let at = file.section(.credentialOffsets).baseAddress! - file.file.bytes.baseAddress! + 8 * perBlock
        withUnsafeBytes(of: UInt64(3).littleEndian) { for (i, x) in $0.enumerated() { bytes[at + i] = x } }
        let sealed = try #require(SnapshotSeal.resealed(bytes))
        let crafted = try SnapshotFile(path: "t.cqs", file: MappedFile(copying: sealed))
        // The second block alone is well-formed: its first value is lower than the next.
        #expect(try crafted.credential(graph.credentials.count - 1).id == "c\(graph.credentials.count - 1)")
        #expect(Self.refusal(crafted) == "section credential.offsets: its offsets go back at row \(perBlock - 1)")
    }

    /// A change to an opened snapshot's graph (an assumption) stays in memory, and the
    /// holders are built again from the changed holdings.
    @Test func assumptionsOnASnapshotGraph() throws {
        let graph = try Self.reopen(Support.catalog)
        let script = "holders of aws cloud practitioner\nassume jane holds aws cloud practitioner\nholders of aws cloud practitioner\nforget assumptions\nholders of aws cloud practitioner"
        #expect(Support.run(script, graph: graph).output == Support.run(script).output)
    }

    @Test func ranksPointLowerAlongEveryEdge() {
        var random = PlannerTests.Random(state: 5)
        for _ in 0..<50 {
            let n = 1 + random.next(40)
            var edges = [[Int]](repeating: [], count: n)
            for i in 1..<max(n, 2) where i < n { for _ in 0..<random.next(3) { edges[i].append(random.next(i)) } }
            let ranks = SnapshotWriter.ranks(n) { edges[$0] }
            for i in 0..<n { for j in edges[i] { #expect(ranks[j] < ranks[i]) } }
        }
    }
}
