/// A span of a script, as offsets in its Unicode scalars; line and column are computed
/// only to print an error.
public struct SourceRange: Sendable, Equatable {
    public var start: Int
    public var end: Int

    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = end
    }
}

/// What a token is.
enum TokenKind: String, Sendable, Equatable {
    case word, string, number, date, parameter
    case meta, metaArgument
    case pipe = "|", comma = ",", semicolon = ";", newline = "newline"
    case leftParen = "(", rightParen = ")"
    case equal = "=", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case tilde = "~"
    case plus = "+", minus = "-", star = "*", slash = "/"
    case end = "end of input"
}

/// One token: its kind, its text (a string's value unescaped, a parameter's name without `$`,
/// a meta-command's name without `.`) and where it is.
struct Token: Sendable, Equatable {
    var kind: TokenKind
    var text: String
    var range: SourceRange

    /// Whether this is the given keyword (words compare without case).
    func isKeyword(_ keyword: String) -> Bool {
        kind == .word && text.lowercased() == keyword
    }

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case .word, .number, .date: "'\(text)'"
        case .string: "string \"\(text)\""
        case .parameter: "'$\(text)'"
        case .meta: "'.\(text)'"
        case .metaArgument: "'\(text)'"
        case .newline: "end of line"
        case .end: "end of input"
        default: "'\(kind.rawValue)'"
        }
    }
}
