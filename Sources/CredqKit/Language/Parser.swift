/// Parses tokens into a `Script`, one function per rule of `grammar/credq.ebnf`, each quoting
/// its rule. A syntax error skips to the end of its statement, so one pass reports them all.
/// It is one file of some 700 lines on purpose: it reads as the grammar does, rule by rule.
struct Parser {
    private var tokens: [Token]
    private var current = 0
    private var errors: [ScriptError] = []
    /// How deep conditions, `not`s and `count`s nest; bounded so no input can exhaust the stack.
    private var depth = 0
    static let maxDepth = 200
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

    private static func parseTracingRules(_ tokens: [Token], lexErrors: [ScriptError]) -> (Script, [ScriptError], Set<String>) {
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

    private struct Failure: Error {}

    // MARK: - Statements

    /// script ::= separator* ( statement ( separator+ statement )* separator* )?
    private mutating func script() -> Script {
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
    private mutating func statement() throws(Failure) -> Statement {
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
    private mutating func assumeStatement() throws(Failure) -> Statement {
        rule("assume_statement")
        let start = advance().range.start
        let learner = try name(stops: ["holds"])
        try consumeKeyword("holds")
        var credentials = [try name(stops: [])]
        while match(.comma) { credentials.append(try name(stops: [])) }
        return .assume(learner: learner, credentials: credentials, range: SourceRange(start, previous().range.end))
    }

    /// forget_statement ::= 'forget' 'assumptions'
    private mutating func forgetStatement() -> Statement {
        rule("forget_statement")
        let start = advance().range.start
        advance()
        return .forgetAssumptions(range: SourceRange(start, previous().range.end))
    }

    /// let_statement ::= 'let' IDENT '=' pipeline
    private mutating func letStatement() throws(Failure) -> Binding {
        rule("let_statement")
        let start = advance().range.start
        let name = try consume(.word, .variableName)
        rule("IDENT")
        try consume(.equal, .equalAfterVariable)
        let value = try pipeline()
        return Binding(name: name.text, value: value, range: SourceRange(start, value.range.end))
    }

    /// meta_command ::= META META_ARGUMENT?
    private mutating func metaCommand() throws(Failure) -> MetaCommand {
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

    // MARK: - Pipelines and sources

    /// pipeline ::= source ( '|' stage )*
    private mutating func pipeline() throws(Failure) -> Pipeline {
        rule("pipeline")
        let source = try source()
        var stages: [Stage] = []
        while match(.pipe) {
            stages.append(try stage())
        }
        return Pipeline(source: source, stages: stages, range: SourceRange(source.range.start, previous().range.end))
    }

    /// source ::= count_source | walk | listing | holdings | stacks | nearest | gaps | compare | verify | variable
    private mutating func source() throws(Failure) -> Source {
        rule("source")
        let token = peek()
        let next = peek(1)
        switch (token.kind == .word ? token.text.lowercased() : "") {
        case "count": return try countSource()
        case "skills" where next.isKeyword("of"),
            "credentials" where next.isKeyword("teaching") || next.isKeyword("of"),
            "holders", "prerequisites", "parts",
            "roles" where next.isKeyword("related"):
            return try walk()
        case "credentials", "skills", "roles", "learners", "organizations": return try listing()
        case "holdings": return try holdings()
        case "stacks": return try stacks()
        case "nearest" where next.isKeyword("roles") || next.isKeyword("learners"): return try nearest()
        case "gaps": return try gaps()
        case "compare": return try compare()
        case "verify": return try verify()
        default:
            if token.kind == .word || token.kind == .parameter { return try variable() }
            throw fail(expected: .query)
        }
    }

    /// count_source ::= 'count' source
    private mutating func countSource() throws(Failure) -> Source {
        rule("count_source")
        let start = advance().range.start
        try enter()
        defer { depth -= 1 }
        let inner = try source()
        return .count(inner, range: SourceRange(start, inner.range.end))
    }

    /// listing ::= entity_set ( 'where' condition )?
    private mutating func listing() throws(Failure) -> Source {
        rule("listing")
        rule("entity_set")
        let word = advance()
        let kind: EntityKind = switch word.text.lowercased() {
        case "credentials": .credential
        case "skills": .skill
        case "roles": .role
        case "learners": .learner
        default: .organization
        }
        var condition: Condition?
        if matchKeyword("where") { condition = try self.condition() }
        return .listing(kind, condition: condition, range: SourceRange(word.range.start, previous().range.end))
    }

    /// holdings ::= 'holdings' ( 'where' condition )?
    private mutating func holdings() throws(Failure) -> Source {
        rule("holdings")
        let word = advance()
        var condition: Condition?
        if matchKeyword("where") { condition = try self.condition() }
        return .holdings(condition: condition, range: SourceRange(word.range.start, previous().range.end))
    }

    /// variable ::= IDENT | PARAM
    private mutating func variable() throws(Failure) -> Source {
        rule("variable")
        let token = advance()
        rule(token.kind == .parameter ? "PARAM" : "IDENT")
        return .variable(token.text, isParameter: token.kind == .parameter, range: token.range)
    }

    /// walk ::= skills_of | credentials_of | credentials_teaching | holders_of | prerequisites_of | parts_of
    ///        | related_roles
    private mutating func walk() throws(Failure) -> Source {
        rule("walk")
        let first = advance()
        let start = first.range.start
        switch first.text.lowercased() {
        case "skills":
            rule("skills_of")
            advance()
            let n = try name(stops: [])
            return .skillsOf(n, range: SourceRange(start, n.range.end))
        case "credentials" where peek().isKeyword("of"):
            rule("credentials_of")
            advance()
            let n = try name(stops: [])
            return .credentialsOf(n, range: SourceRange(start, n.range.end))
        case "credentials":
            rule("credentials_teaching")
            advance()
            let n = try name(stops: [])
            return .credentialsTeaching(n, range: SourceRange(start, n.range.end))
        case "holders":
            rule("holders_of")
            try consumeKeyword("of")
            let n = try name(stops: [])
            return .holdersOf(n, range: SourceRange(start, n.range.end))
        case "roles":
            rule("related_roles")
            try consumeKeyword("related")
            try consumeKeyword("to")
            let n = try name(stops: [])
            return .relatedRoles(n, range: SourceRange(start, n.range.end))
        case "prerequisites":
            rule("prerequisites_of")
            try consumeKeyword("of")
            let n = try name(stops: [])
            return .prerequisitesOf(n, range: SourceRange(start, n.range.end))
        default:
            rule("parts_of")
            try consumeKeyword("of")
            let n = try name(stops: [])
            return .partsOf(n, range: SourceRange(start, n.range.end))
        }
    }

    /// stacks ::= 'stacks' 'toward' ( 'skill' skill_target | name ) ( 'for' name )? stack_option*
    private mutating func stacks() throws(Failure) -> Source {
        rule("stacks")
        let start = advance().range.start
        try consumeKeyword("toward")
        let optionWords: Set<String> = ["by", "limit", "max", "using"]
        var target = try name(stops: optionWords.union(["for"]))
        var level: Int?
        if target.kind == .skill { level = try skillLevel(of: &target) }
        var query = StacksQuery(target: target, level: level, range: SourceRange(start, target.range.end))
        if matchKeyword("for") { query.learner = try name(stops: optionWords) }
        while peek().kind == .word, optionWords.contains(peek().text.lowercased()) {
            try stackOption(&query, stops: optionWords)
        }
        query.range = SourceRange(start, previous().range.end)
        return .stacks(query)
    }

    /// skill_target ::= ( STRING | PARAM ) NUMBER? | name_word+
    ///
    /// The level of a skill target: a number after a quoted name, or the last of its bare
    /// words when that is a whole number (`skill python 3` is Python at level 3).
    private mutating func skillLevel(of target: inout NameRef) throws(Failure) -> Int? {
        rule("skill_target")
        var levelToken: Token?
        switch target.spelling {
        case .words(let w):
            let words = w.split(separator: " ")
            guard words.count > 1, let last = words.last, Int(last) != nil else { return nil }
            levelToken = previous()
            target.spelling = .words(words.dropLast().joined(separator: " "))
            target.range = SourceRange(target.range.start, tokens[current - 2].range.end)
        case .quoted, .parameter:
            guard peek().kind == .number else { return nil }
            levelToken = advance()
        }
        guard let token = levelToken, let level = Int(token.text), (1...4).contains(level) else {
            throw fail(at: levelToken ?? peek(), expected: .level)
        }
        return level
    }

    /// nearest ::= 'nearest' ( 'roles' 'for' name | 'learners' 'toward' name ) stack_option*
    private mutating func nearest() throws(Failure) -> Source {
        rule("nearest")
        let start = advance().range.start
        let roles = advance().isKeyword("roles")
        try consumeKeyword(roles ? "for" : "toward")
        let optionWords: Set<String> = ["by", "limit", "max", "using"]
        let subject = try name(stops: optionWords)
        var query = NearestQuery(roles: roles, subject: subject, range: SourceRange(start, subject.range.end))
        while peek().kind == .word, optionWords.contains(peek().text.lowercased()) {
            try stackOption(&query, stops: optionWords)
        }
        query.range = SourceRange(start, previous().range.end)
        return .nearest(query)
    }

    /// stack_option ::= 'by' ( 'cost' | 'weeks' | 'count' ) | 'limit' ( NUMBER | PARAM )
    ///                | 'max' ( 'cost' | 'weeks' ) ( NUMBER | PARAM ) | 'using' name ( ',' name )*
    private mutating func stackOption(_ query: inout some PlanOptions, stops: Set<String>) throws(Failure) {
        rule("stack_option")
        let word = advance().text.lowercased()
        switch word {
        case "by":
            let what = try consume(.word, .ranking)
            guard let ranking = StacksQuery.Ranking(rawValue: what.text.lowercased()) else {
                throw fail(at: what, expected: .ranking)
            }
            query.ranking = ranking
        case "limit":
            query.limit = try countSetting(after: "limit")
        case "max":
            let what = try consume(.word, .bound)
            let bound = try numberSetting(after: "max \(what.text)")
            switch what.text.lowercased() {
            case "cost": query.maxCost = bound
            case "weeks": query.maxWeeks = bound
            default: throw fail(at: what, expected: .bound)
            }
        default:
            repeat { query.using.append(try name(stops: stops)) } while match(.comma)
        }
    }

    /// gaps ::= 'gaps' 'for' name 'toward' name
    private mutating func gaps() throws(Failure) -> Source {
        rule("gaps")
        let start = advance().range.start
        try consumeKeyword("for")
        let learner = try name(stops: ["toward"])
        try consumeKeyword("toward")
        let target = try name(stops: [])
        return .gaps(learner: learner, target: target, range: SourceRange(start, target.range.end))
    }

    /// compare ::= 'compare' name ( ',' name )*
    private mutating func compare() throws(Failure) -> Source {
        rule("compare")
        let start = advance().range.start
        var names = [try name(stops: [])]
        while match(.comma) { names.append(try name(stops: [])) }
        return .compare(names, range: SourceRange(start, previous().range.end))
    }

    /// verify ::= 'verify' name? ( 'as' 'of' ( DATE | PARAM ) )?
    private mutating func verify() throws(Failure) -> Source {
        rule("verify")
        let start = advance().range.start
        var who: NameRef?
        if isNameStart(peek()), !peek().isKeyword("as") { who = try name(stops: ["as"]) }
        var day: Setting<Day>?
        if matchKeyword("as") {
            try consumeKeyword("of")
            if let p = parameterSetting() {
                day = .parameter(p.name, range: p.range)
            } else {
                let token = try consume(.date, .dateAfterAsOf)
                rule("DATE")
                guard let d = Day(token.text) else { throw fail(at: token, expected: .validDate) }
                day = .value(d)
            }
        }
        return .verify(who, asOf: day, range: SourceRange(start, previous().range.end))
    }

    // MARK: - Stages

    /// stage ::= where_stage | select_stage | sort_stage | limit_stage | aggregates_stage
    ///         | group_stage | distinct_stage
    private mutating func stage() throws(Failure) -> Stage {
        rule("stage")
        let token = peek()
        guard token.kind == .word else { throw fail(expected: .stage) }
        let start = token.range.start
        switch token.text.lowercased() {
        case "where":
            rule("where_stage")
            advance()
            let c = try condition()
            return .filter(c, range: SourceRange(start, previous().range.end))
        case "select":
            rule("select_stage")
            advance()
            var items: [SelectItem] = []
            repeat {
                rule("select_item")
                let e = try expression()
                var alias: String?
                if matchKeyword("as") {
                    alias = try consume(.word, .columnName).text
                    rule("IDENT")
                }
                items.append(SelectItem(expression: e, alias: alias))
            } while match(.comma)
            return .select(items, range: SourceRange(start, previous().range.end))
        case "sort":
            rule("sort_stage")
            advance()
            try consumeKeyword("by")
            var keys: [SortKey] = []
            repeat {
                rule("sort_key")
                let e = try expression()
                var descending = false
                if matchKeyword("desc") { descending = true } else { _ = matchKeyword("asc") }
                keys.append(SortKey(expression: e, descending: descending))
            } while match(.comma)
            return .sort(keys, range: SourceRange(start, previous().range.end))
        case "limit":
            rule("limit_stage")
            advance()
            let n = try countSetting(after: "limit")
            return .limit(n, range: SourceRange(start, previous().range.end))
        case "count", "sum", "avg", "min", "max":
            return try aggregates()
        case "group":
            rule("group_stage")
            advance()
            try consumeKeyword("by")
            let f = try field()
            return .group(f, range: SourceRange(start, f.range.end))
        case "distinct":
            rule("distinct_stage")
            advance()
            return .distinct(range: token.range)
        default:
            throw fail(expected: .stage)
        }
    }

    /// aggregates_stage ::= aggregate ( ',' aggregate )*
    private mutating func aggregates() throws(Failure) -> Stage {
        rule("aggregates_stage")
        let start = peek().range.start
        var items = [try aggregate()]
        while match(.comma) { items.append(try aggregate()) }
        let range = SourceRange(start, previous().range.end)
        switch (items.count, items[0]) {
        case (1, .count): return .count(range: range)
        case (1, .of(let a, let f)): return .aggregate(a, f, range: range)
        default: return .aggregates(items, range: range)
        }
    }

    /// aggregate ::= 'count' | ( 'sum' | 'avg' | 'min' | 'max' ) FIELD
    private mutating func aggregate() throws(Failure) -> AggregateItem {
        rule("aggregate")
        let token = try consume(.word, .aggregate)
        if token.isKeyword("count") { return .count }
        guard let a = Aggregate(rawValue: token.text.lowercased()) else { throw fail(at: token, expected: .aggregate) }
        return .of(a, try field())
    }

    // MARK: - Conditions

    /// condition ::= and_condition ( 'or' and_condition )*
    private mutating func condition() throws(Failure) -> Condition {
        rule("condition")
        try enter()
        defer { depth -= 1 }
        var left = try andCondition()
        while matchKeyword("or") {
            try countPart()
            left = .or(left, try andCondition())
        }
        return left
    }

    /// Each `and` or `or` deepens the condition's tree by one: a chain of thousands would
    /// exhaust the stack where it is evaluated, so one statement's conditions have at most
    /// `maxParts` parts.
    static let maxParts = 1000
    private var parts = 0

    private mutating func countPart() throws(Failure) {
        parts += 1
        if parts >= Self.maxParts {
            errors.append(ScriptError(.tooManyParts(Self.maxParts), previous().range))
            throw Failure()
        }
    }

    /// and_condition ::= not_condition ( 'and' not_condition )*
    private mutating func andCondition() throws(Failure) -> Condition {
        rule("and_condition")
        var left = try notCondition()
        while matchKeyword("and") {
            try countPart()
            left = .and(left, try notCondition())
        }
        return left
    }

    /// not_condition ::= 'not' not_condition | primary_condition
    private mutating func notCondition() throws(Failure) -> Condition {
        rule("not_condition")
        if peek().isKeyword("not"), !peek(1).isKeyword("in") {
            let start = advance().range.start
            try enter()
            defer { depth -= 1 }
            let inner = try notCondition()
            return .not(inner, range: SourceRange(start, inner.range.end))
        }
        return try primaryCondition()
    }

    private static let relationWords = Set(Keywords.firstWords(Keywords.relations))

    /// Whether the '(' here opens arithmetic rather than a condition: the token after its
    /// matching ')' is an arithmetic or comparison operator.
    private func parenthesisedExpression() -> Bool {
        var depth = 0
        var i = current
        while i < tokens.count {
            switch tokens[i].kind {
            case .leftParen: depth += 1
            case .rightParen:
                depth -= 1
                if depth == 0 {
                    let next = tokens[min(i + 1, tokens.count - 1)]
                    return isArithmeticOperator(next) || isComparisonOperator(next)
                }
            case .end, .newline, .semicolon, .pipe: return false
            default: break
            }
            i += 1
        }
        return false
    }

    /// primary_condition ::= '(' condition ')' | relation | comparison
    private mutating func primaryCondition() throws(Failure) -> Condition {
        rule("primary_condition")
        // `(cost + 1) * 2 > 5` is a comparison: what follows the closing parenthesis says so.
        if peek().kind == .leftParen, !parenthesisedExpression() {
            advance()
            let c = try condition()
            try consume(.rightParen, .closeParen)
            return c
        }
        let token = peek()
        // A relation's word as a field (`holds is empty`, `teaches ~ python`) is a comparison.
        if token.kind == .word, Self.relationWords.contains(token.text.lowercased()), !isComparisonOperator(peek(1)),
           !peek(1).isKeyword("is"), peek(1).kind != .tilde {
            return try relation()
        }
        return try comparison()
    }

    /// relation ::= ( 'teaches' | 'needs' ) name ( compare_op NUMBER )? | ( 'uses' | 'holds' | 'requires' ) name
    ///            | 'holds' ( 'any' | 'all' ) 'of' '(' name ( ',' name )* ')' | 'holds' 'from' name
    ///            | 'recognized' ( 'by' name )? | 'accredited' ( 'by' name )?
    private mutating func relation() throws(Failure) -> Condition {
        rule("relation")
        let word = advance()
        let start = word.range.start
        let stops: Set<String> = ["and", "or"]
        switch word.text.lowercased() {
        case "teaches", "needs":
            let n = try name(stops: stops)
            var op = CompareOp.greaterEqual
            var level = 1
            if isComparisonOperator(peek()) {
                op = try compareOp()
                let token = try consume(.number, .level)
                guard let l = Int(token.text), (1...4).contains(l) else { throw fail(at: token, expected: .level) }
                level = l
            }
            let range = SourceRange(start, previous().range.end)
            return word.text.lowercased() == "teaches" ? .teaches(n, op, level, range: range) : .needs(n, op, level, range: range)
        case "uses":
            let n = try name(stops: stops)
            return .uses(n, range: SourceRange(start, n.range.end))
        case "holds" where (peek().isKeyword("any") || peek().isKeyword("all")) && peek(1).isKeyword("of") && peek(2).kind == .leftParen:
            let all = advance().isKeyword("all")
            advance()
            advance()
            var names = [try name(stops: [])]
            while match(.comma) { names.append(try name(stops: [])) }
            try consume(.rightParen, .closeList)
            return .holdsSome(names, all: all, range: SourceRange(start, previous().range.end))
        case "holds" where peek().isKeyword("from") && isNameStart(peek(1)):
            advance()
            let n = try name(stops: stops)
            return .holdsFrom(n, range: SourceRange(start, n.range.end))
        case "holds":
            let n = try name(stops: stops)
            return .holds(n, range: SourceRange(start, n.range.end))
        case "requires":
            let n = try name(stops: stops)
            return .requires(n, range: SourceRange(start, n.range.end))
        case "recognized":
            var by: NameRef?
            if matchKeyword("by") { by = try name(stops: stops) }
            return .recognizedBy(by, range: SourceRange(start, previous().range.end))
        default:
            var by: NameRef?
            if matchKeyword("by") { by = try name(stops: stops) }
            return .accredited(by: by, range: SourceRange(start, previous().range.end))
        }
    }

    /// comparison ::= FIELD ( compare_op value | '~' value | 'not'? 'in' '(' value ( ',' value )* ')'
    ///                      | 'is' 'not'? 'empty' )
    ///              | expression compare_op expression
    ///
    /// The second form when either side does arithmetic; a value after the operator is an
    /// expression when it starts with '(' or its first token is followed by an operator.
    private mutating func comparison() throws(Failure) -> Condition {
        rule("comparison")
        let left = try expression()
        guard case .field(let f) = left else {
            guard isComparisonOperator(peek()) else { throw fail(expected: .comparisonOperator) }
            let op = try compareOp()
            return .arithmetic(left, op, try expression())
        }
        if isComparisonOperator(peek()), peek(1).kind == .leftParen || isArithmeticOperator(peek(2)) || isArithmeticOperator(peek(1)) {
            let op = try compareOp()
            return .arithmetic(left, op, try expression())
        }
        if matchKeyword("is") {
            let negated = matchKeyword("not")
            try consumeKeyword("empty")
            return .isEmpty(f, negated: negated, range: SourceRange(f.range.start, previous().range.end))
        }
        if isComparisonOperator(peek()) {
            let op = try compareOp()
            return .compare(f, op, try value())
        }
        if match(.tilde) { return .contains(f, try value()) }
        let negated = matchKeyword("not")
        if matchKeyword("in") {
            try consume(.leftParen, .openParenAfterIn)
            var values = [try value()]
            while match(.comma) { values.append(try value()) }
            try consume(.rightParen, .closeList)
            return .member(f, values, negated: negated, range: SourceRange(f.range.start, previous().range.end))
        }
        throw fail(expected: .comparison(field: f.name))
    }

    /// expression ::= term ( ( '+' | '-' ) term )*
    private mutating func expression() throws(Failure) -> Expression {
        rule("expression")
        try enter()
        defer { depth -= 1 }
        var left = try term()
        while true {
            if match(.plus) {
                try countPart()
                left = .binary(.add, left, try term())
            } else if match(.minus) {
                try countPart()
                left = .binary(.subtract, left, try term())
            } else if let n = negativeNumberAsMinus() {
                // `cost -5`: the lexer read a negative number; after an operand it subtracts.
                try countPart()
                left = .binary(.subtract, left, n)
            } else {
                return left
            }
        }
    }

    /// term ::= factor ( ( '*' | '/' ) factor )*
    private mutating func term() throws(Failure) -> Expression {
        rule("term")
        var left = try factor()
        while true {
            if match(.star) {
                try countPart()
                left = .binary(.multiply, left, try factor())
            } else if match(.slash) {
                try countPart()
                left = .binary(.divide, left, try factor())
            } else {
                return left
            }
        }
    }

    /// factor ::= NUMBER | PARAM | FIELD | '(' expression ')'
    private mutating func factor() throws(Failure) -> Expression {
        rule("factor")
        let token = peek()
        switch token.kind {
        case .number:
            rule("NUMBER")
            advance()
            return .number(try parseNumber(token), range: token.range)
        case .parameter:
            rule("PARAM")
            advance()
            return .parameter(token.text, range: token.range)
        case .leftParen:
            advance()
            let inner = try expression()
            try consume(.rightParen, .closeParen)
            return .parenthesized(inner, range: SourceRange(token.range.start, previous().range.end))
        case .word:
            return .field(try field())
        default:
            throw fail(expected: .fieldName)
        }
    }

    /// A negative number right after an operand, read as `-` and the number.
    private mutating func negativeNumberAsMinus() -> Expression? {
        let token = peek()
        guard token.kind == .number, token.text.hasPrefix("-"), let n = Double(token.text.dropFirst()) else { return nil }
        advance()
        rule("NUMBER")
        return .number(n, range: SourceRange(token.range.start + 1, token.range.end))
    }

    private func isArithmeticOperator(_ token: Token) -> Bool {
        [.plus, .minus, .star, .slash].contains(token.kind) || (token.kind == .number && token.text.hasPrefix("-"))
    }

    /// compare_op ::= '=' | '!=' | '<' | '<=' | '>' | '>='
    private mutating func compareOp() throws(Failure) -> CompareOp {
        rule("compare_op")
        let token = advance()
        return CompareOp(rawValue: token.kind.rawValue)!
    }

    /// value ::= NUMBER | STRING | DATE | PARAM | WORD+
    private mutating func value() throws(Failure) -> Literal {
        rule("value")
        let token = peek()
        switch token.kind {
        case .number:
            rule("NUMBER")
            advance()
            return Literal(form: .number(try parseNumber(token)), range: token.range)
        case .string:
            rule("STRING")
            advance()
            return Literal(form: .text(token.text), range: token.range)
        case .date:
            rule("DATE")
            advance()
            guard let day = Day(token.text) else { throw fail(at: token, expected: .validDate) }
            return Literal(form: .date(day), range: token.range)
        case .parameter:
            rule("PARAM")
            advance()
            return Literal(form: .parameter(token.text), range: token.range)
        case .word:
            rule("WORD")
            var words: [String] = []
            let start = token.range.start
            while peek().kind == .word, !peek().isKeyword("and"), !peek().isKeyword("or") {
                words.append(advance().text)
            }
            guard !words.isEmpty else { throw fail(expected: .value) }
            return Literal(form: .text(words.joined(separator: " ")), range: SourceRange(start, previous().range.end))
        default:
            throw fail(expected: .anyValue)
        }
    }

    // MARK: - Names and fields

    /// name ::= kind_prefix? ( STRING | PARAM | name_word+ )
    ///
    /// Bare words end at a token that is not a word or number, or at a word in `stops`.
    private mutating func name(stops: Set<String>) throws(Failure) -> NameRef {
        rule("name")
        var kind: EntityKind?
        let first = peek()
        if first.kind == .word, let k = Self.kindPrefixes[first.text.lowercased()], isNameStart(peek(1)),
            !(peek(1).kind == .word && stops.contains(peek(1).text.lowercased()))
        {
            rule("kind_prefix")
            kind = k
            advance()
        }
        let token = peek()
        switch token.kind {
        case .string:
            rule("STRING")
            advance()
            return NameRef(spelling: .quoted(token.text), kind: kind, range: token.range)
        case .parameter:
            rule("PARAM")
            advance()
            return NameRef(spelling: .parameter(token.text), kind: kind, range: token.range)
        default:
            var words: [String] = []
            let start = token.range.start
            while peek().kind == .word || peek().kind == .number || peek().kind == .date {
                if peek().kind == .word, stops.contains(peek().text.lowercased()) { break }
                rule("name_word")
                rule(peek().kind == .word ? "WORD" : "NUMBER")
                words.append(advance().text)
            }
            guard !words.isEmpty else { throw fail(expected: .name) }
            return NameRef(spelling: .words(words.joined(separator: " ")), kind: kind, range: SourceRange(start, previous().range.end))
        }
    }

    private static let kindPrefixes: [String: EntityKind] = [
        "role": .role, "credential": .credential, "skill": .skill, "learner": .learner, "org": .organization,
    ]

    /// FIELD ::= WORD
    private mutating func field() throws(Failure) -> Field {
        rule("FIELD")
        let token = try consume(.word, .fieldName)
        return Field(name: token.text.lowercased(), range: token.range)
    }

    // MARK: - Helpers

    /// A `$parameter` where a number or date may stand, or nil when the next token is none.
    private mutating func parameterSetting() -> (name: String, range: SourceRange)? {
        guard peek().kind == .parameter else { return nil }
        let token = advance()
        rule("PARAM")
        return (token.text, token.range)
    }

    private mutating func countSetting(after word: String) throws(Failure) -> Setting<Int> {
        if let p = parameterSetting() { return .parameter(p.name, range: p.range) }
        return .value(try count(after: word))
    }

    private mutating func numberSetting(after word: String) throws(Failure) -> Setting<Double> {
        if let p = parameterSetting() { return .parameter(p.name, range: p.range) }
        return .value(try number(after: word))
    }

    private mutating func count(after word: String) throws(Failure) -> Int {
        let token = try consume(.number, .wholeNumber(after: word))
        rule("NUMBER")
        guard let n = Int(token.text), n >= 0 else { throw fail(at: token, expected: .wholeNumberAtLeastZero(after: word)) }
        return n
    }

    private mutating func number(after word: String) throws(Failure) -> Double {
        let token = try consume(.number, .number(after: word))
        rule("NUMBER")
        return try parseNumber(token)
    }

    private mutating func parseNumber(_ token: Token) throws(Failure) -> Double {
        guard let n = Double(token.text), n.isFinite, abs(n) < 1e15 else {
            errors.append(ScriptError(.numberOutOfRange(token.text), token.range))
            throw Failure()
        }
        return n
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        if depth > Self.maxDepth {
            depth -= 1  // the caller's `defer` that gives the level back is not reached
            errors.append(ScriptError(.tooDeep(Self.maxDepth), peek().range))
            throw Failure()
        }
    }

    private func isSeparator(_ token: Token) -> Bool { token.kind == .semicolon || token.kind == .newline }

    private func isNameStart(_ token: Token) -> Bool {
        [.word, .number, .date, .string, .parameter].contains(token.kind)
    }

    private func isComparisonOperator(_ token: Token) -> Bool {
        [.equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual].contains(token.kind)
    }

    private mutating func rule(_ name: String) { rulesUsed.insert(name) }

    private func peek(_ offset: Int = 0) -> Token { tokens[min(current + offset, tokens.count - 1)] }

    private func previous() -> Token { tokens[max(0, current - 1)] }

    @discardableResult
    private mutating func advance() -> Token {
        let token = tokens[current]
        if current < tokens.count - 1 { current += 1 }
        return token
    }

    private mutating func match(_ kind: TokenKind) -> Bool {
        guard peek().kind == kind else { return false }
        advance()
        return true
    }

    private mutating func matchKeyword(_ keyword: String) -> Bool {
        guard peek().isKeyword(keyword) else { return false }
        advance()
        return true
    }

    @discardableResult
    private mutating func consume(_ kind: TokenKind, _ expected: Expected) throws(Failure) -> Token {
        guard peek().kind == kind else { throw fail(expected: expected) }
        return advance()
    }

    private mutating func consumeKeyword(_ keyword: String) throws(Failure) {
        guard matchKeyword(keyword) else { throw fail(expected: .keyword(keyword)) }
    }

    private mutating func fail(expected: Expected) -> Failure {
        fail(at: peek(), expected: expected)
    }

    private mutating func fail(at token: Token, expected: Expected) -> Failure {
        errors.append(ScriptError(.unexpected(found: token.display, expected: expected), token.range))
        return Failure()
    }
}
