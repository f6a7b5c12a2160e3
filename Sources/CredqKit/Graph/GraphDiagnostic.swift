/// A problem found while loading a graph file: an error that refuses the graph, or a warning.
public struct GraphDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var severity: Severity
    public var file: String
    /// The JSON path of the value, such as `credentials[41].requires[0]`; empty for the whole file.
    public var path: String
    /// 1-based line and column, for syntax errors.
    public var line: Int?
    public var column: Int?
    public var message: String

    /// One line: `file:line:col: error: message` or `file: path: error: message`.
    public var description: String {
        var where_ = file
        if let line, let column { where_ += ":\(line):\(column)" }
        if !path.isEmpty { where_ += ": \(path)" }
        return "\(where_): \(severity.rawValue): \(message)"
    }
}

/// The error thrown when a graph cannot be loaded: every error found, not only the first.
public struct GraphLoadError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [GraphDiagnostic]
    /// True when a file could not be read at all (an I/O error rather than invalid data).
    public var isIOError: Bool

    public var errors: [GraphDiagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
