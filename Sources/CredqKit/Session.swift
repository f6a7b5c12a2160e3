import Foundation

/// One credq session: a graph, the bindings and settings a script builds up, and the pipeline
/// `source → tokens → AST → evaluation → table → output format` that the REPL, `-c`, `run` and
/// stdin scripts all share.
public final class Session {
    public internal(set) var graph: Graph {
        didSet {
            trustLedger = nil  // statuses are the old graph's
            assumedGraph = nil
        }
    }
    /// Holdings assumed for the session (`assume`), by ids, in the order assumed.
    public internal(set) var assumptions: [Assumption] = [] {
        didSet { assumedGraph = nil }
    }
    public struct Assumption: Sendable, Equatable {
        public var learner: String
        public var credential: String
        public var issued: Day
    }
    private var assumedGraph: Graph?
    /// The graph the session's answers read: the loaded one with the assumed holdings.
    var queryGraph: Graph {
        if assumptions.isEmpty { return graph }
        if let assumedGraph { return assumedGraph }
        var extra: [Int: [Holding]] = [:]
        for a in assumptions {
            guard let l = graph.index(of: a.learner, kind: .learner), let c = graph.index(of: a.credential, kind: .credential) else { continue }
            let n = (extra[l]?.count ?? 0) + 1
            extra[l, default: []].append(Holding(id: "\(a.learner)-assumed-\(n)", credential: c, issued: a.issued, expires: nil, proof: nil))
        }
        let made = graph.assuming(extra)
        assumedGraph = made
        return made
    }
    /// The files the graph was loaded from; nil entries stand for the built-in catalog.
    var sources: [GraphSource]
    public var format: OutputFormat
    public var style: Renderer.Style
    public var timer = false
    /// Whether every graph loaded is indexed at once on another thread (`Graph.warmIndexes`),
    /// as the REPL wants.
    public var warmsIndexes = false {
        didSet { if warmsIndexes { graph.warmIndexes() } }
    }
    public var parameters: [String: String]
    public internal(set) var variables: [String: Table] = [:]
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
    var trustLedger: TrustLedger?
    var ledger: TrustLedger {
        if let trustLedger { return trustLedger }
        let made = TrustLedger(day: verificationDay ?? Day.today)
        trustLedger = made
        return made
    }
    /// `.maxrows N`: at most N rows of a `table` answer written to stdout, the first and the
    /// last; 0 for all; nil for the default, `screenRows`.
    public var maxRows: Int?
    /// The rows a table may take on the terminal stdout is (the command line sets it from the
    /// screen's height); nil when stdout is not a terminal, where every row is written.
    public var screenRows: Int?
    /// The row limit the next `table` answer is written with, or nil for all of them.
    var rowLimit: Int? {
        guard outputFile == nil, let limit = maxRows ?? screenRows, limit > 0 else { return nil }
        return limit
    }
    /// How many states one planning question may take before it stops with an error
    /// (`--max-states`, `.maxstates`).
    public var stateBudget = Planner.Options().stateBudget
    /// Told how a long plan is going; the command line sets it when a person is watching.
    public var planProgress: (@Sendable (Planner.Progress) -> Void)?

    /// Where results go, and where errors, warnings and timings go.
    let writeOut: (String) -> Void
    let writeErr: (String) -> Void
    /// `.output FILE`: results go to this file until `.output` alone.
    var outputFile: FileHandle?
    var outputPath: String?
    var readDepth = 0
    /// How many answers were written, so tables for people get a blank line between them.
    var answersWritten = 0
    public internal(set) var quitRequested = false

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

    // MARK: - Running scripts

    /// Runs a script: tokenize, parse, then each statement in order (evaluated through its
    /// query plan, rendered in the session's format). Syntax errors are all reported and
    /// nothing runs; a failing statement stops the script unless `keepGoing`.
    @discardableResult
    public func run(_ source: String, name: String, keepGoing: Bool = false) -> Outcome {
        if readDepth == 0 { answersWritten = 0 }
        let (tokens, lexErrors) = Lexer.tokenize(source)
        let (script, errors) = Parser.parse(tokens, lexErrors: lexErrors)
        if !errors.isEmpty { return rejected(errors, source: source, name: name) }
        var outcome = Outcome()
        var lines: SourceLines?  // found at the first error, once
        for statement in script.statements where !quitRequested {
            let went = run(statement, source: source, lines: &lines, name: name, outcome: &outcome)
            if went == .stopped || (went == .failed && !keepGoing) { break }
        }
        return outcome
    }

    enum Went { case ran, failed, stopped }

    /// One statement, timed when `.timer` is on; its error reported with its place.
    private func run(_ statement: Statement, source: String, lines: inout SourceLines?, name: String, outcome: inout Outcome) -> Went {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            if timer { writeErr("time: \(Value.format(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)) ms\n") }
        }
        do {
            try execute(statement, name: name, outcome: &outcome)
            return .ran
        } catch {
            if lines == nil { lines = SourceLines(source) }
            report(error, name: name, lines: lines!)
            outcome.failures += 1
            outcome.worst = Self.worse(outcome.worst, error.problem.category)
            if case .interrupted = error.problem { return .stopped }
            return .failed
        }
    }

    /// A script with syntax errors: every one reported, nothing run.
    func rejected(_ errors: [ScriptError], source: String, name: String) -> Outcome {
        let lines = SourceLines(source)
        for e in errors { report(e, name: name, lines: lines) }
        return Outcome(failures: errors.count, worst: .syntax)
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

    func report(_ error: ScriptError, name: String, lines: SourceLines) {
        if case .reported = error.problem { return }
        // On a terminal the ^C that stopped a query is echoed without a line end.
        if case .interrupted = error.problem, colorErrors { writeErr("\n") }
        writeErr(error.rendered(sourceName: name, lines: lines, color: colorErrors))
    }

    func execute(_ statement: Statement, name: String, outcome: inout Outcome) throws(ScriptError) {
        // An answer that left holdings out says so once, after it.
        defer {
            if let note = trustLedger?.notice(queryGraph) { writeErr(note) }
            if let note = graph.totals.notice(graph) { writeErr(note) }
        }
        switch statement {
        case .pipeline(let pipeline):
            let table = try evaluator.evaluate(pipeline)
            try emit(table, range: pipeline.range)
            for note in table.notes { writeErr("note: \(note)\n") }
        case .binding(let binding):
            variables[binding.name] = try evaluator.evaluate(binding.value).materialized()
        case .meta(let command):
            try meta(command, name: name, outcome: &outcome)
        case .assume(let learner, let credentials, _):
            try assume(learner, holds: credentials)
        case .forgetAssumptions:
            let n = assumptions.count
            assumptions = []
            writeErr("note: \(n) assumption\(n == 1 ? "" : "s") forgotten\n")
        }
    }

    /// `assume LEARNER holds CREDENTIAL, ...`: each credential the learner does not already
    /// hold (as the trust setting counts) becomes a holding issued today, until `forget`.
    private func assume(_ learnerName: NameRef, holds names: [NameRef]) throws(ScriptError) {
        let evaluator = self.evaluator
        let learner = try evaluator.resolve(learnerName, [.learner]).index
        var credentials: [Int] = []
        for n in names { credentials.append(try evaluator.resolve(n, [.credential]).index) }
        let held = Set(evaluator.countedCredentials(of: learner))
        _ = trustLedger?.notice(queryGraph)  // what was left out to answer this is not news
        let who = graph.learners[learner]
        for c in credentials {
            let credential = graph.credentials[c]
            if held.contains(c) {
                writeErr("note: \(who.name) already holds \(credential.name): nothing assumed\n")
                continue
            }
            let assumption = Assumption(learner: who.id, credential: credential.id, issued: verificationDay ?? Day.today)
            if assumptions.contains(assumption) { continue }
            assumptions.append(assumption)
            writeErr("note: assuming \(who.name) holds \(credential.name) (forget assumptions drops it)\n")
        }
    }

    var evaluator: Evaluator {
        Evaluator(graph: queryGraph, variables: variables, parameters: parameters, isInterrupted: isInterrupted,
                  verificationDay: verificationDay, stateBudget: stateBudget, progress: planProgress,
                  trust: trust, ledger: ledger)
    }

    /// Evaluates one pipeline and returns its table (for tests and embedding).
    public func evaluate(_ source: String) throws(ScriptError) -> Table {
        let (script, errors) = Parser.parse(source)
        if let first = errors.first { throw first }
        guard let statement = script.statements.first, case .pipeline(let pipeline) = statement else {
            throw ScriptError(.unexpected(found: "no query", expected: .query), nil)
        }
        return try evaluator.evaluate(pipeline).materialized()
    }


    public static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

}

