import Foundation

/// The meta-commands (`.help`, `.format`, `.load`, `.save`, `.output`, `.read`, ...): the
/// session's settings and files, and the tables about it.
extension Session {
    func meta(_ command: MetaCommand, name: String, outcome: inout Outcome) throws(ScriptError) {
        let argument = command.argument?.trimmingCharacters(in: .whitespaces)
        let arg = (argument?.isEmpty ?? true) ? nil : argument
        let argRange = command.argumentRange ?? command.nameRange
        func usage(_ text: String) -> ScriptError { ScriptError(.metaArgument(command: command.name, usage: text), argRange) }
        switch command.name.lowercased() {
        case "help":
            writeOut(Help.text(topic: arg))
        case "format":
            guard let arg else { writeOut("format: \(format.rawValue)\n"); return }
            guard let f = OutputFormat(rawValue: arg.lowercased()) else { throw ScriptError(.unknownFormat(arg), argRange) }
            format = f
        case "timer":
            switch arg?.lowercased() {
            case "on": timer = true
            case "off": timer = false
            default: throw usage("on or off")
            }
        case "trust":
            guard let arg else { writeOut("trust: \(trust.rawValue)\n"); return }
            guard let t = Trust(rawValue: arg.lowercased()) else { throw usage("any, unrefuted or verified") }
            trust = t
        case "maxstates":
            guard let arg else { writeOut("maxstates: \(stateBudget)\n"); return }
            guard let n = Int(arg.replacingOccurrences(of: "_", with: "")), n > 0 else { throw usage("a whole number of states above 0") }
            stateBudget = n
        case "maxrows":
            guard let arg else {
                let shown = maxRows.map { $0 == 0 ? "0 (every row)" : "\($0)" } ?? screenRows.map { "\($0) (what fits the screen)" } ?? "0 (every row: not a terminal)"
                writeOut("maxrows: \(shown)\n")
                return
            }
            guard let n = Int(arg.replacingOccurrences(of: "_", with: "")), n >= 0 else { throw usage("a whole number of rows, 0 for all") }
            maxRows = n
        case "load":
            guard let path = arg else { throw usage("the path of a graph file, or --catalog") }
            if path == "--catalog" {
                try loadCatalog(range: argRange)
            } else {
                try load(path: path, range: argRange)
            }
        case "save":
            let saveUsage = "a file path (add --force to replace a file this session loaded)"
            guard let arg, arg != "--force" else { throw usage(saveUsage) }
            try save(arg, range: argRange)
        case "schema":
            try emit(schemaTable(), range: command.range)
        case "stats":
            try emit(statsTable(), range: command.range)
        case "assumptions":
            let rows = assumptions.map { a in
                Row([.text(a.learner), .text(a.credential), .date(a.issued), .text(VerificationStatus.assumed.rawValue)])
            }
            try emit(Table(columns: ["learner", "credential", "issued", "status"], rows: rows), range: command.range)
        case "params":
            var rows = parameters.sorted { $0.key < $1.key }.map { Row([.text("$" + $0.key), .text("parameter"), .text($0.value)]) }
            rows += variables.sorted { $0.key < $1.key }.map { Row([.text($0.key), .text("variable"), .text("\($0.value.rows.count) rows")]) }
            try emit(Table(columns: ["name", "kind", "value"], rows: rows), range: command.range)
        case "output":
            try redirectOutput(to: arg, range: argRange)
        case "read":
            guard let path = arg else { throw usage("the path of a script") }
            try read(path: path, range: argRange, outcome: &outcome)
        case "quit", "exit":
            quitRequested = true
        default:
            let suggestion = Suggest.closest(to: command.name, among: Keywords.metaCommands, limit: 1).first
            throw ScriptError(.unknownMetaCommand(command.name, suggestion: suggestion), command.nameRange)
        }
    }

    /// `.load --catalog`: the default catalog joined to what is loaded (once).
    func loadCatalog(range: SourceRange) throws(ScriptError) {
        let catalog = SourceFiles.defaultCatalogSources
        if sources.contains(where: { s in catalog.contains { $0.name == s.name } }) {
            writeErr("the default catalog is already loaded\n")
            return
        }
        try reload(catalog + sources, range: range)
        writeErr("loaded the default catalog: \(graph.credentials.count) credentials, \(graph.learners.count) learners in all\n")
    }

    /// The graph loaded anew from these sources (all of them, or nothing changes).
    @discardableResult
    func reload(_ all: [GraphSource], range: SourceRange) throws(ScriptError) -> GraphLoader.Loaded {
        do {
            let loaded = try GraphLoader.load(all)
            graph = loaded.graph
            if warmsIndexes { graph.warmIndexes() }
            sources = all
            return loaded
        } catch {
            throw ScriptError(.graphError(error), range)
        }
    }

    func load(path: String, range: SourceRange) throws(ScriptError) {
        let added: [GraphSource]
        do { added = try SourceFiles.read([path]) } catch { throw ScriptError(.graphError(error), range) }
        let loaded = try reload(sources + added, range: range)
        for w in loaded.warnings where w.file == path { writeErr("\(w)\n") }
        writeErr("loaded \(path): \(graph.credentials.count) credentials, \(graph.learners.count) learners in all\n")
    }

    /// The files this session loaded from disk, resolved to absolute paths.
    private var loadedPaths: Set<String> {
        Set(sources.filter { !$0.name.hasPrefix("<catalog>") && $0.name != "-" }.map { Self.absolute($0.name) })
    }

    func save(_ argument: String, range: SourceRange) throws(ScriptError) {
        var path = argument
        var force = false
        if path.hasPrefix("--force ") {
            force = true
            path = String(path.dropFirst("--force ".count)).trimmingCharacters(in: .whitespaces)
        }
        let replacesASource = loadedPaths.contains(Self.absolute(path))
        if !force, replacesASource {
            throw ScriptError(.io(path: path, reason: "this session loaded that file; .save --force \(path) replaces it"), range)
        }
        do {
            try AtomicFile.write(GraphWriter.json(graph), to: path)
        } catch {
            throw ScriptError(.io(path: path, reason: SourceFiles.describe(ioError: error)), range)
        }
        // The file now holds the whole graph: a later `.load` reads it alone, not it and the
        // files it was merged from (which would define everything twice).
        if replacesASource { sources = [.file(path)] }
        writeErr("saved \(graph.credentials.count) credentials, \(graph.learners.count) learners to \(path)\n")
    }

    func redirectOutput(to path: String?, range: SourceRange) throws(ScriptError) {
        outputFile?.closeFile()
        outputFile = nil
        outputPath = nil
        guard let path else { return }
        if loadedPaths.contains(Self.absolute(path)) {
            throw ScriptError(.io(path: path, reason: "this session loaded that file as a graph; .output will not overwrite it"), range)
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw ScriptError(.io(path: path, reason: "cannot open for writing"), range)
        }
        outputFile = handle
        outputPath = path
    }

    func read(path: String, range: SourceRange, outcome: inout Outcome) throws(ScriptError) {
        guard readDepth < 16 else { throw ScriptError(.readDepth(path), range) }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScriptError(.io(path: path, reason: SourceFiles.describe(ioError: error)), range)
        }
        readDepth += 1
        defer { readDepth -= 1 }
        let inner = run(text, name: path)
        if let worst = inner.worst {
            outcome.failures += inner.failures
            // The inner script reported its own errors; stop the outer one here, silently.
            throw ScriptError(.reported(worst), range)
        }
    }

    func schemaTable() -> Table {
        var rows: [Row] = []
        for kind in EntityKind.allCases {
            for f in Schema.fields(of: kind) { rows.append(Row([.text(kind.plural), .text(f.name), .text(f.type), .text(f.doc)])) }
        }
        return Table(columns: ["entity", "field", "type", "description"], rows: rows)
    }

    func statsTable() -> Table {
        let holdings = graph.learners.reduce(0) { $0 + $1.holdings.count }
        let composites = graph.credentials.filter { $0.stack != nil }.count
        let rows: [(String, Int)] = [
            ("organizations", graph.organizations.count), ("skills", graph.skills.count),
            ("credentials", graph.credentials.count), ("composite credentials", composites),
            ("roles", graph.roles.count), ("learners", graph.learners.count), ("holdings", holdings),
            ("files", sources.count),
        ]
        return Table(columns: ["what", "count"], rows: rows.map { Row([.text($0.0), .number(Double($0.1))]) })
    }
}
