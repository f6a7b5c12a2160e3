@preconcurrency import CReadline
import CredqKit
import Foundation

/// The interactive loop on GNU readline: line editing and ~/.inputrc, a persistent capped
/// history, context-aware Tab completion, a continuation prompt, Ctrl-C and Ctrl-D.
final class REPL {
    let session: Session
    static let prompt = "credq> "
    static let continuationPrompt = "  ...> "

    /// The history file: $CREDQ_HISTORY, else ~/.credq_history; at most `historyLimit` entries.
    let historyPath: String
    let historyLimit: Int32 = 1000
    private var historyWarned = false

    init(session: Session) {
        self.session = session
        let env = ProcessInfo.processInfo.environment
        historyPath = env["CREDQ_HISTORY"] ?? ((env["HOME"] ?? NSHomeDirectory()) + "/.credq_history")
    }

    func run() -> ExitStatus {
        configureReadline()
        Interrupt.install()
        Terminal.writeErr("credq \(Keywords.version): \(session.graph.credentials.count) credentials, \(session.graph.roles.count) roles, \(session.graph.learners.count) learners. .help to learn, Ctrl-D to leave.\n")
        REPLState.buffer = ""
        while true {
            Interrupt.clear()
            let prompt = REPLState.buffer.isEmpty ? Self.prompt : Self.continuationPrompt
            guard let raw = readline(prompt) else {
                // Ctrl-D: leave on an empty line; inside a statement, drop it and leave too.
                Terminal.writeOut("\n")
                break
            }
            let line = String(cString: raw)
            free(raw)
            REPLState.buffer += (REPLState.buffer.isEmpty ? "" : "\n") + line
            if Session.needsContinuation(REPLState.buffer) { continue }
            let entry = REPLState.buffer
            REPLState.buffer = ""
            if entry.allSatisfy(\.isWhitespace) { continue }
            remember(entry)
            Interrupt.clear()
            session.run(entry, name: "<repl>")
            if session.quitRequested { break }
        }
        return .success
    }

    // MARK: - History

    private func remember(_ entry: String) {
        // One history entry per statement: a multi-line statement is kept on one line.
        let single = entry.contains("#") ? entry : entry.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        add_history(single)
        let result = append_history(1, historyPath)
        if result != 0 {
            // The file may not exist yet: write it whole.
            if write_history(historyPath) != 0 { warnHistory(errno) }
        } else {
            history_truncate_file(historyPath, historyLimit)
        }
    }

    private func warnHistory(_ code: Int32) {
        guard !historyWarned else { return }
        historyWarned = true
        Terminal.writeErr("credq: warning: cannot write history to \(historyPath): \(String(cString: strerror(code))); going on without saving it\n")
    }

    // MARK: - Readline set-up

    private func configureReadline() {
        rl_readline_name = UnsafePointer(strdup("credq"))
        stifle_history(historyLimit)
        if FileManager.default.fileExists(atPath: historyPath) { read_history(historyPath) }
        Completion.graph = session.graph
        // A name in quotes is one word to complete, and readline closes the quote.
        rl_completer_quote_characters = UnsafePointer(strdup("\""))
        rl_attempted_completion_function = { text, start, end in
            Completion.complete(text: text, start: start, end: end)
        }
        // Ctrl-C is ours, not readline's: our handler only sets a flag, and every key readline
        // reads, and every read that a signal interrupts, checks it first. This also holds when
        // Ctrl-C and the keys after it arrive in one burst (readline's own hook then never runs).
        rl_catch_signals = 0
        rl_signal_event_hook = {
            REPLState.discardLineIfInterrupted()
            return 0
        }
        rl_getc_function = { stream in
            let c = rl_getc(stream)
            REPLState.discardLineIfInterrupted()
            return c
        }
    }
}

/// State the C callbacks reach: the statement being typed across lines.
enum REPLState {
    nonisolated(unsafe) static var buffer = ""

    /// After Ctrl-C while typing: drop the line (and a statement continued over lines) and
    /// show a fresh prompt.
    static func discardLineIfInterrupted() {
        guard Interrupt.pending else { return }
        Interrupt.clear()
        buffer = ""
        rl_free_line_state()
        rl_replace_line("", 0)
        Terminal.writeOut("^C")
        rl_crlf()
        rl_set_prompt(REPL.prompt)
        rl_on_new_line()
        rl_redisplay()
    }
}
