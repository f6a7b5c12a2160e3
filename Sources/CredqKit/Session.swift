import Foundation

/// One credq session: a graph, the bindings and settings a script builds up, and the pipeline
/// `source → tokens → AST → evaluation → table → output format` that the REPL, `-c`, `run` and
/// stdin scripts all share.
public final class Session {
    public private(set) var graph: Graph {
        didSet { trustLedger = nil }  // statuses are the old graph's
    }
    /// The files the graph was loaded from; nil entries stand for the built-in catalog.
    private var sources: [GraphSource]
    public var format: OutputFormat
    public var style: Renderer.Style
    public var timer = false
    /// Whether every graph loaded is indexed at once on another thread (`Graph.warmIndexes`),
    /// as the REPL wants.
    public var warmsIndexes = false {
        didSet { if warmsIndexes { graph.warmIndexes() } }
    }
    public var parameters: [String: String]
    public private(set) var variables: [String: Table] = [:]
    /// Polled by long queries: true stops them with `interrupted`.
    public var isInterrupted: @Sendable () -> Bool = { false }
    /// Whether errors are written with colour.
    public var colorErrors = false
    /// The day `verify` checks against when a statement names none (`--at`); nil is today.
    public var verificationDay: Day? {
        didSet { trustLedger = nil }
    }
    /// Which holdings count in answers about learners (`.trust`, `--trust`).
    public var trust: Trust = .unrefuted
    /// The holdings' statuses, found as answers need them (see `TrustLedger`).
    private var trustLedger: TrustLedger?
    private var ledger: TrustLedger {
        if let trustLedger { return trustLedger }
        let made = TrustLedger(day: verificationDay ?? Day.today)
        trustLedger = made
        return made
    }
    /// How many states one planning question may take before it stops with an error
    /// (`--max-states`, `.maxstates`).
    public var stateBudget = Planner.Options().stateBudget
    /// Told how a long plan is going; the command line sets it when a person is watching.
    public var planProgress: (@Sendable (Planner.Progress) -> Void)?

    /// Where results go, and where errors, warnings and timings go.
    private let writeOut: (String) -> Void
    private let writeErr: (String) -> Void
    /// `.output FILE`: results go to this file until `.output` alone.
    private var outputFile: FileHandle?
    private var outputPath: String?
    private var readDepth = 0
    /// How many answers were written, so tables for people get a blank line between them.
    private var answersWritten = 0
    public private(set) var quitRequested = false

    /// The outcome of running a script: how many statements failed and the worst kind of error.
    public struct Outcome: Sendable {
        public var failures = 0
        public var worst: ErrorCategory?
    }

    public init(graph: Graph, sources: [GraphSource], format: OutputFormat, style: Renderer.Style = .init(),
                parameters: [String: String] = [:], out: @escaping (String) -> Void, err: @escaping (String) -> Void) {
        self.graph = graph
        self.sources = sources
        self.format = format
        self.style = style
        self.parameters = parameters
        self.writeOut = out
        self.writeErr = err
    }

    // MARK: - Loading graphs


    // MARK: - Running scripts

    /// Parses and runs a script. Syntax errors are all reported and nothing runs; otherwise
    /// statements run in order, stopping at the first error unless `keepGoing`.
    @discardableResult
    public func run(_ source: String, name: String, keepGoing: Bool = false) -> Outcome {
        var outcome = Outcome()
        if readDepth == 0 { answersWritten = 0 }
        let (script, errors) = Parser.parse(source)
        if !errors.isEmpty {
            let lines = SourceLines(source)
            for e in errors { report(e, name: name, lines: lines) }
            outcome.failures = errors.count
            outcome.worst = .syntax
            return outcome
        }
        var lines: SourceLines?  // found at the first error
        for statement in script.statements {
            if quitRequested { break }
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                try execute(statement, name: name, source: source, outcome: &outcome)
            } catch {
                if lines == nil { lines = SourceLines(source) }
                report(error, name: name, lines: lines!)
                outcome.failures += 1
                outcome.worst = Self.worse(outcome.worst, error.problem.category)
                if case .interrupted = error.problem { break }
                if !keepGoing { break }
            }
            if timer {
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                writeErr("time: \(Value.format(ms)) ms\n")
            }
        }
        return outcome
    }

    /// Which of two error kinds decides the exit status: the most serious one.
    public static func worse(_ a: ErrorCategory?, _ b: ErrorCategory) -> ErrorCategory {
        let rank: [ErrorCategory: Int] = [.query: 1, .syntax: 2, .graph: 3, .io: 4, .interrupted: 5]
        guard let a else { return b }
        return rank[a, default: 0] >= rank[b, default: 0] ? a : b
    }

    /// Whether the text so far is an unfinished statement (an open string or parenthesis, a
    /// line ending in `|`, `,`, `and` or `or`): the REPL then reads another line.
    public static func needsContinuation(_ text: String) -> Bool {
        Lexer.needsContinuation(text)
    }

    /// Checks a script's syntax without running it.
    public static func check(_ source: String) -> [ScriptError] {
        Parser.parse(source).errors
    }

    private func report(_ error: ScriptError, name: String, lines: SourceLines) {
        if case .reported = error.problem { return }
        // On a terminal the ^C that stopped a query is echoed without a line end.
        if case .interrupted = error.problem, colorErrors { writeErr("\n") }
        writeErr(error.rendered(sourceName: name, lines: lines, color: colorErrors))
    }

    private func execute(_ statement: Statement, name: String, source: String, outcome: inout Outcome) throws(ScriptError) {
        // An answer that left holdings out says so once, after it.
        defer {
            if let note = trustLedger?.notice(graph) { writeErr(note) }
            if let note = graph.totals.notice(graph) { writeErr(note) }
        }
        switch statement {
        case .pipeline(let pipeline):
            let table = try evaluator.evaluate(pipeline)
            try emit(table, range: pipeline.range)
        case .binding(let binding):
            variables[binding.name] = try evaluator.evaluate(binding.value).materialized()
        case .meta(let command):
            try meta(command, name: name, outcome: &outcome)
        }
    }

    private var evaluator: Evaluator {
        Evaluator(graph: graph, variables: variables, parameters: parameters, isInterrupted: isInterrupted,
                  verificationDay: verificationDay, stateBudget: stateBudget, progress: planProgress,
                  trust: trust, ledger: trust == .any ? nil : ledger)
    }

    /// Evaluates one pipeline and returns its table (for tests and embedding).
    public func evaluate(_ source: String) throws(ScriptError) -> Table {
        let (script, errors) = Parser.parse(source)
        if let first = errors.first { throw first }
        guard let statement = script.statements.first, case .pipeline(let pipeline) = statement else {
            throw ScriptError(.unexpected(found: "no query", expected: "a query"), nil)
        }
        return try evaluator.evaluate(pipeline).materialized()
    }

    private func emit(_ table: Table, range: SourceRange?) throws(ScriptError) {
        if let pending = table.pending, [.ndjson, .tsv, .csv, .json].contains(format) {
            try stream(table, pending)
            return
        }
        let table = table.materialized()
        var style = self.style
        if outputFile != nil { style.color = false }
        let text: String
        do {
            text = try Renderer.render(table, as: format, style: style, graph: graph)
        } catch {
            throw ScriptError(error.problem, error.range ?? range)
        }
        let separated = (format == .table || format == .markdown) && answersWritten > 0 ? "\n" + text : text
        answersWritten += 1
        if let outputFile {
            outputFile.write(Data(separated.utf8))
        } else {
            writeOut(separated)
        }
    }

    /// Writes a listing's rows a batch at a time, building each batch only when the one before
    /// is written: the first row of a million appears at once, memory stays flat, and a reader
    /// that stops early (`| head -1`) stops the work.
    private func stream(_ table: Table, _ pending: PendingRows) throws(ScriptError) {
        func write(_ text: String) {
            if let outputFile { outputFile.write(Data(text.utf8)) } else { writeOut(text) }
        }
        answersWritten += 1
        let count = pending.indexes.count
        if format == .json, count == 0 { write("[]\n"); return }
        var start = 0
        repeat {
            if start > 0, isInterrupted() { throw ScriptError(.interrupted, nil) }
            let end = min(count, start + (start == 0 ? 64 : 4096))
            var batch = Table(columns: table.columns, rows: pending.rows(start..<end), entityKind: table.entityKind)
            batch.pending = nil
            var text: String
            switch format {
            case .json:
                text = (start == 0 ? "[\n" : ",\n") + batch.rows.map { "  " + Renderer.jsonObject(batch.columns, $0) }.joined(separator: ",\n")
                if end == count { text += "\n]\n" }
            default:
                text = try Renderer.render(batch, as: format)  // an error here is the statement's, never an empty answer
                if start > 0, format != .ndjson, let newline = text.utf8.firstIndex(of: UInt8(ascii: "\n")) {  // the header, once
                    text = String(text[text.utf8.index(after: newline)...])
                }
            }
            write(text)
            start = end
        } while start < count
    }

    // MARK: - Meta-commands


    private func meta(_ command: MetaCommand, name: String, outcome: inout Outcome) throws(ScriptError) {
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
    private func loadCatalog(range: SourceRange) throws(ScriptError) {
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
    private func reload(_ all: [GraphSource], range: SourceRange) throws(ScriptError) -> GraphLoader.Loaded {
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

    private func load(path: String, range: SourceRange) throws(ScriptError) {
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

    public static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    private func save(_ argument: String, range: SourceRange) throws(ScriptError) {
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

    private func redirectOutput(to path: String?, range: SourceRange) throws(ScriptError) {
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

    private func read(path: String, range: SourceRange, outcome: inout Outcome) throws(ScriptError) {
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

    // MARK: - Tables about the session

    private func schemaTable() -> Table {
        var rows: [Row] = []
        for kind in EntityKind.allCases {
            for f in Schema.fields(of: kind) { rows.append(Row([.text(kind.plural), .text(f.name), .text(f.type), .text(f.doc)])) }
        }
        return Table(columns: ["entity", "field", "type", "description"], rows: rows)
    }

    private func statsTable() -> Table {
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

