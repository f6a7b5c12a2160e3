/// The parser's rules for sources: listings, walks, plans, nearest, gaps, compare and verify (see Parser.swift), each quoting its rule of grammar/credq.ebnf.
extension Parser {
    // MARK: - Pipelines and sources

    /// pipeline ::= source ( '|' stage )*
    mutating func pipeline() throws(Failure) -> Pipeline {
        rule("pipeline")
        let source = try source()
        var stages: [Stage] = []
        while match(.pipe) {
            stages.append(try stage())
        }
        return Pipeline(source: source, stages: stages, range: SourceRange(source.range.start, previous().range.end))
    }

    /// source ::= count_source | walk | listing | holdings | stacks | nearest | gaps | compare | verify | variable
    mutating func source() throws(Failure) -> Source {
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
    mutating func countSource() throws(Failure) -> Source {
        rule("count_source")
        let start = advance().range.start
        try enter()
        defer { depth -= 1 }
        let inner = try source()
        return .count(inner, range: SourceRange(start, inner.range.end))
    }

    /// listing ::= entity_set ( 'where' condition )?
    mutating func listing() throws(Failure) -> Source {
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
    mutating func holdings() throws(Failure) -> Source {
        rule("holdings")
        let word = advance()
        var condition: Condition?
        if matchKeyword("where") { condition = try self.condition() }
        return .holdings(condition: condition, range: SourceRange(word.range.start, previous().range.end))
    }

    /// variable ::= IDENT | PARAM
    mutating func variable() throws(Failure) -> Source {
        rule("variable")
        let token = advance()
        rule(token.kind == .parameter ? "PARAM" : "IDENT")
        return .variable(token.text, isParameter: token.kind == .parameter, range: token.range)
    }

    /// walk ::= skills_of | credentials_of | credentials_teaching | holders_of | prerequisites_of | parts_of
    ///        | related_roles
    mutating func walk() throws(Failure) -> Source {
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
    mutating func stacks() throws(Failure) -> Source {
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
    mutating func skillLevel(of target: inout NameRef) throws(Failure) -> Int? {
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
    mutating func nearest() throws(Failure) -> Source {
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
    mutating func stackOption(_ query: inout some PlanOptions, stops: Set<String>) throws(Failure) {
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
    mutating func gaps() throws(Failure) -> Source {
        rule("gaps")
        let start = advance().range.start
        try consumeKeyword("for")
        let learner = try name(stops: ["toward"])
        try consumeKeyword("toward")
        let target = try name(stops: [])
        return .gaps(learner: learner, target: target, range: SourceRange(start, target.range.end))
    }

    /// compare ::= 'compare' name ( ',' name )*
    mutating func compare() throws(Failure) -> Source {
        rule("compare")
        let start = advance().range.start
        var names = [try name(stops: [])]
        while match(.comma) { names.append(try name(stops: [])) }
        return .compare(names, range: SourceRange(start, previous().range.end))
    }

    /// verify ::= 'verify' name? ( 'as' 'of' ( DATE | PARAM ) )?
    mutating func verify() throws(Failure) -> Source {
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
}
