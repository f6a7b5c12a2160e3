import Foundation
import Testing
@testable import CredqKit

/// The grammar file is the authority: sentences generated from `grammar/credq.ebnf` itself
/// must parse, and every rule in it must be used by some golden test.
@Suite struct GrammarTests {
    static let grammarText = try! String(contentsOf: Support.root.appendingPathComponent("grammar/credq.ebnf"), encoding: .utf8)
    static let grammar = try! EBNF(grammarText)

    @Test func grammarFileParses() {
        #expect(Self.grammar.rules.count > 40)
        #expect(Self.grammar.rules["script"] != nil)
        // Every rule a rule refers to is defined.
        #expect(Self.grammar.undefinedReferences().isEmpty, "undefined: \(Self.grammar.undefinedReferences())")
    }

    @Test(arguments: 0..<400)
    func generatedSentencesParse(seed: Int) {
        var generator = SentenceGenerator(grammar: Self.grammar, seed: UInt64(seed) &+ 1)
        // Whole scripts, and single pipelines, where most of the language lives.
        let sentence = generator.sentence(from: seed % 2 == 0 ? "script" : "pipeline")
        if ProcessInfo.processInfo.environment["CREDQ_SHOW_SENTENCES"] != nil { print("sentence \(seed):\n\(sentence)") }
        let (_, errors) = Parser.parse(sentence)
        #expect(errors.isEmpty, "generated from the grammar but refused:\n\(sentence)\n\(errors.map { $0.rendered(sourceName: "generated", source: sentence) }.joined())")
    }

    /// The nesting limit is the same for every statement: one refused as too deep does not
    /// leave its levels counted against the next.
    @Test func theNestingLimitDoesNotShrinkAfterTooDeepStatements() {
        func parens(_ n: Int) -> String { "credentials where " + String(repeating: "(", count: n) + "cost < 1" + String(repeating: ")", count: n) }
        let tooDeep = Array(repeating: parens(250), count: 5)
        let (script, errors) = Parser.parse((tooDeep + [parens(195)]).joined(separator: "\n"))
        #expect(errors.count == 5)
        #expect(errors.allSatisfy { $0.rendered(sourceName: "s", source: "").contains("nested more than 200 levels deep") })
        #expect(script.statements.count == 1)
    }

    @Test func everyRuleIsUsedByAGoldenTest() throws {
        var used = Set<String>()
        for path in GoldenTests.cases {
            let text = try String(contentsOf: GoldenTests.folder.appendingPathComponent(path), encoding: .utf8)
            used.formUnion(Parser.parseTracingRules(text).2)
        }
        let unused = Set(Self.grammar.rules.keys).subtracting(used)
        #expect(unused.isEmpty, "rules no golden test uses: \(unused.sorted())")
        let unknown = used.subtracting(Self.grammar.rules.keys)
        #expect(unknown.isEmpty, "the parser traces rules the grammar lacks: \(unknown.sorted())")
    }
}

// MARK: - A small W3C EBNF reader

/// A W3C EBNF grammar: `name ::= expression` rules, with `|`, sequences, `?`, `*`, `+`,
/// parentheses, quoted terminals, character classes and `#xN` characters.
struct EBNF: Sendable {
    indirect enum Expr: Sendable {
        case terminal(String)
        case reference(String)
        case charClass(String)
        case sequence([Expr])
        case choice([Expr])
        case optional(Expr)
        case zeroOrMore(Expr)
        case oneOrMore(Expr)
    }

    struct SyntaxError: Error { var message: String }

    var rules: [String: Expr] = [:]

    init(_ text: String) throws {
        // Drop comments, then split into rules at lines of the form `name ::=`.
        var body = text
        while let open = body.range(of: "/*"), let close = body.range(of: "*/", range: open.upperBound..<body.endIndex) {
            body.removeSubrange(open.lowerBound..<close.upperBound)
        }
        var current: (name: String, text: String)?
        var pending: [(String, String)] = []
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            if let r = line.range(of: "::="), !line.hasPrefix(" ") {
                if let c = current { pending.append(c) }
                current = (line[..<r.lowerBound].trimmingCharacters(in: .whitespaces), String(line[r.upperBound...]))
            } else if current != nil {
                current!.text += " " + line
            }
        }
        if let c = current { pending.append(c) }
        for (name, text) in pending {
            var p = ExprParser(Array(text))
            rules[name] = try p.parseChoice()
            p.skipSpace()
            if p.i < p.chars.count { throw SyntaxError(message: "rule \(name): unexpected '\(p.chars[p.i])'") }
        }
    }

    func undefinedReferences() -> Set<String> {
        var refs = Set<String>()
        func walk(_ e: Expr) {
            switch e {
            case .reference(let r): refs.insert(r)
            case .sequence(let items), .choice(let items): items.forEach(walk)
            case .optional(let x), .zeroOrMore(let x), .oneOrMore(let x): walk(x)
            default: break
            }
        }
        rules.values.forEach(walk)
        return refs.subtracting(rules.keys)
    }

    struct ExprParser {
        let chars: [Character]
        var i = 0
        init(_ chars: [Character]) { self.chars = chars }

        mutating func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }

        mutating func parseChoice() throws -> Expr {
            var options = [try parseSequence()]
            skipSpace()
            while i < chars.count, chars[i] == "|" {
                i += 1
                options.append(try parseSequence())
                skipSpace()
            }
            return options.count == 1 ? options[0] : .choice(options)
        }

        mutating func parseSequence() throws -> Expr {
            var items: [Expr] = []
            while true {
                skipSpace()
                guard i < chars.count, chars[i] != "|", chars[i] != ")" else { break }
                var item = try parsePrimary()
                if i < chars.count {
                    switch chars[i] {
                    case "?": item = .optional(item); i += 1
                    case "*": item = .zeroOrMore(item); i += 1
                    case "+": item = .oneOrMore(item); i += 1
                    default: break
                    }
                }
                items.append(item)
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        mutating func parsePrimary() throws -> Expr {
            let c = chars[i]
            switch c {
            case "(":
                i += 1
                let e = try parseChoice()
                skipSpace()
                guard i < chars.count, chars[i] == ")" else { throw SyntaxError(message: "missing ')'") }
                i += 1
                return e
            case "'", "\"":
                i += 1
                let start = i
                while i < chars.count, chars[i] != c { i += 1 }
                let text = String(chars[start..<i])
                i += 1
                return .terminal(text)
            case "[":
                let start = i
                i += 1
                while i < chars.count, chars[i] != "]" { i += 1 }
                i += 1
                return .charClass(String(chars[start..<i]))
            case "#":
                let start = i
                i += 2
                while i < chars.count, chars[i].isHexDigit { i += 1 }
                return .charClass(String(chars[start..<i]))
            case ".":
                i += 1
                return .charClass(".")
            default:
                let start = i
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { i += 1 }
                guard i > start else { throw SyntaxError(message: "unexpected '\(c)'") }
                return .reference(String(chars[start..<i]))
            }
        }
    }
}

/// Random sentences from a grammar. Token rules (upper-case names) give sample lexemes; past
/// a depth, repetition stops and choices take their shortest option, so generation ends.
struct SentenceGenerator {
    let grammar: EBNF
    var state: UInt64
    let maxDepth = 14

    /// Lexemes for token rules: words that are no keyword, small numbers valid as levels and limits.
    static let samples: [String: [String]] = [
        "WORD": ["python", "cloud", "alpha", "data-2", "node.js"],
        "FIELD": ["cost", "name", "kind", "weeks", "provider"],
        "IDENT": ["cheap", "mine", "picks"],
        "NUMBER": ["1", "2", "3", "4"],
        "DATE": ["2025-06-30", "2024-02-29"],
        "STRING": ["\"Cloud Solutions Architect\"", "'data, with commas'", "\"a \\\"quoted\\\" word\""],
        "PARAM": ["$who", "$budget"],
        "META": [".help", ".format", ".load", ".timer"],
        "META_ARGUMENT": ["json", "some/file.json", "on"],
        "NEWLINE": ["\n"],
    ]

    init(grammar: EBNF, seed: UInt64) {
        self.grammar = grammar
        state = seed &* 0x9E37_79B9_7F4A_7C15
    }

    mutating func next(_ n: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state % UInt64(n))
    }

    mutating func sentence(from start: String) -> String {
        var tokens: [String] = []
        expand(.reference(start), depth: 0, into: &tokens)
        return tokens.joined(separator: " ")
    }

    private mutating func expand(_ e: EBNF.Expr, depth: Int, into out: inout [String]) {
        let deep = depth > maxDepth
        switch e {
        case .terminal(let t): out.append(t)
        case .charClass: break
        case .reference(let name):
            if let samples = Self.samples[name] {
                out.append(samples[next(samples.count)])
            } else if let rule = grammar.rules[name] {
                expand(rule, depth: depth + 1, into: &out)
            }
        case .sequence(let items):
            for item in items { expand(item, depth: depth, into: &out) }
        case .choice(let options):
            let pick = deep ? options.indices.min { size(options[$0]) < size(options[$1]) }! : next(options.count)
            expand(options[pick], depth: depth, into: &out)
        case .optional(let x):
            if !deep, next(3) != 0 { expand(x, depth: depth, into: &out) }
        case .zeroOrMore(let x):
            let n = deep ? 0 : next(3)
            for _ in 0..<n { expand(x, depth: depth, into: &out) }
        case .oneOrMore(let x):
            let n = deep ? 1 : 1 + next(2)
            for _ in 0..<n { expand(x, depth: depth, into: &out) }
        }
    }

    /// A rough size of the smallest expansion, to pick the way out when deep.
    private func size(_ e: EBNF.Expr, _ seen: Set<String> = []) -> Int {
        switch e {
        case .terminal, .charClass: return 1
        case .reference(let name):
            if Self.samples[name] != nil { return 1 }
            if seen.contains(name) { return 1000 }
            return grammar.rules[name].map { size($0, seen.union([name])) } ?? 1
        case .sequence(let items): return items.reduce(0) { $0 + size($1, seen) }
        case .choice(let options): return options.map { size($0, seen) }.min() ?? 0
        case .optional, .zeroOrMore: return 0
        case .oneOrMore(let x): return size(x, seen)
        }
    }
}
