import ArgumentParser
import CredqKit
import Foundation

/// The options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp("A graph file to load (repeatable, merged in order; default: the built-in catalog).", valueName: "file"))
    var graph: [String] = []

    @Flag(name: .long, help: "Load the built-in catalog first, then the -g files (a learner's records or an import joined to the catalog).")
    var catalog = false

    @Option(name: [.short, .long], help: ArgumentHelp("Output format: table, json, ndjson, csv, tsv, markdown, dot (default: table on a terminal, tsv otherwise).", valueName: "format"))
    var format: String?

    @Option(name: [.short, .customLong("param")], help: ArgumentHelp("Set $NAME for the script (repeatable).", valueName: "name=value"))
    var params: [String] = []

    @Flag(name: .long, help: "Go on after a failed statement (the exit status is still non-zero).")
    var keepGoing = false

    @Flag(name: .long, help: "No colour (also when NO_COLOR is set).")
    var noColor = false

    @Option(name: .customLong("at"), help: ArgumentHelp("The day `verify` checks against, instead of today.", valueName: "YYYY-MM-DD"))
    var at: String?

    @Option(name: .long, help: ArgumentHelp("Which holdings count in answers about learners: any, unrefuted (default: all but tampered, revoked, suspended, expired, not yet valid or malformed) or verified.", valueName: "any|unrefuted|verified"))
    var trust: String?

    @Flag(name: .long, help: ArgumentHelp("Keep a snapshot of the -g files under $XDG_CACHE_HOME/credq and open it instead while the files are unchanged (path, size, modification time, content)."))
    var cache = false

    @Option(name: .customLong("max-states"), help: ArgumentHelp("How many states a planning question may take before it stops with an error (default 2000000; .maxstates in a session).", valueName: "n"))
    var maxStates: Int?

    func validate() throws {
        if let at, Day(at) == nil { throw ValidationError("--at takes a date YYYY-MM-DD, got '\(at)'") }
        if let trust, Trust(rawValue: trust.lowercased()) == nil {
            throw ValidationError("--trust takes any, unrefuted or verified, got '\(trust)'")
        }
        if let maxStates, maxStates <= 0 { throw ValidationError("--max-states takes a whole number above 0, got \(maxStates)") }
        if let format, OutputFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("unknown format '\(format)': use table, json, ndjson, csv, tsv, markdown or dot")
        }
        for p in params where !p.contains("=") || p.hasPrefix("=") {
            throw ValidationError("--param takes NAME=VALUE, got '\(p)'")
        }
    }

    var parameters: [String: String] {
        var out: [String: String] = [:]
        for p in params {
            let parts = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            out[String(parts[0]).trimmingCharacters(in: CharacterSet(charactersIn: "$"))] = String(parts[1])
        }
        return out
    }

    /// Loads the graph and builds a session that writes to stdout and stderr.
    func makeSession() throws -> Session {
        let sources: [GraphSource]
        let loaded: GraphLoader.Loaded
        do {
            sources = try SourceFiles.read(graph, catalog: catalog)
            if cache, !graph.isEmpty {
                let outcome: SnapshotCache.Outcome
                (loaded, outcome) = try SnapshotCache.load(sources)
                DebugTrace.load?("cache: \(outcome)\n")
                if case .notWritten(let reason) = outcome { Terminal.writeErr("credq: the cache was not written: \(reason)\n") }
            } else {
                loaded = try GraphLoader.load(sources)
            }
        } catch {
            throw ExitWith(reporting: error)
        }
        for w in loaded.warnings { Terminal.writeErr("\(w)\n") }
        let chosen = format.flatMap { OutputFormat(rawValue: $0.lowercased()) } ?? (Terminal.stdoutIsTerminal ? .table : .tsv)
        let color = Terminal.colorAllowed(noColorFlag: noColor)
        let session = Session(
            graph: loaded.graph, sources: sources, format: chosen,
            style: Renderer.Style(color: color && Terminal.stdoutIsTerminal, width: Terminal.width),
            parameters: parameters, out: Terminal.writeOut, err: Terminal.writeErr)
        session.colorErrors = color && Terminal.stderrIsTerminal
        session.verificationDay = at.flatMap(Day.init)
        session.isInterrupted = { Interrupt.pending }
        if let maxStates { session.stateBudget = maxStates }
        // On a terminal, a table shows what fits the screen: its header, rule and count line,
        // the gap's mark, and the prompt take six lines (40 rows when the height is unknown).
        if Terminal.stdoutIsTerminal { session.screenRows = Terminal.height.map { max(10, $0 - 6) } ?? 40 }
        if let trust = trust.flatMap({ Trust(rawValue: $0.lowercased()) }) { session.trust = trust }
        if ProgressLine.wanted(format: chosen) {
            let line = ProgressLine()
            session.planProgress = { line.update($0) }
        }
        sessionsUntilExit.append(session)
        return session
    }

    /// Runs scripts in order in one session, stopping after a failed one unless --keep-going.
    func runScripts(_ scripts: [(name: String, text: String)], in session: Session) -> ExitStatus {
        var worst: ErrorCategory?
        Interrupt.install()
        for script in scripts {
            let outcome = session.run(script.text, name: script.name, keepGoing: keepGoing)
            if let w = outcome.worst { worst = worst.map { Session.worse($0, w) } ?? w }
            if session.quitRequested || (outcome.worst != nil && !keepGoing) || outcome.worst == .interrupted { break }
        }
        return ExitStatus(worst)
    }
}

/// Sessions live until the process exits: tearing down millions of objects only to exit
/// would cost a large graph a good part of a second.
nonisolated(unsafe) var sessionsUntilExit: [Session] = []

@main
struct Credq: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credq",
        abstract: "Query a graph of micro-credentials: what they teach, how they stack, who holds them.",
        discussion: """
            With no arguments on a terminal, credq starts an interactive REPL on the default catalog; with \
            stdin not a terminal, it reads a script from stdin and prints only results.

            Examples:
              credq -c 'credentials where teaches python >= 2 | sort by cost | limit 5'
              credq run examples/mike.cq
              credq -c 'skills of cloud architect' -f json | jq '.[].name'

            \(ExitStatus.helpText)
            """,
        version: "credq \(Keywords.version)",
        subcommands: [RunCommand.self, CheckCommand.self, ValidateCommand.self, VerifyCommand.self, ImportCommand.self, SnapshotCommand.self]
    )

    @OptionGroup var options: GlobalOptions

    @Option(name: .short, help: ArgumentHelp("Run these statements and exit (repeatable: each runs, in order).", valueName: "query"))
    var command: [String] = []

    mutating func run() throws {
        let session = try options.makeSession()
        if !command.isEmpty {
            throw ExitWith(status: options.runScripts(command.map { ("-c", $0) }, in: session))
        }
        if Terminal.stdinIsTerminal {
            session.warmsIndexes = true  // the first question typed finds the indexes built
            let repl = REPL(session: session)
            throw ExitWith(status: repl.run())
        }
        let data = FileHandle.standardInput.readDataToEndOfFile()
        throw ExitWith(status: options.runScripts([("<stdin>", String(decoding: data, as: UTF8.self))], in: session))
    }

    /// Parses arguments and runs, mapping every outcome to one of the documented exit statuses.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        // The engine's debugging traces, asked for in the environment, go to stderr.
        let environment = ProcessInfo.processInfo.environment
        if environment["CREDQ_DEBUG_LOAD"] != nil { DebugTrace.load = { Terminal.writeErr($0) } }
        if environment["CREDQ_DEBUG_PLANNER"] != nil { DebugTrace.planner = { Terminal.writeErr($0) } }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitWith {
            Foundation.exit(exit.status.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Terminal.writeOut(fullMessage(for: error) + "\n")
                Foundation.exit(0)
            }
            Terminal.writeErr(fullMessage(for: error) + "\n")
            Foundation.exit(ExitStatus.usage.rawValue)
        }
    }
}

/// `credq run FILE...`: runs saved report scripts, in order.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run saved report scripts, in order.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("Scripts to run ('-' reads stdin).", valueName: "file"))
    var files: [String]

    mutating func run() throws {
        var scripts: [(name: String, text: String)] = []
        for file in files {
            guard let text = readScript(file) else { throw ExitWith(status: .io) }
            scripts.append((file, text))
        }
        let session = try options.makeSession()
        throw ExitWith(status: options.runScripts(scripts, in: session))
    }
}

/// Reads a script file, or reports why it cannot.
func readScript(_ path: String) -> String? {
    if path == "-" { return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
    guard let data = FileManager.default.contents(atPath: path) else {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let reason = !exists ? "No such file or directory" : isDirectory.boolValue ? "Is a directory" : "Permission denied"
        Terminal.writeErr("credq: \(path): \(reason)\n")
        return nil
    }
    return String(decoding: data, as: UTF8.self)
}

/// `credq check FILE...`: parses scripts without running them.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Parse scripts without running them; report every syntax error.")

    @Argument(help: ArgumentHelp("Scripts to check.", valueName: "file"))
    var files: [String]

    @Flag(name: .long, help: "No colour (also when NO_COLOR is set).")
    var noColor = false

    mutating func run() throws {
        var status = ExitStatus.success
        let color = Terminal.colorAllowed(noColorFlag: noColor) && Terminal.stderrIsTerminal
        for file in files {
            guard let text = readScript(file) else {
                status = .io
                continue
            }
            let errors = Session.check(text)
            for e in errors { Terminal.writeErr(e.rendered(sourceName: file, source: text, color: color)) }
            if !errors.isEmpty, status == .success { status = .syntax }
        }
        if status == .success { Terminal.writeErr("\(files.count) script\(files.count == 1 ? "" : "s") OK\n") }
        throw ExitWith(status: status)
    }
}

/// `credq validate GRAPH...`: checks graph files, merged as -g would load them.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check graph files against format v1; print counts, or every error.")

    @Argument(help: ArgumentHelp("Graph files, merged in order (default: the built-in catalog).", valueName: "graph"))
    var files: [String] = []

    mutating func run() throws {
        do {
            let sources = try SourceFiles.read(files)
            let loaded = try GraphLoader.load(sources)
            for w in loaded.warnings { Terminal.writeErr("\(w)\n") }
            let g = loaded.graph
            try GraphLoader.checkSnapshot(g)
            let holdings = g.learners.reduce(0) { $0 + $1.holdings.count }
            Terminal.writeOut("""
                valid: \(sources.count) file\(sources.count == 1 ? "" : "s")
                organizations  \(g.organizations.count)
                skills         \(g.skills.count)
                credentials    \(g.credentials.count)
                roles          \(g.roles.count)
                learners       \(g.learners.count)
                holdings       \(holdings)

                """)
        } catch {
            for d in error.diagnostics { Terminal.writeErr("\(d)\n") }
            let n = error.errors.count
            Terminal.writeErr("invalid: \(n) error\(n == 1 ? "" : "s")\n")
            throw ExitWith(status: error.isIOError ? .io : .invalidGraph)
        }
    }
}

/// `credq verify FILE... [--key FILE|KEY]... [--revocation-list FILE]... [--status-list [URL=]FILE]...
/// [--context URL=FILE]...`: credentials as they come.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify credential files: Open Badges 3.0 VC-JWT or JSON with a Data Integrity proof, Open Badges 2.0 signed assertions.",
        discussion: "Exit status 0 only when every file is valid; 1 when one is not; 2 when a --key, list or --context is not one; 5 when a file cannot be read.")

    @Argument(help: ArgumentHelp("Credential files (a compact JWS, or JSON).", valueName: "file"))
    var files: [String]

    @Option(name: .customLong("key"), help: ArgumentHelp("A public key: a file (JWK, JWKS, PEM, an Open Badges 2.0 CryptographicKey, a Multikey or a controller document with verificationMethod), or a Multikey (z6Mk...) or did:key written out (repeatable).", valueName: "file|key"))
    var keyArguments: [String] = []

    @Option(name: .customLong("revocation-list"), help: ArgumentHelp("An Open Badges 2.0 RevocationList or a 1EdTech revocation list (repeatable).", valueName: "file"))
    var revocationFiles: [String] = []

    @Option(name: .customLong("status-list"), help: ArgumentHelp("A Bitstring Status List credential (or a 1EdTech revocation list), found by its id, or standing for URL (repeatable).", valueName: "[url=]file"))
    var statusLists: [String] = []

    @Option(name: .customLong("context"), help: ArgumentHelp("A JSON-LD context to use for URL, from a file (repeatable).", valueName: "url=file"))
    var contextArguments: [String] = []

    @OptionGroup var options: GlobalOptions

    /// `URL=FILE` split at the first `=` after the URL's scheme; a bare FILE has no URL.
    static func split(_ argument: String) -> (url: String?, file: String) {
        guard argument.contains("://") || argument.hasPrefix("urn:") || argument.hasPrefix("did:"),
              let equals = argument.firstIndex(of: "=") else { return (nil, argument) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    mutating func run() throws {
        let day = options.at.flatMap(Day.init) ?? Day.today
        var keys: [CredentialFiles.Key] = []
        var lists = StatusLists()
        var contexts = CredentialFiles.Contexts()
        do {
            for argument in keyArguments {
                if FileManager.default.fileExists(atPath: argument) {
                    keys += try CredentialFiles.keys(from: try readFile(argument), name: argument)
                } else if let key = CredentialFiles.key(fromText: argument) {
                    keys.append(key)
                } else {
                    throw CredentialFiles.FileError.notAKey(argument, "no such file, and not a Multikey (z6Mk...) or an Ed25519 did:key")
                }
            }
            for argument in contextArguments {
                let (url, path) = Self.split(argument)
                guard let url, !path.isEmpty else {
                    throw CredentialFiles.FileError.notAContext(argument, "write it as URL=FILE")
                }
                try contexts.add(try readFile(path), url: url, name: path)
            }
            for path in revocationFiles {
                try CredentialFiles.addList(try readFile(path), name: path, to: &lists, keys: keys, on: day)
            }
            for argument in statusLists {
                let (url, path) = Self.split(argument)
                try CredentialFiles.addList(try readFile(path), name: path, url: url, to: &lists, keys: keys, on: day)
            }
        } catch let error as CredentialFiles.FileError {
            Terminal.writeErr("credq: \(error.description)\n")
            throw ExitWith(status: .usage)
        }
        var rows: [Row] = []
        var allValid = true, unreadable = false
        for path in files {
            // A file that cannot be read is said so on stderr; the others are still verified.
            guard let data = FileManager.default.contents(atPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
                Terminal.writeErr("credq: \(path): \(reason)\n")
                unreadable = true
                continue
            }
            let outcome = CredentialFiles.verify(Array(data), name: path, keys: keys, lists: lists, contexts: contexts, on: day)
            if outcome.status != .valid { allValid = false }
            rows.append(Row([.text(outcome.file), .text(outcome.issuer), outcome.keyID.map(Value.text) ?? .null,
                             .text(outcome.status.rawValue), .text(outcome.reason)]))
        }
        let table = Table(columns: ["file", "issuer", "key_id", "status", "reason"], rows: rows)
        let chosen = options.format.flatMap { OutputFormat(rawValue: $0.lowercased()) } ?? (Terminal.stdoutIsTerminal ? .table : .tsv)
        let style = Renderer.Style(color: Terminal.colorAllowed(noColorFlag: options.noColor) && Terminal.stdoutIsTerminal, width: Terminal.width)
        do {
            Terminal.writeOut(try Renderer.render(table, as: chosen, style: style))
        } catch {
            Terminal.writeErr("credq: \(error.problem.message)\n")
            throw ExitWith(status: .queryError)
        }
        throw ExitWith(status: unreadable ? .io : allValid ? .success : .queryError)
    }
}
