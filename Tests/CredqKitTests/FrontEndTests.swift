import Testing
@testable import CredqKit

/// The language front end stage by stage: the lexer's tokens (kinds, texts, ranges), and the
/// parser's trees as S-expressions, for precedence, `not ... in`, kind prefixes, the words
/// that stop a name, and recovery after an error.
@Suite struct FrontEndTests {
    /// Tokens as `kind:text@start-end`, the end token left out.
    static func tokens(_ source: String) -> String {
        Lexer.tokenize(source).tokens.filter { $0.kind != .end }.map { t in
            "\(t.kind == .word || t.kind == .string || t.kind == .number || t.kind == .date || t.kind == .parameter || t.kind == .meta || t.kind == .metaArgument ? "\(t.kind.rawValue):\(t.text)" : t.kind.rawValue)@\(t.range.start)-\(t.range.end)"
        }.joined(separator: " ")
    }

    @Test(arguments: [
        ("credentials | count", "word:credentials@0-11 |@12-13 word:count@14-19"),
        ("cost<=300", "word:cost@0-4 <=@4-6 number:300@6-9"),
        ("name ~ 'Data \\'Science\\''", "word:name@0-4 ~@5-6 string:Data 'Science'@7-25"),
        ("issued >= 2024-02-29", "word:issued@0-6 >=@7-9 date:2024-02-29@10-20"),
        ("limit $n", "word:limit@0-5 parameter:n@6-8"),
        (".format json", "meta:format@0-7 metaArgument:json@8-12"),
        ("a != b # note", "word:a@0-1 !=@2-4 word:b@5-6"),
        ("credentials |\n count", "word:credentials@0-11 |@12-13 word:count@15-20"),
        ("skills\n| count", "word:skills@0-6 |@7-8 word:count@9-14"),
        ("roles; skills", "word:roles@0-5 ;@5-6 word:skills@7-13"),
        ("roles\nskills", "word:roles@0-5 newline@5-6 word:skills@6-12"),
        ("(a,\nb)", "(@0-1 word:a@1-2 ,@2-3 word:b@4-5 )@5-6"),
        ("c++ 3.5", "word:c++@0-3 number:3.5@4-7"),
    ])
    func lexerTokens(_ source: String, _ expected: String) {
        #expect(Self.tokens(source) == expected, "\(source)")
    }

    @Test func lexerErrorsAreLocated() {
        let (_, errors) = Lexer.tokenize("name ~ 'open")
        #expect(errors.map(\.problem.message) == ["unterminated string"])
        #expect(errors.first?.range == SourceRange(7, 12))
        let (_, bad) = Lexer.tokenize("cost @ 3")
        #expect(bad.map(\.problem.message) == ["unexpected character '@'"])
    }

    // MARK: - The parser's trees

    static func sexpr(_ c: Condition) -> String {
        switch c {
        case .and(let a, let b): "(and \(sexpr(a)) \(sexpr(b)))"
        case .or(let a, let b): "(or \(sexpr(a)) \(sexpr(b)))"
        case .not(let a, _): "(not \(sexpr(a)))"
        case .compare(let f, let op, let l): "(\(op.rawValue) \(f.name) \(sexpr(l)))"
        case .contains(let f, let l): "(~ \(f.name) \(sexpr(l)))"
        case .arithmetic(let a, let op, let b): "(\(op.rawValue) \(sexpr(a)) \(sexpr(b)))"
        case .member(let f, let ls, let negated, _): "(\(negated ? "not-in" : "in") \(f.name) \(ls.map(sexpr).joined(separator: " ")))"
        case .teaches(let n, let op, let level, _): "(teaches \(sexpr(n)) \(op.rawValue) \(level))"
        case .needs(let n, let op, let level, _): "(needs \(sexpr(n)) \(op.rawValue) \(level))"
        case .uses(let n, _): "(uses \(sexpr(n)))"
        case .holds(let n, _): "(holds \(sexpr(n)))"
        case .requires(let n, _): "(requires \(sexpr(n)))"
        case .recognizedBy(let n, _): n.map { "(recognized-by \(sexpr($0)))" } ?? "(recognized)"
        case .holdsSome(let ns, let all, _): "(holds-\(all ? "all" : "any") \(ns.map(sexpr).joined(separator: " ")))"
        case .holdsFrom(let n, _): "(holds-from \(sexpr(n)))"
        case .isEmpty(let f, let negated, _): "(\(negated ? "not-empty" : "empty") \(f.name))"
        case .accredited(let by, _): by.map { "(accredited \(sexpr($0)))" } ?? "(accredited)"
        }
    }

    static func sexpr(_ e: Expression) -> String {
        switch e {
        case .field(let f): f.name
        case .number(let n, _): Value.format(n)
        case .parameter(let p, _): "$\(p)"
        case .binary(let op, let a, let b): "(\(op.rawValue) \(sexpr(a)) \(sexpr(b)))"
        case .parenthesized(let inner, _): sexpr(inner)
        }
    }

    static func sexpr(_ l: Literal) -> String {
        switch l.form {
        case .number(let n): Value.format(n)
        case .text(let t): "\"\(t)\""
        case .date(let d): d.description
        case .parameter(let p): "$\(p)"
        }
    }

    static func sexpr(_ n: NameRef) -> String {
        let spelled = switch n.spelling {
        case .words(let w): "[\(w)]"
        case .quoted(let q): "\"\(q)\""
        case .parameter(let p): "$\(p)"
        }
        return n.kind.map { "\($0.rawValue):\(spelled)" } ?? spelled
    }

    static func sexpr(_ s: Source) -> String {
        switch s {
        case .listing(let kind, let c, _): "(\(kind.plural)\(c.map { " " + sexpr($0) } ?? ""))"
        case .count(let inner, _): "(count \(sexpr(inner)))"
        case .skillsOf(let n, _): "(skills-of \(sexpr(n)))"
        case .credentialsOf(let n, _): "(credentials-of \(sexpr(n)))"
        case .holdings(let c, _): "(holdings\(c.map { " " + sexpr($0) } ?? ""))"
        case .credentialsTeaching(let n, _): "(credentials-teaching \(sexpr(n)))"
        case .holdersOf(let n, _): "(holders-of \(sexpr(n)))"
        case .prerequisitesOf(let n, _): "(prerequisites-of \(sexpr(n)))"
        case .partsOf(let n, _): "(parts-of \(sexpr(n)))"
        case .relatedRoles(let n, _): "(roles-related-to \(sexpr(n)))"
        case .stacks(let q):
            "(stacks \(sexpr(q.target))\(q.learner.map { " for " + sexpr($0) } ?? "") by-\(q.ranking.rawValue) limit-\(setting(q.limit))"
                + (q.maxCost.map { " max-cost-\(setting($0))" } ?? "") + (q.maxWeeks.map { " max-weeks-\(setting($0))" } ?? "")
                + (q.using.isEmpty ? "" : " using " + q.using.map(sexpr).joined(separator: " ")) + ")"
        case .nearest(let q):
            "(nearest-\(q.roles ? "roles-for" : "learners-toward") \(sexpr(q.subject)) by-\(q.ranking.rawValue)"
                + (setting(q.limit) == "all" ? "" : " limit-\(setting(q.limit))") + (q.maxCost.map { " max-cost-\(setting($0))" } ?? "") + ")"
        case .gaps(let l, let t, _): "(gaps \(sexpr(l)) \(sexpr(t)))"
        case .compare(let names, _): "(compare \(names.map(sexpr).joined(separator: " ")))"
        case .verify(let who, let day, _): "(verify\(who.map { " " + sexpr($0) } ?? "")\(day.map { " as-of-" + setting($0) } ?? ""))"
        case .variable(let name, let isParameter, _): isParameter ? "$\(name)" : name
        }
    }

    static func setting<T>(_ s: Setting<T>) -> String {
        if case .value(let v as Int) = s, v == Int.max { return "all" }
        return switch s {
        case .value(let v): "\(v)"
        case .parameter(let p, _): "$\(p)"
        }
    }

    static func sexpr(_ s: Stage) -> String {
        switch s {
        case .filter(let c, _): "(where \(sexpr(c)))"
        case .select(let items, _): "(select \(items.map { sexpr($0.expression) + ($0.alias.map { " as " + $0 } ?? "") }.joined(separator: ", ")))"
        case .sort(let keys, _): "(sort \(keys.map { sexpr($0.expression) + ($0.descending ? " desc" : "") }.joined(separator: ", ")))"
        case .limit(let n, _): "(limit \(setting(n)))"
        case .count: "(count)"
        case .group(let f, _): "(group \(f.name))"
        case .aggregate(let a, let f, _): "(\(a.rawValue) \(f.name))"
        case .aggregates(let items, _): "(aggregates \(items.map(\.column).joined(separator: " ")))"
        case .distinct: "(distinct)"
        }
    }

    static func sexpr(_ p: Pipeline) -> String {
        ([sexpr(p.source)] + p.stages.map(sexpr)).joined(separator: " | ")
    }

    static func parsed(_ source: String) -> [String] {
        let (script, errors) = Parser.parse(source)
        return script.statements.map { statement in
            switch statement {
            case .pipeline(let p): sexpr(p)
            case .binding(let b): "(let \(b.name) \(sexpr(b.value)))"
            case .meta(let m): "(.\(m.name)\(m.argument.map { " " + $0 } ?? ""))"
            case .assume(let l, let cs, _): "(assume \(sexpr(l)) \(cs.map(sexpr).joined(separator: " ")))"
            case .forgetAssumptions: "(forget-assumptions)"
            }
        } + errors.map { "error@\($0.range?.start ?? -1): \($0.problem.message)" }
    }

    @Test(arguments: [
        // Precedence: not over and over or; parentheses first.
        ("credentials where a = 1 or b = 2 and not c = 3", "(credentials (or (= a 1) (and (= b 2) (not (= c 3)))))"),
        ("credentials where (a = 1 or b = 2) and c = 3", "(credentials (and (or (= a 1) (= b 2)) (= c 3)))"),
        ("credentials where not not a = 1", "(credentials (not (not (= a 1))))"),
        // `not ... in` and `in`.
        ("credentials where kind not in (badge, course)", "(credentials (not-in kind \"badge\" \"course\"))"),
        ("credentials where not kind in (badge)", "(credentials (not (in kind \"badge\")))"),
        // Relations and the words that stop a name.
        ("credentials where teaches python >= 2 and recognized by google", "(credentials (and (teaches [python] >= 2) (recognized-by [google])))"),
        ("roles where uses c++ or needs sql", "(roles (or (uses [c++]) (needs [sql] >= 1)))"),
        ("credentials where accredited", "(credentials (accredited))"),
        ("credentials where accredited by ace and cost < 9", "(credentials (and (accredited [ace]) (< cost 9)))"),
        ("learners where holds google data analytics", "(learners (holds [google data analytics]))"),
        ("learners where holds any of (aws, google ads) and holds all of (a, b)", "(learners (and (holds-any [aws] [google ads]) (holds-all [a] [b])))"),
        ("learners where holds from aws or holds any", "(learners (or (holds-from [aws]) (holds [any])))"),
        ("learners where holds is not empty", "(learners (not-empty holds))"),
        ("credentials where recognized and recognized_by is empty", "(credentials (and (recognized) (empty recognized_by)))"),
        ("credentials of jane | where status = valid", "(credentials-of [jane]) | (where (= status \"valid\"))"),
        ("holdings where expires < 2027-07-01", "(holdings (< expires 2027-07-01))"),
        // Arithmetic: * and / before + and -, left to right, parentheses first; a negative
        // number after an operand subtracts; a comparison does arithmetic on either side.
        ("credentials | select cost / weeks as cpw, cost - 5 * 2 + hours, (cost + 1) * 2 | sort by cost -5 desc",
         "(credentials) | (select (/ cost weeks) as cpw, (+ (- cost (* 5 2)) hours), (* (+ cost 1) 2)) | (sort (- cost 5) desc)"),
        ("credentials where cost / weeks < 50 and cost > 2 * weeks and weeks < (hours) and kind = badge",
         "(credentials (and (and (and (< (/ cost weeks) 50) (> cost (* 2 weeks))) (< weeks hours)) (= kind \"badge\")))"),
        ("credentials | group by kind | count, avg cost, max weeks", "(credentials) | (group kind) | (aggregates count avg_cost max_weeks)"),
        // Kind prefixes and quoted names.
        ("skills of role cloud architect", "(skills-of role:[cloud architect])"),
        ("holders of credential 'AWS: Associate'", "(holders-of credential:\"AWS: Associate\")"),
        ("roles related to data analyst", "(roles-related-to [data analyst])"),
        // Plans: every option word stops the name before it.
        ("stacks toward cloud architect for mike by weeks limit 3 max cost 500 using aws, google",
         "(stacks [cloud architect] for [mike] by-weeks limit-3 max-cost-500.0 using [aws] [google])"),
        ("stacks toward $role max weeks $w", "(stacks $role by-cost limit-5 max-weeks-$w)"),
        ("gaps for jane toward data analyst", "(gaps [jane] [data analyst])"),
        ("compare a, b c", "(compare [a] [b c])"),
        ("verify mike as of 2026-01-31", "(verify [mike] as-of-2026-01-31)"),
        ("count credentials where cost < 100", "(count (credentials (< cost 100)))"),
        ("credentials | group by kind | avg cost | sort by avg_cost desc | limit $n",
         "(credentials) | (group kind) | (avg cost) | (sort avg_cost desc) | (limit $n)"),
        ("let x = skills | select id as i, name", "(let x (skills) | (select id as i, name))"),
        (".load --catalog", "(.load --catalog)"),
        ("assume mike holds aws saa, google ads", "(assume [mike] [aws saa] [google ads])"),
        ("forget assumptions", "(forget-assumptions)"),
        ("nearest roles for claire by weeks limit 3 max cost 500", "(nearest-roles-for [claire] by-weeks limit-3 max-cost-500.0)"),
        ("nearest learners toward cloud architect", "(nearest-learners-toward [cloud architect] by-cost)"),
        ("assume | count", "assume | (count)"),
    ])
    func parserTrees(_ source: String, _ expected: String) {
        #expect(Self.parsed(source) == [expected], "\(source)")
    }

    /// Every condition knows where it was written.
    @Test func conditionsCarryTheirRanges() {
        let source = "credentials where not cost < 3 and kind in (badge, course) or teaches python >= 2"
        guard case .pipeline(let p)? = Parser.parse(source).script.statements.first, case .listing(_, let c?, _) = p.source,
              case .or(let left, let right) = c, case .and(let not, let member) = left else {
            Issue.record("not parsed as (or (and (not ...) (in ...)) (teaches ...))")
            return
        }
        func text(_ r: SourceRange) -> String {
            let scalars = Array(source.unicodeScalars)
            return String(String.UnicodeScalarView(scalars[r.start..<r.end]))
        }
        #expect(text(c.range) == "not cost < 3 and kind in (badge, course) or teaches python >= 2")
        #expect(text(not.range) == "not cost < 3")
        #expect(text(member.range) == "kind in (badge, course)")
        #expect(text(right.range) == "teaches python >= 2")
    }

    /// An error skips to the end of its statement: the next one is still parsed, and every
    /// error is reported with its place.
    @Test func parserRecoversAtTheNextStatement() {
        #expect(Self.parsed("credentials where\nskills | count\ncredentials | sort cost\nroles") == [
            "(skills) | (count)", "(roles)",
            "error@17: expected a field name, found end of line",
            "error@52: expected 'by', found 'cost'",
        ])
    }
}
