import CredqKit

/// The exit statuses of credq, distinct per kind of failure, as `--help` and the README list them.
enum ExitStatus: Int32 {
    case success = 0
    /// A statement failed: an unknown name, no stack reaches the target, a type error.
    case queryError = 1
    /// The command line was wrong.
    case usage = 2
    /// A script has a syntax error.
    case syntax = 3
    /// A graph file is invalid.
    case invalidGraph = 4
    /// A file could not be read or written.
    case io = 5
    /// Stopped by Ctrl-C (SIGINT), as shells report it.
    case interrupted = 130

    init(_ category: ErrorCategory?) {
        switch category {
        case nil: self = .success
        case .query: self = .queryError
        case .syntax: self = .syntax
        case .graph: self = .invalidGraph
        case .io: self = .io
        case .interrupted: self = .interrupted
        }
    }

    static let helpText = """
        EXIT STATUS:
          0    success
          1    query error: an unknown name, no stack reaches the target, a type error;
               for credq verify, a credential that is not valid
          2    usage error: wrong command-line arguments
          3    syntax error in a script
          4    invalid graph data
          5    I/O error: a file that cannot be read or written
          130  interrupted (Ctrl-C)
        """
}

/// Thrown to leave with a given status after the message was already written.
struct ExitWith: Error {
    var status: ExitStatus
}

extension ExitWith {
    /// Writes a failed load's every diagnostic (and how many errors, when several) to stderr,
    /// to leave with status 5 for a file that could not be read, else 4.
    init(reporting error: GraphLoadError) {
        for d in error.diagnostics { Terminal.writeErr("\(d)\n") }
        if error.errors.count > 1 { Terminal.writeErr("\(error.errors.count) errors\n") }
        self.init(status: error.isIOError ? .io : .invalidGraph)
    }
}
