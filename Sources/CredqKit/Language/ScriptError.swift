/// Every error a script or a query can cause, with its source range.
///
/// The text of each message lives in one place: `Problem.message` and `Problem.help`.
public struct ScriptError: Error, Sendable {
    public var problem: Problem
    public var range: SourceRange?

    public init(_ problem: Problem, _ range: SourceRange?) {
        self.problem = problem
        self.range = range
    }
}

/// What kind of failure an error is; each maps to one exit status.
public enum ErrorCategory: Sendable {
    case syntax, query, graph, io, interrupted
}

/// What went wrong.
public enum Problem: Sendable {
    // Tokens and syntax
    case invalidCharacter(Character)
    case invalidEscape(Character)
    case unterminatedString
    case expectedParameterName
    case unexpected(found: String, expected: Expected)
    case unknownMetaCommand(String, suggestion: String?)
    case metaArgument(command: String, usage: String)
    case numberOutOfRange(String)
    case tooDeep(Int)
    case tooManyParts(Int)
    case tooManyErrors(shown: Int, total: Int)

    // Queries
    case unknownName(kinds: [EntityKind], name: String, candidates: [String])
    case ambiguousName(kinds: [EntityKind], name: String, candidates: [String], total: Int)
    case wrongKind(name: String, found: EntityKind, expected: [EntityKind])
    case unknownField(String, of: String, suggestions: [String])
    case unknownSource(String, suggestions: [String])
    case typeMismatch(Mismatch)
    /// A value no row of this kind (`credential`, `holding`) has in an enumerated field.
    case unknownValue(field: String, of: String, value: String, existing: [String], suggestions: [String])
    case relationNotApplicable(relation: String, to: String, appliesTo: String)
    case unknownFormat(String)
    case notAGraph
    case unknownParameter(String, suggestions: [String])
    case readDepth(String)
    case graphError(GraphLoadError)
    case io(path: String, reason: String)
    case noStack(target: String, reason: String)
    case searchTooLarge(states: Int, memoryMiB: Int?)
    case interrupted
    /// A failure inside `.read` that was already reported; counts as the given kind.
    case reported(ErrorCategory)

    public var category: ErrorCategory {
        switch self {
        case .invalidCharacter, .invalidEscape, .unterminatedString, .expectedParameterName, .unexpected,
            .unknownMetaCommand, .metaArgument, .numberOutOfRange, .tooDeep, .tooManyParts, .tooManyErrors:
            .syntax
        case .graphError(let e): e.isIOError ? .io : .graph
        case .io, .readDepth: .io
        case .interrupted: .interrupted
        case .reported(let c): c
        default: .query
        }
    }

    public var message: String {
        switch self {
        case .invalidCharacter(let c):
            "unexpected character '\(c.unicodeScalars.first.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String(c) } ?? "")'"
        case .invalidEscape(let c): "invalid escape '\\\(c)' in a string"
        case .unterminatedString: "unterminated string"
        case .expectedParameterName: "expected a parameter name after '$'"
        case .unexpected(let found, let expected): "expected \(expected.words), found \(found)"
        case .unknownMetaCommand(let name, _): "unknown meta-command \".\(name)\""
        case .metaArgument(let command, let usage): ".\(command) takes \(usage)"
        case .numberOutOfRange(let text): "number \(text) is out of range"
        case .tooDeep(let limit): "nested more than \(limit) levels deep"
        case .tooManyParts(let limit): "a condition joins more than \(limit) parts with 'and' and 'or'"
        case .tooManyErrors(let shown, let total): "\(total) syntax errors; the first \(shown) are shown"
        case .unknownName(let kinds, let name, _): "unknown \(Self.kindWords(kinds)) \"\(name)\""
        case .ambiguousName(let kinds, let name, _, let total):
            "\"\(name)\" matches \(total) \(Self.kindWords(kinds, plural: true))"
        case .wrongKind(let name, let found, let expected):
            "\"\(name)\" is a \(found.rawValue), expected a \(Self.kindWords(expected))"
        case .unknownField(let field, let entity, _): "unknown field \"\(field)\" for \(entity)"
        case .unknownSource(let word, _): "unknown source \"\(word)\": not a listing, a walk, a plan or a variable"
        case .typeMismatch(let mismatch): mismatch.words
        case .unknownValue(let field, let kind, let value, _, _): "no \(kind) has \(field) \"\(value)\""
        case .relationNotApplicable(let relation, let to, let appliesTo):
            "'\(relation)' applies to \(appliesTo), not to \(to)"
        case .unknownFormat(let name): "unknown output format \"\(name)\""
        case .notAGraph: "this answer is a table, not a graph: dot draws prerequisites and parts"
        case .unknownParameter(let name, _): "unknown parameter or variable \"$\(name)\""
        case .readDepth(let path): "\(path): .read nested too deeply (a script that reads itself?)"
        case .graphError(let e):
            e.isIOError ? "cannot read the graph file" : "the graph would be invalid: \(e.errors.count) error\(e.errors.count == 1 ? "" : "s"), nothing loaded"
        case .io(let path, let reason): "\(path): \(reason)"
        case .noStack(let target, let reason): "no stack reaches \"\(target)\": \(reason)"
        case .searchTooLarge(let states, let memoryMiB?):
            "the search stopped after \(states) state\(states == 1 ? "" : "s"), at its memory bound of \(memoryMiB) MiB, without proving the best stacks"
        case .searchTooLarge(let states, nil):
            "the search stopped after \(states) state\(states == 1 ? "" : "s") without proving the best stacks"
        case .interrupted: "interrupted"
        case .reported: "the script failed"
        }
    }

    public var help: String? {
        switch self {
        case .unknownName(_, _, let candidates) where !candidates.isEmpty,
            .ambiguousName(_, _, let candidates, _):
            "did you mean " + Self.orList(candidates) + "?"
        case .unknownMetaCommand(_, let suggestion?): "did you mean \".\(suggestion)\"? .help lists the meta-commands"
        case .unknownMetaCommand: ".help lists the meta-commands"
        case .unknownField(_, _, let suggestions) where !suggestions.isEmpty:
            "did you mean " + Self.orList(suggestions.map { "\"\($0)\"" }) + "? .schema lists every field"
        case .unknownField: ".schema lists every field"
        case .unknownSource(_, let suggestions) where !suggestions.isEmpty:
            "did you mean " + Self.orList(suggestions.map { "\"\($0)\"" }) + "?"
        case .unknownSource: "start with credentials, skills, roles, learners, organizations, or a name bound with let"
        case .unknownValue(let field, _, _, let existing, let suggestions):
            (suggestions.isEmpty ? "" : "did you mean " + Self.orList(suggestions.map { "\"\($0)\"" }) + "? ")
                + (existing.isEmpty ? "none has a \(field)" : "\(field) is one of: " + existing.joined(separator: ", "))
        case .unknownFormat: "formats: table, json, ndjson, csv, tsv, markdown, dot"
        case .searchTooLarge: "narrow it with max cost, max weeks or using, or allow more states: .maxstates N, or --max-states N on the command line"
        case .unknownParameter(_, let suggestions) where !suggestions.isEmpty:
            "did you mean " + Self.orList(suggestions.map { "\"$\($0)\"" }) + "? .params lists them"
        case .unknownParameter: "set one with --param NAME=VALUE, or bind a variable with let"
        case .wrongKind(_, let found, _): "write the kind before the name, such as 'credential ...', or check the \(found.rawValue)"
        default: nil
        }
    }

    static func kindWords(_ kinds: [EntityKind], plural: Bool = false) -> String {
        let words = kinds.map { plural ? $0.plural : $0.rawValue }
        if words.count == EntityKind.allCases.count { return plural ? "entities" : "name" }
        return words.count <= 1 ? (words.first ?? "name") : words.dropLast().joined(separator: ", ") + " or " + words.last!
    }

    static func orList(_ items: [String]) -> String {
        items.count <= 1 ? (items.first ?? "") : items.dropLast().joined(separator: ", ") + " or " + items.last!
    }
}

// MARK: - Rendering

extension ScriptError {
    /// The error as a user reads it: `file:line:col: error: message`, the source line with a
    /// caret under the range, and a help line.
    public func rendered(sourceName: String, source: String, color: Bool = false) -> String {
        rendered(sourceName: sourceName, lines: SourceLines(source), color: color)
    }

    /// Renders with the source's lines found once (`SourceLines`), so a script with thousands
    /// of errors is not rescanned for each.
    public func rendered(sourceName: String, lines: SourceLines, color: Bool = false) -> String {
        let red = color ? "\u{1B}[1;31m" : "", green = color ? "\u{1B}[1;32m" : "", cyan = color ? "\u{1B}[1;36m" : ""
        let bold = color ? "\u{1B}[1m" : "", reset = color ? "\u{1B}[0m" : ""
        var out = ""
        var details = ""
        if case .graphError(let e) = problem {
            // Graph errors carry their own file and JSON path: listed after the located line.
            for d in e.diagnostics where d.severity == .error {
                details += "\(bold)\(d.file)\(d.line.map { ":\($0):\(d.column ?? 1)" } ?? "")\(d.path.isEmpty ? "" : ": \(d.path)"):\(reset) \(red)error:\(reset) \(d.message)\n"
            }
        }
        guard let range else {
            out = "\(bold)\(sourceName):\(reset) \(red)error:\(reset) \(problem.message)\n"
            if let help = problem.help { out += "\(cyan)help:\(reset) \(help)\n" }
            return out + details
        }
        let scalars = lines.scalars
        let start = min(range.start, scalars.count)
        let line = lines.line(of: start)
        let lineStart = lines.starts[line - 1]
        var lineEnd = start
        while lineEnd < scalars.count, scalars[lineEnd] != "\n" { lineEnd += 1 }
        let column = start - lineStart + 1
        // A long line is shown as a window around the error, so the caret stays on screen.
        var from = lineStart, to = lineEnd, leading = "", trailing = ""
        if lineEnd - lineStart > 120 {
            from = max(lineStart, start - 50)
            to = min(lineEnd, max(start + 70, min(range.end, start + 100)))
            if from > lineStart { leading = "…" }
            if to < lineEnd { trailing = "…" }
        }
        // Control characters (binary garbage, escape sequences) are shown escaped, never sent
        // to the terminal; the caret counts what is shown.
        func shown(_ c: Unicode.Scalar) -> String {
            if c == "\t" { return " " }
            if c.value < 0x20 || (0x7F...0x9F).contains(c.value) { return "\\u{\(String(c.value, radix: 16, uppercase: true))}" }
            return String(c)
        }
        var end = to
        if end > from, scalars[end - 1] == "\r" { end -= 1 }  // a CRLF line's end
        let pieces = scalars[from..<end].map(shown)
        let text = leading + pieces.joined() + trailing
        let before = pieces.prefix(max(0, start - from)).reduce(0) { $0 + $1.count }
        let under = pieces.dropFirst(max(0, start - from)).prefix(max(0, min(range.end, end) - start)).reduce(0) { $0 + $1.count }
        let width = max(1, under)
        let indent = leading.count + before
        out += "\(bold)\(sourceName):\(line):\(column):\(reset) \(red)error:\(reset) \(bold)\(problem.message)\(reset)\n"
        out += "  \(text)\n"
        out += "  " + String(repeating: " ", count: indent) + green + "^" + String(repeating: "~", count: width - 1) + reset + "\n"
        if let help = problem.help { out += "\(cyan)help:\(reset) \(help)\n" }
        return out + details
    }
}

extension StringProtocol {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var s = self[...]
        while let last = s.last, predicate(last) { s = s.dropLast() }
        return Substring(s)
    }
}

/// A script's text as scalars, with where each line starts: found once, used by every error.
public struct SourceLines: Sendable {
    let scalars: [Unicode.Scalar]
    let starts: [Int]

    public init(_ source: String) {
        scalars = Array(source.unicodeScalars)
        var starts = [0]
        for (i, c) in scalars.enumerated() where c == "\n" { starts.append(i + 1) }
        self.starts = starts
    }

    /// The 1-based line of a scalar offset.
    func line(of offset: Int) -> Int {
        var lo = 0, hi = starts.count  // the last start ≤ offset
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if starts[mid] <= offset { lo = mid } else { hi = mid }
        }
        return lo + 1
    }
}

/// What the parser expected where a statement went wrong; `words` is how each is said.
public enum Expected: Sendable, Equatable {
    case statementEnd, variableName, equalAfterVariable, query, ranking, bound, dateAfterAsOf, validDate, stage
    case columnName, closeParen, level, openParenAfterIn, closeList, value, anyValue, name, fieldName, aggregate
    case comparisonOperator
    case comparison(field: String)
    case wholeNumber(after: String), wholeNumberAtLeastZero(after: String), number(after: String)
    case keyword(String)

    public var words: String {
        switch self {
        case .statementEnd: "';' or a new line after the statement"
        case .variableName: "a variable name after 'let'"
        case .equalAfterVariable: "'=' after the variable name"
        case .query: "a query such as 'credentials', 'skills of NAME' or 'stacks toward NAME'"
        case .ranking: "cost, weeks or count after 'by'"
        case .bound: "cost or weeks after 'max'"
        case .dateAfterAsOf: "a date YYYY-MM-DD after 'as of'"
        case .validDate: "a valid date YYYY-MM-DD"
        case .stage: "a stage (\(Keywords.stages.joined(separator: ", "))) after '|'"
        case .columnName: "a column name after 'as'"
        case .closeParen: "')' to close '('"
        case .level: "a level from 1 to 4"
        case .openParenAfterIn: "'(' after 'in'"
        case .closeList: "')' to close the list"
        case .value: "a value"
        case .anyValue: "a value (a number, a word, a \"string\", a date or a $parameter)"
        case .name: "a name"
        case .fieldName: "a field name"
        case .aggregate: "count, sum, avg, min or max"
        case .comparisonOperator: "a comparison (=, !=, <, <=, >, >=) after the arithmetic"
        case .comparison(let field): "a comparison (=, !=, <, <=, >, >=, ~, in, is empty) after the field '\(field)'"
        case .wholeNumber(let word): "a whole number after '\(word)'"
        case .wholeNumberAtLeastZero(let word): "a whole number ≥ 0 after '\(word)'"
        case .number(let word): "a number after '\(word)'"
        case .keyword(let k): "'\(k)'"
        }
    }
}

/// A value of the wrong kind for where it stands; `words` is how each is said. `found` is the
/// value as the message shows it (`"abc"`, `12`, a date).
public enum Mismatch: Sendable, Equatable {
    /// A field compared with a value of another kind (`noun`: "a number", "text", ...).
    case field(String, is: String, found: String, quoteHint: String?)
    case dateField(String, found: String)
    case yesNoField(String, found: String)
    /// `~` on a field that is not text.
    case containsOnNonText(field: String, is: String)
    case notComposite(credential: String)
    /// A `$parameter` whose text is not what the setting takes.
    case setting(String, takes: String, parameter: String, text: String)
    /// Arithmetic on a field that holds something other than numbers (`noun`: "text", "a date").
    case arithmeticOnNonNumber(field: String, is: String)
    /// `sum` or `avg` over a field that holds something other than numbers.
    case aggregateNeedsNumbers(String, field: String, holds: String)

    public var words: String {
        switch self {
        case .field(let field, let noun, let found, let quoteHint):
            "\(field) is \(noun); compare it with \(noun), not \(found)" + (quoteHint.map { " (quote it: \"\($0)\")" } ?? "")
        case .dateField(let field, let found): "\(field) is a date; compare it with a date YYYY-MM-DD, not \(found)"
        case .yesNoField(let field, let found): "\(field) is yes or no, not \(found)"
        case .containsOnNonText(let field, let noun): "'~' looks for text, and \(field) is \(noun); compare it with = < > instead"
        case .notComposite(let name): "\"\(name)\" is not a composite credential: it has no stack rule"
        case .setting(let what, let takes, let parameter, let text): "\(what) takes \(takes); $\(parameter) is \"\(text)\""
        case .arithmeticOnNonNumber(let field, let noun): "arithmetic works on numbers, and \(field) is \(noun)"
        case .aggregateNeedsNumbers(let aggregate, let field, let holds): "\(aggregate) needs numbers, but \(field) holds \(holds)"
        }
    }
}
