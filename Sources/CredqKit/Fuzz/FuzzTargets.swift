/// What the fuzzers exercise, one function per target: each takes any bytes, must return
/// (never crash, never hang), and traps when an invariant breaks, so libFuzzer reports the
/// input. The tests replay the corpora and every saved crash through the same functions.
public enum FuzzTargets {
    public static let names = ["lexer", "parser", "evaluator", "loader", "token", "snapshot"]

    /// Runs the named target on one input; false for an unknown name.
    @discardableResult
    public static func run(_ name: String, _ bytes: [UInt8]) -> Bool {
        switch name {
        case "lexer": lexer(bytes)
        case "parser": parser(bytes)
        case "evaluator": evaluator(bytes)
        case "loader": loader(bytes)
        case "token": token(bytes)
        case "snapshot": snapshot(bytes)
        default: return false
        }
        return true
    }

    /// Tokens and errors lie inside the text, in order.
    static func lexer(_ bytes: [UInt8]) {
        let source = String(decoding: bytes, as: UTF8.self)
        let (tokens, errors) = Lexer.tokenize(source)
        let length = source.unicodeScalars.count
        var last = 0
        for token in tokens {
            precondition(token.range.start >= last && token.range.end <= length && token.range.start <= token.range.end, "token outside the text")
            last = token.range.start
        }
        for error in errors { precondition(error.range.map { $0.end <= length } ?? true, "error outside the text") }
        _ = Lexer.needsContinuation(source)
    }

    /// Every syntax error is located inside the text and renders.
    static func parser(_ bytes: [UInt8]) {
        let source = String(decoding: bytes, as: UTF8.self)
        let (_, errors) = Parser.parse(source)
        let length = source.unicodeScalars.count
        for error in errors {
            precondition(error.range.map { $0.start <= $0.end && $0.end <= length } ?? true, "syntax error outside the text")
            _ = error.rendered(sourceName: "fuzz.cq", source: source, color: false)
        }
    }

    private static let catalog: Graph = { try! GraphLoader.load(SourceFiles.defaultCatalogSources).graph }()

    /// Scripts on the built-in catalog, without the meta-commands that touch files.
    static func evaluator(_ bytes: [UInt8]) {
        let source = String(decoding: bytes, as: UTF8.self)
        let (script, errors) = Parser.parse(source)
        guard errors.isEmpty else { return }
        let session = Session(graph: catalog, sources: SourceFiles.defaultCatalogSources, format: .json, out: { _ in }, err: { _ in })
        for statement in script.statements {
            switch statement {
            case .meta: continue
            case .pipeline(let pipeline):
                let text = String(source.unicodeScalars.dropFirst(pipeline.range.start).prefix(pipeline.range.end - pipeline.range.start))
                for format in [OutputFormat.json, .table, .dot] {
                    session.format = format
                    session.run(text, name: "fuzz.cq")
                }
            case .binding, .assume, .forgetAssumptions:
                let range = statement.range
                let text = String(source.unicodeScalars.dropFirst(range.start).prefix(range.end - range.start))
                session.run(text, name: "fuzz.cq")
            }
        }
    }

    /// A graph file: the fast loader never accepts what the thorough one reports, both build
    /// the same graph, and every error names a place in the file.
    static func loader(_ bytes: [UInt8]) {
        let sources = [GraphSource(name: "fuzz.json", bytes: bytes)]
        let fast = FastGraphReader.load(sources)
        switch Result(catching: { () throws(GraphLoadError) in try GraphLoader.loadThoroughly(sources) }) {
        case .success(let loaded):
            if let fast {
                precondition(loaded.warnings.isEmpty, "the fast loader accepted a file with warnings")
                precondition(GraphWriter.json(fast) == GraphWriter.json(loaded.graph), "the two loaders disagree")
            }
            // What is saved loads again, the same.
            let saved = GraphWriter.json(loaded.graph)
            let again = try? GraphLoader.load([GraphSource(name: "saved.json", bytes: Array(saved.utf8))]).graph
            precondition(again.map { GraphWriter.json($0) == saved } ?? false, "a saved graph does not load back")
        case .failure(let error):
            precondition(fast == nil, "the fast loader accepted a file with errors")
            precondition(!error.diagnostics.isEmpty, "a failed load with nothing to say")
            for d in error.diagnostics { _ = d.description }
        }
    }

    private static let issuerKeys: [CredentialFiles.Key] = {
        // The seeds' first issuer key, so signatures are checked for real, not only parsed.
        for org in catalog.organizations {
            for case .object(let jwk) in org.keys {
                if let keys = try? CredentialFiles.keys(from: Array(JSONValue.object(jwk).serialized().utf8), name: "seed"), !keys.isEmpty {
                    return keys
                }
            }
        }
        return []
    }()

    private static let revocations: StatusLists = {
        var lists = StatusLists()
        try? lists.add(Array(#"{"revokedCredential": [{"id": "urn:revoked"}]}"#.utf8), name: "fuzz", url: nil, keys: [], on: Day(year: 2026, month: 11, day: 29))
        return lists
    }()

    /// A credential file or token: verified, with a clear outcome, whatever it holds; the same
    /// bytes as a status list and as GZIP data.
    static func token(_ bytes: [UInt8]) {
        let day = Day(year: 2026, month: 11, day: 29)
        let outcome = CredentialFiles.verify(bytes, name: "fuzz.jwt", keys: issuerKeys, lists: revocations, on: day)
        var lists = StatusLists()
        try? lists.add(bytes, name: "fuzz.json", url: nil, keys: [], on: day)
        if let expanded = try? Gzip.decompress(bytes, limit: 1 << 20) { precondition(expanded.count <= 1 << 20, "past the GZIP limit") }
        precondition(!outcome.reason.isEmpty || outcome.status == .valid, "an outcome without a reason")
        _ = CompactJWS.screen(String(decoding: bytes, as: UTF8.self))
        _ = try? CredentialFiles.keys(from: bytes, name: "fuzz.jwk")
    }

    /// A snapshot file, as it is and with its checksums made to fit (as a crafted file would
    /// carry them): refused with a reason, or every part of it checked, after which every
    /// entity, index and lookup reads without fault and the graph writes out and loads back.
    static func snapshot(_ bytes: [UInt8]) {
        SnapshotDamageHandler.handle = { preconditionFailure("damage found after every check passed: \($0)") }
        for candidate in [bytes, SnapshotSeal.resealed(bytes)].compactMap({ $0 }) {
            let file: SnapshotFile
            do {
                file = try SnapshotFile(path: "fuzz.cqs", file: MappedFile(copying: candidate))
                try file.checkAll()
            } catch {
                precondition(!error.reason.isEmpty, "a refusal without a reason")
                continue
            }
            let graph = Graph(snapshot: file)
            let saved = GraphWriter.json(graph)
            for kind in EntityKind.allCases {
                for i in 0..<graph.count(of: kind) {
                    let ref = EntityRef(kind: kind, index: i)
                    _ = graph.index(of: graph.id(of: ref), kind: kind)
                    _ = graph.entities(named: NameIndex.lowered(graph.name(of: ref)))
                }
            }
            for c in graph.credentials.indices { _ = Array(graph.holders[c]) }
            _ = graph.taughtBy
            _ = graph.partOf
            _ = graph.credentials(of: .badge)
            // The thorough loader may refuse what a crafted snapshot holds (a cycle, a repeated
            // id); what it accepts is the same graph.
            if let again = try? GraphLoader.loadThoroughly([GraphSource(name: "saved.json", bytes: Array(saved.utf8))]).graph {
                precondition(GraphWriter.json(again) == saved, "a snapshot's graph does not load back the same")
            }
        }
    }
}
