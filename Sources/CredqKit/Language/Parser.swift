/// Parses tokens into a `Script`, one function per rule of `grammar/credq.ebnf`, each quoting
/// its rule. A syntax error skips to the end of its statement, so one pass reports them all.
/// The rules are in three files that read as the grammar does, rule by rule: statements and
/// the parser's state and helpers here, sources in ParserSources.swift, stages, conditions,
/// arithmetic and names in ParserStages.swift.
struct Parser {
    var tokens: [Token]
    var current = 0
    var errors: [ScriptError] = []
    /// How deep conditions, `not`s and `count`s nest; bounded so no input can exhaust the stack.
    var depth = 0
    static let maxDepth = 200
    /// How many `and`/`or` parts (and arithmetic operators) the statement has so far.
    var parts = 0
    /// The grammar rules this parser has entered, for the test that every rule has a golden test.
    private(set) var rulesUsed: Set<String> = []

    private init(tokens: [Token]) { self.tokens = tokens }

    /// Tokenizes and parses a script, returning the statements and every error found.
    static func parse(_ source: String) -> (script: Script, errors: [ScriptError]) {
        let (script, errors, _) = parseTracingRules(source)
        return (script, errors)
    }

    static func parseTracingRules(_ source: String) -> (Script, [ScriptError], Set<String>) {
        let (tokens, lexErrors) = Lexer.tokenize(source)
        return parseTracingRules(tokens, lexErrors: lexErrors)
    }

    /// Parses a script's tokens; the lexer's errors join the parser's, in source order.
    static func parse(_ tokens: [Token], lexErrors: [ScriptError]) -> (script: Script, errors: [ScriptError]) {
        let (script, errors, _) = parseTracingRules(tokens, lexErrors: lexErrors)
        return (script, errors)
    }

    static func parseTracingRules(_ tokens: [Token], lexErrors: [ScriptError]) -> (Script, [ScriptError], Set<String>) {
        var parser = Parser(tokens: tokens)
        let script = parser.script()
        var errors = (lexErrors + parser.errors).sorted { ($0.range?.start ?? 0) < ($1.range?.start ?? 0) }
        if errors.count > maxErrors {
            let total = errors.count
            errors = Array(errors.prefix(maxErrors)) + [ScriptError(.tooManyErrors(shown: maxErrors, total: total), nil)]
        }
        return (script, errors, parser.rulesUsed)
    }

    /// Syntax errors reported for one script; the rest are counted, not listed.
    static let maxErrors = 100

    struct Failure: Error {}

    // MARK: - Statements

    /// script ::= separator* ( statement ( separator+ statement )* separator* )?
    mutating func script() -> Script {
        rule("script")
        var statements: [Statement] = []
        while true {
            while isSeparator(peek()) {
                rule("separator")
                if peek().kind == .newline { rule("NEWLINE") }
                advance()
            }
            if peek().kind == .end { break }
            do {
                statements.append(try statement())
                if !isSeparator(peek()), peek().kind != .end {
                    throw fail(expected: .statementEnd)
                }
            } catch {
                while !isSeparator(peek()), peek().kind != .end { advance() }
            }
        }
        return Script(statements: statements)
    }

    /// statement ::= let_statement | meta_command | assume_statement | forget_statement | pipeline
    mutating func statement() throws(Failure) -> Statement {
        rule("statement")
        parts = 0
        depth = 0  // a statement given up on mid-way left its levels counted
        if peek().kind == .meta { return .meta(try metaCommand()) }
        if peek().isKeyword("let") { return .binding(try letStatement()) }
        // A variable may be called `assume` or `forget`: the statements need what follows.
        if peek().isKeyword("assume"), isNameStart(peek(1)) { return try assumeStatement() }
        if peek().isKeyword("forget"), peek(1).isKeyword("assumptions") { return forgetStatement() }
        return .pipeline(try pipeline())
    }

    /// assume_statement ::= 'assume' name 'holds' name ( ',' name )*
    mutating func assumeStatement() throws(Failure) -> Statement {
        rule("assume_statement")
        let start = advance().range.start
        let learner = try name(stops: ["holds"])
        try consumeKeyword("holds")
        var credentials = [try name(stops: [])]
        while match(.comma) { credentials.append(try name(stops: [])) }
        return .assume(learner: learner, credentials: credentials, range: SourceRange(start, previous().range.end))
    }

    /// forget_statement ::= 'forget' 'assumptions'
    mutating func forgetStatement() -> Statement {
        rule("forget_statement")
        let start = advance().range.start
        advance()
        return .forgetAssumptions(range: SourceRange(start, previous().range.end))
    }

    /// let_statement ::= 'let' IDENT '=' pipeline
    mutating func letStatement() throws(Failure) -> Binding {
        rule("let_statement")
        let start = advance().range.start
        let name = try consume(.word, .variableName)
        rule("IDENT")
        try consume(.equal, .equalAfterVariable)
        let value = try pipeline()
        return Binding(name: name.text, value: value, range: SourceRange(start, value.range.end))
    }

    /// meta_command ::= META META_ARGUMENT?
    mutating func metaCommand() throws(Failure) -> MetaCommand {
        rule("meta_command")
        rule("META")
        let name = advance()
        var argument: Token?
        if peek().kind == .metaArgument {
            rule("META_ARGUMENT")
            argument = advance()
        }
        return MetaCommand(
            name: name.text, argument: argument?.text, nameRange: name.range, argumentRange: argument?.range,
            range: SourceRange(name.range.start, argument?.range.end ?? name.range.end))
    }

    // MARK: - Helpers

    /// A `$parameter` where a number or date may stand, or nil when the next token is none.
    mutating func parameterSetting() -> (name: String, range: SourceRange)? {
        guard peek().kind == .parameter else { return nil }
        let token = advance()
        rule("PARAM")
        return (token.text, token.range)
    }

    mutating func countSetting(after word: String) throws(Failure) -> Setting<Int> {
        if let p = parameterSetting() { return .parameter(p.name, range: p.range) }
        return .value(try count(after: word))
    }

    mutating func numberSetting(after word: String) throws(Failure) -> Setting<Double> {
        if let p = parameterSetting() { return .parameter(p.name, range: p.range) }
        return .value(try number(after: word))
    }

    mutating func count(after word: String) throws(Failure) -> Int {
        let token = try consume(.number, .wholeNumber(after: word))
        rule("NUMBER")
        guard let n = Int(token.text), n >= 0 else { throw fail(at: token, expected: .wholeNumberAtLeastZero(after: word)) }
        return n
    }

    mutating func number(after word: String) throws(Failure) -> Double {
        let token = try consume(.number, .number(after: word))
        rule("NUMBER")
        return try parseNumber(token)
    }

    mutating func parseNumber(_ token: Token) throws(Failure) -> Double {
        guard let n = Double(token.text), n.isFinite, abs(n) < 1e15 else {
            errors.append(ScriptError(.numberOutOfRange(token.text), token.range))
            throw Failure()
        }
        return n
    }

    mutating func enter() throws(Failure) {
        depth += 1
        if depth > Self.maxDepth {
            depth -= 1  // the caller's `defer` that gives the level back is not reached
            errors.append(ScriptError(.tooDeep(Self.maxDepth), peek().range))
            throw Failure()
        }
    }

    func isSeparator(_ token: Token) -> Bool { token.kind == .semicolon || token.kind == .newline }

    func isNameStart(_ token: Token) -> Bool {
        [.word, .number, .date, .string, .parameter].contains(token.kind)
    }

    func isComparisonOperator(_ token: Token) -> Bool {
        [.equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual].contains(token.kind)
    }

    mutating func rule(_ name: String) { rulesUsed.insert(name) }

    func peek(_ offset: Int = 0) -> Token { tokens[min(current + offset, tokens.count - 1)] }

    func previous() -> Token { tokens[max(0, current - 1)] }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[current]
        if current < tokens.count - 1 { current += 1 }
        return token
    }

    mutating func match(_ kind: TokenKind) -> Bool {
        guard peek().kind == kind else { return false }
        advance()
        return true
    }

    mutating func matchKeyword(_ keyword: String) -> Bool {
        guard peek().isKeyword(keyword) else { return false }
        advance()
        return true
    }

    @discardableResult
    mutating func consume(_ kind: TokenKind, _ expected: Expected) throws(Failure) -> Token {
        guard peek().kind == kind else { throw fail(expected: expected) }
        return advance()
    }

    mutating func consumeKeyword(_ keyword: String) throws(Failure) {
        guard matchKeyword(keyword) else { throw fail(expected: .keyword(keyword)) }
    }

    mutating func fail(expected: Expected) -> Failure {
        fail(at: peek(), expected: expected)
    }

    mutating func fail(at token: Token, expected: Expected) -> Failure {
        errors.append(ScriptError(.unexpected(found: token.display, expected: expected), token.range))
        return Failure()
    }
}
