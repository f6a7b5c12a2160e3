/// Turns script text into tokens, folding the newlines that continue a statement.
///
/// A newline separates statements except after `|`, `,`, `and` or `or`, inside parentheses,
/// or before a line that starts with `|`. `#` starts a comment to the end of the line.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var tokens: [Token] = []
    private var errors: [ScriptError] = []
    private var depth = 0
    /// Whether the next token starts a statement (where `.name` is a meta-command).
    private var atStatementStart = true

    private init(_ source: String) { scalars = Array(source.unicodeScalars) }

    /// The tokens of a script, ending with `.end`, and the lexical errors found on the way.
    static func tokenize(_ source: String) -> (tokens: [Token], errors: [ScriptError]) {
        var lexer = Lexer(source)
        lexer.run()
        return (lexer.tokens, lexer.errors)
    }

    /// Whether the text stops in the middle of a statement: an open string or parenthesis, or a
    /// last token that asks for more (`|`, `,`, `and`, `or`). The REPL then asks for another line.
    static func needsContinuation(_ source: String) -> Bool {
        var lexer = Lexer(source)
        lexer.run()
        if lexer.errors.contains(where: { if case .unterminatedString = $0.problem { true } else { false } }) { return true }
        if lexer.depth > 0 { return true }
        let significant = lexer.tokens.last { $0.kind != .newline && $0.kind != .end && $0.kind != .semicolon }
        guard let last = significant, last.range.end >= lexer.lastNonBlank else { return false }
        return last.kind == .pipe || last.kind == .comma || last.isKeyword("and") || last.isKeyword("or")
    }

    /// Offset just past the last character that is neither blank nor inside a comment.
    private var lastNonBlank = 0

    // MARK: - Scanning

    private mutating func run() {
        while index < scalars.count {
            let c = scalars[index]
            switch c {
            case " ", "\t", "\r", "\u{0C}":
                index += 1
            case "\n":
                newline()
            case "#":
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            case "|": single(.pipe)
            case ",": single(.comma)
            case ";":
                single(.semicolon)
                atStatementStart = true
            case "(":
                depth += 1
                single(.leftParen)
            case ")":
                depth = max(0, depth - 1)
                single(.rightParen)
            case "=": single(.equal)
            case "~": single(.tilde)
            case "!":
                if peek(1) == "=" { add(.notEqual, "!=", index, index + 2); index += 2 } else { invalid(c) }
            case "<":
                if peek(1) == "=" { add(.lessEqual, "<=", index, index + 2); index += 2 } else { single(.less) }
            case ">":
                if peek(1) == "=" { add(.greaterEqual, ">=", index, index + 2); index += 2 } else { single(.greater) }
            case "\"", "'":
                string(quote: c)
            case "$":
                let start = index
                index += 1
                let name = wordText()
                if name.isEmpty { errors.append(ScriptError(.expectedParameterName, SourceRange(start, start + 1))) } else {
                    add(.parameter, name, start, index)
                }
            case ".":
                if atStatementStart, let next = peek(1), Self.isWordStart(next) { meta() } else if let next = peek(1), Self.isDigit(next) { number() } else { invalid(c) }
            case "-":
                if let next = peek(1), Self.isDigit(next) { number() } else { single(.minus) }
            case "+": single(.plus)
            case "*": single(.star)
            case "/": single(.slash)
            default:
                if Self.isDigit(c) { number() } else if Self.isWordStart(c) {
                    let start = index
                    add(.word, wordText(), start, index)
                } else {
                    invalid(c)
                }
            }
        }
        foldPendingNewline(beforeNextLineStartingWith: nil)
        tokens.append(Token(kind: .end, text: "", range: SourceRange(scalars.count, scalars.count)))
    }

    /// A newline is kept as a separator unless the statement visibly continues.
    private mutating func newline() {
        let range = SourceRange(index, index + 1)
        index += 1
        let last = tokens.last
        let continues = depth > 0 || last == nil || last!.kind == .pipe || last!.kind == .comma
            || last!.isKeyword("and") || last!.isKeyword("or") || last!.kind == .newline || last!.kind == .semicolon
        if !continues {
            tokens.append(Token(kind: .newline, text: "\n", range: range))
            atStatementStart = true
        }
    }

    /// Drops a newline token just emitted when the following line starts with `|`.
    private mutating func foldPendingNewline(beforeNextLineStartingWith kind: TokenKind?) {
        if kind == .pipe, tokens.last?.kind == .newline {
            tokens.removeLast()
            atStatementStart = false
        }
    }

    private mutating func single(_ kind: TokenKind) {
        add(kind, kind.rawValue, index, index + 1)
        index += 1
    }

    private mutating func add(_ kind: TokenKind, _ text: String, _ start: Int, _ end: Int) {
        if kind == .pipe { foldPendingNewline(beforeNextLineStartingWith: .pipe) }
        tokens.append(Token(kind: kind, text: text, range: SourceRange(start, end)))
        lastNonBlank = end
        if kind != .semicolon { atStatementStart = false }
    }

    private mutating func invalid(_ c: Unicode.Scalar) {
        errors.append(ScriptError(.invalidCharacter(Character(c)), SourceRange(index, index + 1)))
        lastNonBlank = index + 1
        index += 1
    }

    private mutating func wordText() -> String {
        var text = String.UnicodeScalarView()
        guard index < scalars.count, Self.isWordStart(scalars[index]) else { return "" }
        while index < scalars.count, Self.isWordPart(scalars[index]) {
            text.append(scalars[index])
            index += 1
        }
        // A trailing '.' belongs to the sentence, not the word.
        while let last = text.last, last == "." {
            text.removeLast()
            index -= 1
        }
        return String(text)
    }

    private mutating func number() {
        let start = index
        if scalars[index] == "-" { index += 1 }
        while index < scalars.count, Self.isDigit(scalars[index]) { index += 1 }
        // A date: 4 digits, '-', 2 digits, '-', 2 digits.
        if index - start == 4, isDateTail() {
            index += 6
            add(.date, text(start, index), start, index)
            return
        }
        if peek(0) == ".", let next = peek(1), Self.isDigit(next) {
            index += 1
            while index < scalars.count, Self.isDigit(scalars[index]) { index += 1 }
        }
        // Digits followed by letters make a word, such as "3d-printing".
        if let next = peek(0), Self.isWordPart(next), next != "." {
            while index < scalars.count, Self.isWordPart(scalars[index]) { index += 1 }
            add(.word, text(start, index), start, index)
            return
        }
        add(.number, text(start, index), start, index)
    }

    private func isDateTail() -> Bool {
        guard index + 6 <= scalars.count else { return false }
        let tail = Array(scalars[index..<index + 6])
        let shapeOK = tail[0] == "-" && Self.isDigit(tail[1]) && Self.isDigit(tail[2]) && tail[3] == "-"
            && Self.isDigit(tail[4]) && Self.isDigit(tail[5])
        let after = peek(6)
        return shapeOK && (after == nil || !Self.isWordPart(after!))
    }

    private mutating func string(quote: Unicode.Scalar) {
        let start = index
        index += 1
        var value = String.UnicodeScalarView()
        while index < scalars.count {
            let c = scalars[index]
            if c == quote {
                index += 1
                add(.string, String(value), start, index)
                return
            }
            if c == "\\", index + 1 < scalars.count {
                let e = scalars[index + 1]
                switch e {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "\\", "\"", "'": value.append(e)
                default:
                    errors.append(ScriptError(.invalidEscape(Character(e)), SourceRange(index, index + 2)))
                }
                index += 2
                continue
            }
            value.append(c)
            index += 1
        }
        errors.append(ScriptError(.unterminatedString, SourceRange(start, scalars.count)))
        // Keep the string so the parser does not report a second error for it.
        add(.string, String(value), start, scalars.count)
        lastNonBlank = scalars.count
    }

    /// `.name` at the start of a statement, then its argument: the rest of the line up to `;`,
    /// or one quoted string.
    private mutating func meta() {
        let start = index
        index += 1
        let name = wordText()
        add(.meta, name, start, index)
        while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 }
        guard index < scalars.count, scalars[index] != "\n", scalars[index] != ";" else { return }
        if scalars[index] == "\"" || scalars[index] == "'" {
            let before = tokens.count
            string(quote: scalars[index])
            if tokens.count > before { tokens[tokens.count - 1].kind = .metaArgument }
            return
        }
        let argStart = index
        while index < scalars.count, scalars[index] != "\n", scalars[index] != ";" { index += 1 }
        var end = index
        while end > argStart, scalars[end - 1] == " " || scalars[end - 1] == "\t" || scalars[end - 1] == "\r" { end -= 1 }
        add(.metaArgument, text(argStart, end), argStart, end)
    }

    // MARK: - Characters

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private func text(_ start: Int, _ end: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<end])
        return String(view)
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    static func isWordStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic
    }

    static func isWordPart(_ c: Unicode.Scalar) -> Bool {
        isWordStart(c) || isDigit(c) || c == "-" || c == "." || c == "+" || c.properties.numericType != nil
    }
}
