/// The parser's rules for stages, conditions, arithmetic, names and fields (see Parser.swift), each quoting its rule of grammar/credq.ebnf.
extension Parser {
    // MARK: - Stages

    /// stage ::= where_stage | select_stage | sort_stage | limit_stage | aggregates_stage
    ///         | group_stage | distinct_stage
    mutating func stage() throws(Failure) -> Stage {
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
    mutating func aggregates() throws(Failure) -> Stage {
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
    mutating func aggregate() throws(Failure) -> AggregateItem {
        rule("aggregate")
        let token = try consume(.word, .aggregate)
        if token.isKeyword("count") { return .count }
        guard let a = Aggregate(rawValue: token.text.lowercased()) else { throw fail(at: token, expected: .aggregate) }
        return .of(a, try field())
    }

    // MARK: - Conditions

    /// condition ::= and_condition ( 'or' and_condition )*
    mutating func condition() throws(Failure) -> Condition {
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

    mutating func countPart() throws(Failure) {
        parts += 1
        if parts >= Self.maxParts {
            errors.append(ScriptError(.tooManyParts(Self.maxParts), previous().range))
            throw Failure()
        }
    }

    /// and_condition ::= not_condition ( 'and' not_condition )*
    mutating func andCondition() throws(Failure) -> Condition {
        rule("and_condition")
        var left = try notCondition()
        while matchKeyword("and") {
            try countPart()
            left = .and(left, try notCondition())
        }
        return left
    }

    /// not_condition ::= 'not' not_condition | primary_condition
    mutating func notCondition() throws(Failure) -> Condition {
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

    static let relationWords = Set(Keywords.firstWords(Keywords.relations))

    /// Whether the '(' here opens arithmetic rather than a condition: the token after its
    /// matching ')' is an arithmetic or comparison operator.
    func parenthesisedExpression() -> Bool {
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
    mutating func primaryCondition() throws(Failure) -> Condition {
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
    mutating func relation() throws(Failure) -> Condition {
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
    mutating func comparison() throws(Failure) -> Condition {
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
    mutating func expression() throws(Failure) -> Expression {
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
    mutating func term() throws(Failure) -> Expression {
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
    mutating func factor() throws(Failure) -> Expression {
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
    mutating func negativeNumberAsMinus() -> Expression? {
        let token = peek()
        guard token.kind == .number, token.text.hasPrefix("-"), let n = Double(token.text.dropFirst()) else { return nil }
        advance()
        rule("NUMBER")
        return .number(n, range: SourceRange(token.range.start + 1, token.range.end))
    }

    func isArithmeticOperator(_ token: Token) -> Bool {
        [.plus, .minus, .star, .slash].contains(token.kind) || (token.kind == .number && token.text.hasPrefix("-"))
    }

    /// compare_op ::= '=' | '!=' | '<' | '<=' | '>' | '>='
    mutating func compareOp() throws(Failure) -> CompareOp {
        rule("compare_op")
        let token = advance()
        return CompareOp(rawValue: token.kind.rawValue)!
    }

    /// value ::= NUMBER | STRING | DATE | PARAM | WORD+
    mutating func value() throws(Failure) -> Literal {
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
    mutating func name(stops: Set<String>) throws(Failure) -> NameRef {
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

    static let kindPrefixes: [String: EntityKind] = [
        "role": .role, "credential": .credential, "skill": .skill, "learner": .learner, "org": .organization,
    ]

    /// FIELD ::= WORD
    mutating func field() throws(Failure) -> Field {
        rule("FIELD")
        let token = try consume(.word, .fieldName)
        return Field(name: token.text.lowercased(), range: token.range)
    }
}
