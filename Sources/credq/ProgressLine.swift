import CredqKit
import Foundation

/// The line on stderr that says how a long plan is going: drawn once a plan has run for a
/// second, rewritten in place at most ten times a second, and cleared when the answer comes.
/// Only for a person watching: stdout and stderr both terminals, and not a JSON format.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var shown = false
    private var drawnAt = 0.0

    /// Whether a progress line belongs on this run's screen.
    static func wanted(format: OutputFormat) -> Bool {
        Terminal.stdoutIsTerminal && Terminal.stderrIsTerminal && format != .json && format != .ndjson
    }

    func update(_ progress: Planner.Progress) {
        lock.lock()
        defer { lock.unlock() }
        if progress.done {
            if shown { Terminal.writeErr("\r\u{1B}[K") }
            shown = false
            drawnAt = 0
            return
        }
        guard progress.seconds >= 1, !shown || progress.seconds - drawnAt >= 0.1 else { return }
        drawnAt = progress.seconds
        var text = Self.text(progress)
        let width = Terminal.width ?? 80
        if text.count >= width { text = String(text.prefix(max(1, width - 2))) + "…" }
        Terminal.writeErr("\r\u{1B}[K" + text)
        shown = true
    }

    static func text(_ p: Planner.Progress) -> String {
        func figures(_ f: (cost: Double, count: Int, weeks: Double)) -> String {
            "cost \(Value.format(f.cost)), \(f.count) credential\(f.count == 1 ? "" : "s"), \(Value.format(f.weeks)) weeks"
        }
        var parts = ["planning (Ctrl-C stops): \(p.states) states, \(String(format: "%.1f", p.seconds)) s"]
        if p.found > 0 { parts.append("\(p.found) stack\(p.found == 1 ? "" : "s") proven") }
        if let best = p.best { parts.append("best so far: " + figures(best)) }
        parts.append("none better than " + figures(p.bound) + " left unseen")
        return parts.joined(separator: "; ")
    }
}
