import Foundation
import Testing
@testable import CredqKit

/// The fast loader must build exactly the graph the thorough loader builds, and give up
/// (so the thorough loader can explain) whenever the thorough one finds anything to say.
@Suite struct FastGraphReaderTests {
    static let seeds = SourceFiles.defaultCatalogSources

    /// Both loaders on the same files: the fast one either gives up or agrees entirely.
    /// Returns whether the fast one built the graph.
    @discardableResult
    static func agree(_ sources: [GraphSource], _ comment: Comment? = nil) -> Bool {
        let fast = FastGraphReader.load(sources)
        // With a second thread reading from the middle of each file, the same.
        let split = FastGraphReader.load(sources, .init(splitAbove: 0))
        #expect(split.map(GraphWriter.json) == fast.map(GraphWriter.json), comment)
        let thorough = Result { () throws(GraphLoadError) in try GraphLoader.loadThoroughly(sources) }
        switch thorough {
        case .success(let loaded) where loaded.warnings.isEmpty:
            if let fast {
                #expect(GraphWriter.json(fast) == GraphWriter.json(loaded.graph), comment)
                for kind in EntityKind.allCases {
                    for i in 0..<fast.count(of: kind) {
                        let id = fast.id(of: EntityRef(kind: kind, index: i))
                        #expect(fast.index(of: id, kind: kind) == i, comment)
                        #expect(loaded.graph.index(of: id, kind: kind) == i, comment)
                    }
                    #expect(fast.index(of: "no such id", kind: kind) == nil)
                }
                #expect(fast.sources == loaded.graph.sources, comment)
            }
        default:
            #expect(fast == nil, "the fast loader accepted what the thorough one reports: \(comment?.description ?? "")")
        }
        return fast != nil
    }

    @Test func buildsTheSameCatalog() throws {
        #expect(Self.agree(Self.seeds))
        let fast = try #require(FastGraphReader.load(Self.seeds))
        let thorough = try GraphLoader.loadThoroughly(Self.seeds).graph
        // Indexes too, not only the entities.
        func rows(_ lists: RowLists<Int>) -> [[Int]] { lists.map { Array($0) } }
        #expect(rows(fast.partOf) == rows(thorough.partOf))
        #expect(rows(fast.requiredBy) == rows(thorough.requiredBy))
        #expect(rows(fast.provided) == rows(thorough.provided))
        #expect(fast.taughtBy.map { $0.map(\.credential) } == thorough.taughtBy.map { $0.map(\.credential) })
    }

    @Test func handWrittenCornerCases() {
        let valid: [String] = [
            #"{"credq": 1}"#,
            #" {"learners": [], "credq": 1.0 } "#,
            // Escapes, non-ASCII text, a forward reference, a goal that is a credential, a credits rule.
            #"{"credq":1,"organizations":[{"id":"o","name":"Universit\u00e9 \"O\"","kind":"university"}],"#
                + #""skills":[{"id":"s","name":"Ünïcode 😀 \ud83d\ude00","broader":"t"},{"id":"t","name":"T"}],"#
                + #""credentials":[{"id":"a","name":"A","kind":"certificate","provider":"o","requires":["b"],"currency":"EUR","#
                + #""stack":{"credits":2.5,"of":["b"]},"teaches":{"s":4,"t":1},"cost":-0,"weeks":1e1,"hours":0.5},"#
                + #"{"id":"b","name":"B","kind":"badge","provider":"o"}],"#
                + #""roles":[{"id":"r","name":"R","needs":{"s":2},"related":["r2"],"uses":["t","s"]},{"id":"r2","name":"R2","needs":{},"related":["r"],"uses":[]}],"#
                + #""learners":[{"id":"l","name":"L","goal":"a","holds":[{"id":"h","credential":"b","issued":"2024-02-29","expires":"2024-02-29"}]}]}"#,
            // Ids around the eight bytes kept in one word: NUL, non-ASCII, escaped, 8 and 9 bytes.
            #"{"credq":1,"skills":[{"id":"a","name":"A"},{"id":"a\u0000","name":"B","broader":"12345678"},{"id":"\u00e9","name":"C"},"#
                + #"{"id":"12345678","name":"D","broader":"\u00e9"},{"id":"123456789","name":"E","broader":"a\u0000"},"#
                + #"{"id":"a\u00001","name":"F","broader":"12345\u0036789"}],"roles":[{"id":"r","name":"R","needs":{"a":1,"a\u0000":2,"123456789":3}}]}"#,
        ]
        for text in valid {
            #expect(Self.agree([GraphSource(name: "g.json", bytes: Array(text.utf8))], "\(text)"), "\(text)")
        }
        let refused: [String] = [
            "", "{", #"{"credq": 2}"#, #"{"credq": 1, "credq": 1}"#, #"{"credq": 1} x"#, "\u{FEFF}{\"credq\": 1}",
            #"{"credq": 1, "extra": 1}"#,
            #"{"credq":1,"skills":[{"id":"s","name":"S","broader":"s"}]}"#,
            #"{"credq":1,"skills":[{"id":"s","name":"S"},{"id":"s","name":"S"}]}"#,
            #"{"credq":1,"skills":[{"id":"","name":"S"}]}"#,
            #"{"credq":1,"skills":[{"id":"s","name":"S","aliases":[""]}]}"#,
            #"{"credq":1,"roles":[{"id":"r","name":"R"}]}"#,
            #"{"credq":1,"skills":[{"id":"s","name":"S"}],"roles":[{"id":"r","name":"R","needs":{"s":5}}]}"#,
            #"{"credq":1,"skills":[{"id":"s","name":"S"}],"roles":[{"id":"r","name":"R","needs":{"s":1,"s":2}}]}"#,
            #"{"credq":1,"skills":[{"id":"s","name":"\ud800"}]}"#,
            #"{"credq":1,"skills":[{"id":"s","name":"S","category":1e400}]}"#,
            #"{"credq":1,"organizations":[{"id":"o","name":"O","kind":"school"}]}"#,
            #"{"credq":1,"organizations":[{"id":"o","name":"O","kind":"platform"}],"credentials":[{"id":"a","name":"A","kind":"badge","provider":"o","stack":{"n":2,"of":["a"]}}]}"#,
            #"{"credq":1,"organizations":[{"id":"o","name":"O","kind":"platform"}],"credentials":[{"id":"a","name":"A","kind":"badge","provider":"o","stack":{"all":["b","b"]}},{"id":"b","name":"B","kind":"badge","provider":"o"}]}"#,
            #"{"credq":1,"organizations":[{"id":"o","name":"O","kind":"platform"}],"credentials":[{"id":"a","name":"A","kind":"badge","provider":"o","currency":"usd"}]}"#,
            #"{"credq":1,"organizations":[{"id":"o","name":"O","kind":"platform"}],"credentials":[{"id":"a","name":"A","kind":"badge","provider":"o","cost":-1}]}"#,
            #"{"credq":1,"organizations":[{"id":"o","name":"O","kind":"platform"}],"credentials":[{"id":"a","name":"A","kind":"badge","provider":"o","requires":["a"]}]}"#,
            #"{"credq":1,"learners":[{"id":"l","name":"L","holds":[{"id":"h","credential":"x","issued":"2024-01-01"}]}]}"#,
            #"{"credq":1,"learners":[{"id":"l","name":"L","goal":"nowhere"}]}"#,
            // The same id written two ways, short and long; a long id twice where once is allowed.
            #"{"credq":1,"skills":[{"id":"s1","name":"S"},{"id":"s\u0031","name":"T"}]}"#,
            #"{"credq":1,"skills":[{"id":"long-skill-1","name":"S"},{"id":"long-skill-\u0031","name":"T"}]}"#,
            #"{"credq":1,"skills":[{"id":"long-skill-id","name":"S"}],"roles":[{"id":"r","name":"R","needs":{"long-skill-id":1,"long-skill-\u0069d":2}}]}"#,
            #"{"credq":1,"organizations":[{"id":"o","name":"O","kind":"platform"}],"credentials":[{"id":"a","name":"A","kind":"badge","provider":"o","stack":{"all":["long-credential-b","long-credential-b"]}},{"id":"long-credential-b","name":"B","kind":"badge","provider":"o"}]}"#,
            #"{"credq":1,"skills":[{"id":"a","name":"A","broader":"a\u0000"}]}"#,
            #"{"credq":1,"roles":[{"id":"r","name":"R","needs":{},"related":["nobody"]}]}"#,
            #"{"credq":1,"roles":[{"id":"r","name":"R","needs":{},"uses":["s"]}]}"#,
            #"{"credq":1,"roles":[{"id":"r","name":"R","needs":{},"related":"r"}]}"#,
        ]
        for text in refused {
            #expect(FastGraphReader.load([GraphSource(name: "g.json", bytes: Array(text.utf8))]) == nil, "\(text)")
            Self.agree([GraphSource(name: "g.json", bytes: Array(text.utf8))], "\(text)")
        }
    }

    /// Files on disk go through a window much smaller than the file; the graph is the same.
    @Test func streamsFilesThroughASmallWindow() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("credq-window-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Seeds as files, and one generated file of about a megabyte with ~200 refills.
        var files: [GraphSource] = []
        for seed in Self.seeds {
            let url = folder.appendingPathComponent(seed.name.split(separator: "/").last.map(String.init)!)
            try Data(seed.bytes).write(to: url)
            files.append(.file(url.path))
        }
        var big = #"{"credq": 1, "credentials": ["#
        for i in 0..<3000 {
            big += (i > 0 ? "," : "") + #"{"id": "g\#(i)", "name": "Generated \#(i) \u00e9", "kind": "badge", "provider": "coursera", "#
                + #""teaches": {"python": \#(1 + i % 4)}, "cost": \#(i % 90).5\#(i > 0 ? ", \"requires\": [\"g\(i - 1)\"]" : "")}"#
        }
        big += "], \n\"learners\": ["
        for i in 0..<3000 {
            big += (i > 0 ? ",\n" : "") + #"{"id": "gl\#(i)", "name": "L\#(i)", "holds": [{"id": "gh\#(i)", "credential": "g\#(i)", "issued": "2024-01-0\#(1 + i % 9)"}]}"#
        }
        big += "]}\n" + String(repeating: " ", count: 40_000)
        let bigURL = folder.appendingPathComponent("big.json")
        try big.write(to: bigURL, atomically: false, encoding: .utf8)
        files.append(.file(bigURL.path))

        let thorough = try GraphLoader.loadThoroughly(files)
        #expect(thorough.warnings.isEmpty)
        for size in [16 << 10, 64 << 10, 1 << 20] {
            let fast = try #require(FastGraphReader.load(files, .init(windowSize: size)), "window \(size)")
            #expect(GraphWriter.json(fast) == GraphWriter.json(thorough.graph), "window \(size)")
        }
        // An entity larger than half the window is left to the thorough loader, not misread.
        #expect(FastGraphReader.load(files, .init(windowSize: 512)) == nil)
        // A file cut short on disk is refused, whatever the window.
        try Data(big.utf8.prefix(big.utf8.count / 2)).write(to: bigURL)
        #expect(FastGraphReader.load(files, .init(windowSize: 16 << 10)) == nil)
    }

    /// A graph that is mostly learners, with long, escaped and non-ASCII ids, names that
    /// look like learners, and a skills list after the learners whose objects also read as
    /// learners.
    static let learnerHeavy: String = {
        var text = #"{"credq": 1, "organizations": [{"id": "org-with-a-long-id", "name": "O", "kind": "platform"}],"#
            + #" "credentials": [{"id": "c1", "name": "C1", "kind": "badge", "provider": "org-with-a-long-id", "teaches": {"s1": 2}},"#
            + #" {"id": "credential-two", "name": "C2", "kind": "course", "provider": "org-with-a-long-id", "valid_months": 12}],"#
            + #" "roles": [{"id": "r", "name": "R", "needs": {"skill-number-two": 1}}],"#
            + "\n \"learners\": ["
        for i in 0..<24 {
            let id = ["l\(i)", "learner-\(i)-long", #"l\u00e9\#(i)"#, #"l\u0031\#(i)x"#][i % 4]
            let name = i % 3 == 0 ? #"Looks like {\"id\": \"x\", \"name\": \"y\"} \#(i)"# : "L{\(i)}"
            var holds: [String] = []
            for h in 0..<(i % 4) {
                let credential = h % 2 == 0 ? "c1" : "credential-two"
                holds.append(#"{"id": "h\#(i)-\#(h)", "credential": "\#(credential)", "issued": "2024-0\#(1 + h)-15""#
                    + (h == 1 ? #", "expires": "2030-01-01", "proof": "{\"id\":\"p\"}""# : "") + "}")
            }
            let goal = i % 5 == 0 ? #", "goal": "\#(i % 2 == 0 ? "r" : "credential-two")""# : ""
            let role = i % 7 == 0 ? #", "role": "r""# : ""
            text += (i > 0 ? ",\n  " : "") + #"{"id": "\#(id)", "name": "\#(name)"\#(goal)\#(role), "holds": [\#(holds.joined(separator: ", "))]}"#
        }
        text += "],\n " + #""skills": [{"id": "s1", "name": "S1"}, {"id": "skill-number-two", "name": "S2"}, {"id": "s3", "name": "S3"}]}"# + "\n"
        return text
    }()

    /// A second thread reads the learners from wherever it is started: the graph is always
    /// the one the thorough loader builds, and the second thread's work is used whenever it
    /// started before the last learner.
    @Test func aSecondThreadReadingLearnersBuildsTheSameGraph() throws {
        let bytes = Array(Self.learnerHeavy.utf8)
        let sources = [GraphSource(name: "g.json", bytes: bytes)]
        let thorough = try GraphLoader.loadThoroughly(sources)
        #expect(thorough.warnings.isEmpty)
        let expected = GraphWriter.json(thorough.graph)
        let learners = bytes.firstRange(of: Array(#""learners""#.utf8))!.lowerBound
        let lastLearner = bytes.lastRange(of: Array(#"{"id": "l\u0031"#.utf8))!.lowerBound
        var helpedFrom: [Int] = []
        for start in 0..<bytes.count {
            let options = FastGraphReader.Options(splitAbove: 0, splitPoint: { _ in start })
            let (graph, helped) = try #require(FastGraphReader.read(sources, options), "from \(start)")
            #expect(GraphWriter.json(graph) == expected, "from \(start)")
            for i in graph.learners.indices { #expect(graph.index(of: graph.learners[i].id, kind: .learner) == i) }
            if helped > 0 { helpedFrom.append(start) }
        }
        // Used from every start up to the last learner (from before the learners, the helper
        // finds the first of them), and never from after it: the helper then reads the skills
        // that follow as learners, and the first thread never meets them in its learners list.
        #expect(helpedFrom == Array(0...lastLearner))

        // Through a small window on disk too, and with a file cut short.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("credq-split-\(UInt32.random(in: 0...UInt32.max)).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(bytes).write(to: url)
        for start in stride(from: learners, to: bytes.count, by: 37) {
            let options = FastGraphReader.Options(windowSize: 1 << 10, splitAbove: 0, splitPoint: { _ in start })
            let read = try #require(FastGraphReader.read([.file(url.path)], options), "from \(start)")
            #expect(GraphWriter.json(read.graph) == expected, "from \(start)")
            #expect(read.helped == (start <= lastLearner ? 1 : 0), "from \(start)")
        }
        for cut in [bytes.count / 2, bytes.count - 3] {
            try Data(bytes.prefix(cut)).write(to: url)
            #expect(FastGraphReader.read([.file(url.path)], .init(windowSize: 1 << 10, splitAbove: 0)) == nil)
        }
    }

    /// The REPL has the indexes built on another thread right after a load; they are the
    /// ones the first query would have built.
    @Test func indexesWarmedOnAnotherThreadAreTheSame() throws {
        let warm = try #require(FastGraphReader.load(Self.seeds))
        #expect(!warm.indexesBuilt)
        warm.warmIndexes()
        var waited = 0
        while !warm.indexesBuilt, waited < 3000 {  // a generous bound, not a speed test
            usleep(10_000)
            waited += 1
        }
        #expect(warm.indexesBuilt)
        let cold = try #require(FastGraphReader.load(Self.seeds))
        func rows(_ lists: RowLists<Int>) -> [[Int]] { lists.map { Array($0) } }
        #expect(rows(warm.requiredBy) == rows(cold.requiredBy) && rows(warm.provided) == rows(cold.provided) && rows(warm.partOf) == rows(cold.partOf))
        #expect(warm.taughtBy.map { $0.map(\.credential) } == cold.taughtBy.map { $0.map(\.credential) })
        for c in warm.credentials.indices { #expect(warm.holders[c].map(\.learner) == cold.holders[c].map(\.learner)) }
        for name in ["python", "jane okafor", "coursera", "cloud architect"] { #expect(warm.entities(named: name) == cold.entities(named: name)) }
        #expect(warm.credentials(of: .badge) == cold.credentials(of: .badge))
    }

    /// A catalog of `credentials` credentials, then `learners` learners (every third with no
    /// holdings, the first among them), as the writer orders a graph.
    static func catalogThenLearners(credentials: Int, learners: Int) -> [UInt8] {
        var text = #"{"credq": 1, "organizations": [{"id": "o", "name": "O", "kind": "platform"}], "skills": [{"id": "s", "name": "S"}], "credentials": ["#
        for c in 0..<credentials {
            text += (c > 0 ? "," : "") + #"{"id": "c\#(c)", "name": "Credential \#(c)", "kind": "badge", "provider": "o", "teaches": {"s": 1}, "weeks": 1, "cost": \#(c % 90)}"#
        }
        text += #"], "learners": ["#
        for l in 0..<learners {
            let holds = l % 3 == 0 ? "" : #"{"id": "h\#(l)", "credential": "c\#(l % credentials)", "issued": "2024-01-01"}"#
            text += (l > 0 ? "," : "") + #"{"id": "l\#(l)", "name": "Learner \#(l)", "holds": [\#(holds)]}"#
        }
        return Array((text + "]}").utf8)
    }

    /// Unless told where, the helper starts where the learners' list is found to begin, or
    /// further on so that the first thread's share (the catalog's bytes weighing
    /// `catalogByteCost` times a learner's) matches its own; three sevenths in when the file
    /// does not end with learners, about half way when it holds nothing else.
    /// (Skills with only an id and a name, as here, read as learners too: the search must
    /// not take them for the learners' list.)
    @Test func theHelperStartsWhereBothSharesBalance() throws {
        func start(_ bytes: [UInt8]) -> Int { found(bytes).start }
        func found(_ bytes: [UInt8]) -> (start: Int, learners: Int?) {
            bytes.withUnsafeBufferPointer { buffer in
                FastGraphReader.balancedStart(size: buffer.count, open: {
                    var c = Cursor(bytes: buffer)
                    c?.i = $0
                    return c
                })
            }
        }
        func firstLearner(_ bytes: [UInt8]) -> Int { bytes.firstRange(of: Array(#"{"id": "l0""#.utf8))!.lowerBound }
        for (credentials, learners) in [(6000, 2000), (1500, 12000), (4000, 4000)] {
            let bytes = Self.catalogThenLearners(credentials: credentials, learners: learners)
            let list = firstLearner(bytes)
            let even = Int((Double(bytes.count) - (FastGraphReader.catalogByteCost - 1) * Double(list)) / 2)
            #expect(found(bytes) == (max(list, even), list), "\(credentials) credentials, \(learners) learners")
            // And the load, from there, takes the helper's learners and is the thorough one.
            let sources = [GraphSource(name: "g.json", bytes: bytes)]
            let read = try #require(FastGraphReader.read(sources, .init(splitAbove: 0)))
            #expect(read.helped == 1)
            #expect(GraphWriter.json(read.graph) == GraphWriter.json(try GraphLoader.loadThoroughly(sources).graph))
        }
        // A catalog heavier than the learners: the helper takes every learner.
        let heavy = Self.catalogThenLearners(credentials: 6000, learners: 2000)
        #expect(start(heavy) == firstLearner(heavy))
        // Learners first, then more than the probe's reach of skills.
        let learnersFirst = Array((#"{"credq": 1, "learners": ["# + (0..<5000).map { #"{"id": "l\#($0)", "name": "L"}"# }.joined(separator: ",")
            + #"], "skills": ["# + (0..<3000).map { #"{"id": "s\#($0)", "name": "Skill \#($0)"}"# }.joined(separator: ",") + "]}").utf8)
        #expect(found(learnersFirst) == (learnersFirst.count / 7 * 3, nil))
        let firstSources = [GraphSource(name: "g.json", bytes: learnersFirst)]
        let firstRead = try #require(FastGraphReader.read(firstSources, .init(splitAbove: 0)))
        #expect(firstRead.helped == 1)
        #expect(GraphWriter.json(firstRead.graph) == GraphWriter.json(try GraphLoader.loadThoroughly(firstSources).graph))
        // Nothing but learners.
        let only = Array((#"{"credq": 1, "learners": ["# + (0..<5000).map { #"{"id": "l\#($0)", "name": "L", "holds": [{"id": "h\#($0)", "credential": "c", "issued": "2024-01-01"}]}"# }.joined(separator: ",") + "]}").utf8)
        #expect(start(only) == Int((Double(only.count) - (FastGraphReader.catalogByteCost - 1) * Double(firstLearner(only))) / 2))
        #expect(abs(start(only) - only.count / 2) < 20)
    }

    /// A helper's learners are kept apart until the end, or joined on as soon as another
    /// file brings more learners: either way every learner keeps its place and references.
    @Test func learnersAfterAHelpersPartKeepTheirOrder() throws {
        let first = Array(Self.learnerHeavy.utf8)
        let second = Array((#"{"credq":1,"learners":[{"id":"second-file-learner","name":"S","goal":"r","role":"r","#
            + #""holds":[{"id":"h-second","credential":"credential-two","issued":"2024-01-01"}]},{"id":"l-last","name":"Z"}]}"#).utf8)
        let sources = [GraphSource(name: "a.json", bytes: first), GraphSource(name: "b.json", bytes: second)]
        let expected = GraphWriter.json(try GraphLoader.loadThoroughly(sources).graph)
        let middle = first.count * 2 / 3
        for start in [middle, middle + 1, middle + 50] {
            let options = FastGraphReader.Options(splitAbove: 1000, splitPoint: { _ in start })  // the first file only
            let read = try #require(FastGraphReader.read(sources, options))
            #expect(read.helped == 1)
            #expect(GraphWriter.json(read.graph) == expected)
            for i in read.graph.learners.indices { #expect(read.graph.index(of: read.graph.learners[i].id, kind: .learner) == i) }
            let reversed = try #require(FastGraphReader.read(sources.reversed(), options))
            #expect(GraphWriter.json(reversed.graph) == GraphWriter.json(try GraphLoader.loadThoroughly(sources.reversed()).graph))
        }
    }

    /// References are written back kind by kind, so files that list roles before skills, or
    /// add credentials after roles, must still get each reference right.
    @Test func filesMayMixKindsInAnyOrder() {
        let files = [
            #"{"credq":1,"roles":[{"id":"r1","name":"R1","needs":{"s2":1,"s1":2}}],"skills":[{"id":"s1","name":"S1","broader":"s2"}]}"#,
            #"{"credq":1,"organizations":[{"id":"o","name":"O","kind":"platform"}],"credentials":[{"id":"c1","name":"C1","kind":"badge","provider":"o","teaches":{"s1":1}}]}"#,
            #"{"credq":1,"skills":[{"id":"s2","name":"S2"}],"roles":[{"id":"r2","name":"R2","needs":{"s2":3}}],"#
                + #""credentials":[{"id":"c2","name":"C2","kind":"course","provider":"o","teaches":{"s2":4,"s1":2},"requires":["c1"],"stack":{"all":["c1"]}}],"#
                + #""learners":[{"id":"l","name":"L","role":"r2","holds":[{"id":"h","credential":"c2","issued":"2024-01-01"}]}]}"#,
        ].enumerated().map { GraphSource(name: "f\($0.offset).json", bytes: Array($0.element.utf8)) }
        #expect(Self.agree(files))
        #expect(Self.agree(files.reversed()))
    }

    /// A credential that names no currency has the graph's one currency, wherever in the
    /// files it comes: before or after the first credential that names it.
    @Test func aCredentialWithoutCurrencyHasTheGraphsWhateverTheOrder() throws {
        func file(_ name: String, _ credentials: String) -> GraphSource {
            GraphSource(name: name, bytes: Array(#"{"credq":1,"organizations":[{"id":"o\#(name.prefix(1))","name":"O","kind":"platform"}],"credentials":[\#(credentials)]}"#.utf8))
        }
        let plain = file("a.json", #"{"id":"a","name":"A","kind":"badge","provider":"oa","cost":5}"#)
        let euros = file("b.json", #"{"id":"b","name":"B","kind":"badge","provider":"ob","cost":7,"currency":"EUR"},{"id":"c","name":"C","kind":"badge","provider":"ob"}"#)
        for order in [[plain, euros], [euros, plain]] {
            #expect(Self.agree(order))
            let fast = try #require(FastGraphReader.load(order))
            #expect(fast.credentials.map(\.currency) == ["EUR", "EUR", "EUR"])
            let thorough = try GraphLoader.loadThoroughly(order).graph
            #expect(thorough.credentials.map(\.currency) == ["EUR", "EUR", "EUR"])
        }
        // None names one: USD.
        #expect(try #require(FastGraphReader.load([plain])).credentials.map(\.currency) == ["USD"])
    }

    @Test func duplicatesAcrossFilesAreLeftToTheThoroughLoader() {
        let a = GraphSource(name: "a.json", bytes: Array(#"{"credq":1,"learners":[{"id":"l","name":"L"}]}"#.utf8))
        #expect(FastGraphReader.load([a, a]) == nil)
        #expect(Self.agree([a]))
    }

    /// Thousands of small corruptions of the seed files: wherever the thorough loader has
    /// anything to say, the fast one gives up; wherever it has not, both build the same graph.
    @Test func agreesOnMutatedCatalogFiles() {
        var random = PlannerTests.Random(state: 2026)
        let alphabet = Array("{}[]\":,0123456789-.eE \\uab\u{00}\u{FF}".utf8) + [0xC3, 0xED, 0xA0]
        var built = 0, refused = 0
        for round in 0..<600 {
            var sources = Self.seeds
            let f = random.next(sources.count)
            var bytes = sources[f].bytes
            for _ in 0...random.next(3) where !bytes.isEmpty {
                let at = random.next(bytes.count)
                switch random.next(5) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(alphabet[random.next(alphabet.count)], at: at)
                case 2: bytes[at] = alphabet[random.next(alphabet.count)]
                case 3:  // repeat a short run, often duplicating a key, an id or an element
                    let n = min(bytes.count - at, 1 + random.next(40))
                    bytes.insert(contentsOf: bytes[at..<(at + n)], at: at)
                default:  // cut the file short
                    bytes.removeLast(bytes.count - at)
                }
            }
            sources[f].bytes = bytes
            if Self.agree(sources, "round \(round), file \(sources[f].name)") { built += 1 } else { refused += 1 }
        }
        // Many mutations land in names and numbers and keep the graph valid; most break it.
        #expect(built > 10)
        #expect(refused > 200)
    }
}

@Suite struct IDTableTests {
    @Test func numbersKeysInOrderAndFindsThemAgain() {
        var table = IDTable()
        // Short and long keys, keys that share their first eight bytes, non-ASCII, empty.
        let keys = (0..<50_000).map { "c\($0)" } + (0..<2_000).map { "credential-number-\($0)" }
            + ["", "é", "12345678", "123456789", "1234567\u{0}"]
        for (i, key) in keys.enumerated() {
            let (n, inserted) = table.insert(key)
            #expect(n == i && inserted, "\(key)")
        }
        #expect(table.count == keys.count)
        for (i, key) in keys.enumerated() {
            #expect(table.find(key) == i, "\(key)")
            let again = table.insert(key)
            #expect(again.number == i && !again.inserted)
        }
        for missing in ["c50000", "credential-number-2000", "1234567", "credential-number-", "C1"] {
            #expect(table.find(missing) == nil, "\(missing)")
        }
    }

    @Test func namesAreFoundIgnoringCaseInTheOrderAdded() throws {
        let text = #"{"credq":1,"organizations":[{"id":"o","name":"DATA basics","kind":"platform"}],"#
            + #""skills":[{"id":"s","name":"Ünïcode Straße","aliases":["data basics","ÜNÏCODE STRASSE","ünïcode straße"]}],"#
            + #""credentials":[{"id":"c1","name":"Data Basics","kind":"badge","provider":"o"},{"id":"c2","name":"data BASICS","kind":"badge","provider":"o"}],"#
            + #""roles":[{"id":"r","name":"Analyst","aliases":["analyst","Data basics"],"needs":{"s":1}}]}"#
        let g = try Support.load([("g.json", text)]).graph
        #expect(g.entities(named: "data basics") == [
            EntityRef(kind: .credential, index: 0), EntityRef(kind: .credential, index: 1),
            EntityRef(kind: .role, index: 0), EntityRef(kind: .skill, index: 0), EntityRef(kind: .organization, index: 0),
        ])
        #expect(g.entities(named: "analyst") == [EntityRef(kind: .role, index: 0)])  // its alias repeats its name
        #expect(g.entities(named: "ünïcode straße") == [EntityRef(kind: .skill, index: 0)])
        #expect(g.entities(named: "ünïcode strasse") == [EntityRef(kind: .skill, index: 0)])
        #expect(g.entities(named: "data basic").isEmpty)
    }

    @Test func duplicateFinderFindsExactlyTheRepeats() {
        var unique = DuplicateFinder()
        for i in 0..<100_000 { var k = "h\(i)"; k.withUTF8 { unique.add($0, head: KeyedHash.head($0)) } }
        let none = unique.anyEqual()
        #expect(!none)
        var repeated = DuplicateFinder()
        for i in 0..<100_000 { var k = "h\(i == 99_999 ? 17 : i)"; k.withUTF8 { repeated.add($0, head: KeyedHash.head($0)) } }
        let one = repeated.anyEqual()
        #expect(one)
        // Long ids that differ only after their first eight bytes, and a repeat among them.
        for n in [2, 3, 9, 1000] {
            var long = DuplicateFinder(), again = DuplicateFinder()
            for i in 0..<n {
                var k = "holding-of-learner-\(i)"
                k.withUTF8 { long.add($0, head: KeyedHash.head($0)) }
                var r = "holding-of-learner-\(i == n - 1 ? 0 : i)"
                r.withUTF8 { again.add($0, head: KeyedHash.head($0)) }
            }
            let different = long.anyEqual(), repeats = again.anyEqual()
            #expect(!different && repeats, "\(n)")
        }
        // Two finders, one sorted ahead (as a helper sorts its part): a repeat within
        // either, or one id in both, is found; none otherwise.
        func finder(_ ids: [Int], sorted: Bool) -> DuplicateFinder {
            var f = DuplicateFinder()
            for i in ids { var k = "h\(i)"; k.withUTF8 { f.add($0, head: KeyedHash.head($0)) } }
            if sorted { _ = f.sort() }
            return f
        }
        for sorted in [false, true] {
            var apart = finder(Array(0..<500), sorted: false)
            let none = apart.anyEqual(with: finder(Array(500..<50_000), sorted: sorted))
            var shared = finder(Array(0..<500), sorted: false)
            let across = shared.anyEqual(with: finder(Array(500..<50_000) + [250], sorted: sorted))
            var within = finder(Array(0..<500), sorted: false)
            let inOne = within.anyEqual(with: finder(Array(500..<50_000) + [40_000], sorted: sorted))
            var empty = DuplicateFinder()
            let fromNothing = empty.anyEqual(with: finder(Array(0..<3), sorted: sorted))
            #expect(!none && across && inOne && !fromNothing, "sorted ahead: \(sorted)")
        }
    }

    /// A holding id used twice, both times among a helper's learners or once on each side
    /// of where it started: the fast loader never builds the graph, wherever the helper starts.
    @Test func aRepeatedHoldingIDIsFoundWhereverTheSplitFalls() throws {
        let bytes = FastGraphReaderTests.catalogThenLearners(credentials: 50, learners: 600)
        let text = String(decoding: bytes, as: UTF8.self)
        let list = bytes.firstRange(of: Array(#"{"id": "l0""#.utf8))!.lowerBound
        for (early, late) in [(1, 599), (590, 599), (1, 2)] {
            let repeated = text.replacingOccurrences(of: #""id": "h\#(late)""#, with: #""id": "h\#(early)""#)
            let sources = [GraphSource(name: "g.json", bytes: Array(repeated.utf8))]
            for start in stride(from: list - 10, to: bytes.count, by: 997) {
                #expect(FastGraphReader.read(sources, .init(splitAbove: 0, splitPoint: { _ in start })) == nil, "h\(early) as h\(late), from \(start)")
            }
            #expect(FastGraphReader.read(sources, .init(splitAbove: 0)) == nil)
        }
    }

    /// Packed keys: a table built in groups numbers them in order, finds each (and misses
    /// absent ones) in groups, and refuses a repeat, short or long, near or far apart.
    @Test func packedKeysAreNumberedAndFoundInGroups() throws {
        var arena = KeyArena()
        var ids = (0..<5_000).map { "c\($0)" } + (0..<300).map { "credential-number-\($0)" }
            + ["é", "12345678", "123456789", "1234567\u{0}", "a"]
        ids.swapAt(3, 5_100)
        func key(_ id: String) -> UInt64 {
            var id = id
            return id.withUTF8 { bytes in
                let plain = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x80 }
                return arena.key(bytes, head: plain ? KeyedHash.head(bytes) : nil)!
            }
        }
        let keys = ids.map(key)
        let table = try #require(IDTable(keys: keys, from: arena))
        for (i, id) in ids.enumerated() { #expect(table.find(id) == i, "\(id)") }
        let probes = ids + ["c5000", "credential-number-300", "1234567", "12345678\u{0}", "b"]
        var found = probes.map { Int(truncatingIfNeeded: key($0)) }
        found.withUnsafeMutableBufferPointer { table.findAll($0, in: arena) }
        #expect(found == Array(ids.indices) + [-1, -1, -1, -1, -1])
        for (a, b) in [(0, 1), (7, 31), (40, 4_000), (5_001, 5_200), (5_302, 5_303)] {
            var repeated = keys
            repeated[b] = key(ids[a])
            #expect(IDTable(keys: repeated, from: arena) == nil, "\(ids[a]) at \(b)")
        }
    }
}
