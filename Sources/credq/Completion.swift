@preconcurrency import CReadline
import CredqKit
import Foundation

/// Context-aware Tab completion: keywords and stages, meta-commands, entity names after the
/// words that take one, file paths after `.load`, `.read`, `.output` and `.save`.
enum Completion {
    nonisolated(unsafe) static var graph = Graph()
    nonisolated(unsafe) static var candidates: [String] = []
    nonisolated(unsafe) static var nextCandidate = 0

    static let sources = ["credentials", "skills", "roles", "learners", "organizations", "count", "holders of",
                          "prerequisites of", "parts of", "stacks toward", "gaps for", "compare", "verify", "let"]
    static let stages = ["where", "select", "sort by", "limit", "count", "group by", "sum", "avg", "min", "max", "distinct"]
    static let conditionWords = ["and", "or", "not", "in", "teaches", "needs", "holds", "requires", "recognized by",
                                 "accredited", "asc", "desc", "as", "for", "toward", "by", "using", "limit", "max"]
    static let metaCommands = ["help", "format", "load", "save", "schema", "stats", "timer", "trust", "maxstates", "output", "read", "params", "quit"]

    /// Which kinds of entity a word asks for next.
    static let nameContexts: [String: [EntityKind]] = [
        "of": [.credential, .role, .learner], "teaching": [.skill], "toward": [.role, .credential], "for": [.learner],
        "teaches": [.skill], "needs": [.skill], "holds": [.credential], "requires": [.credential],
        "by": [.organization], "using": [.organization], "compare": [.credential], "verify": [.learner],
    ]

    static func complete(text: UnsafePointer<CChar>?, start: Int32, end: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        let line = rl_line_buffer.map { String(cString: $0) } ?? ""
        let scalars = Array(line.unicodeScalars)
        let before = String(String.UnicodeScalarView(scalars.prefix(Int(start))))
        let word = text.map { String(cString: $0) } ?? ""
        rl_attempted_completion_over = 1
        candidates = Self.candidates(before: before, word: word)
        if candidates.isEmpty, isFileContext(before) {
            rl_attempted_completion_over = 0  // readline completes file names
            return nil
        }
        nextCandidate = 0
        return rl_completion_matches(text) { _, state in
            if state == 0 { Completion.nextCandidate = 0 }
            guard Completion.nextCandidate < Completion.candidates.count else { return nil }
            defer { Completion.nextCandidate += 1 }
            return strdup(Completion.candidates[Completion.nextCandidate])
        }
    }

    static func isFileContext(_ before: String) -> Bool {
        let t = before.trimmingCharacters(in: .whitespaces).lowercased()
        return [".load", ".read", ".output", ".save"].contains { t.hasPrefix($0) }
    }

    /// The completions of `word`, given the text of the statement before it.
    static func candidates(before: String, word: String) -> [String] {
        let statement = before.split(separator: ";", omittingEmptySubsequences: false).last.map(String.init) ?? before
        let trimmed = statement.trimmingCharacters(in: .whitespaces)
        let lower = word.lowercased()
        if trimmed.isEmpty, word.hasPrefix(".") {
            return metaCommands.map { "." + $0 }.filter { $0.hasPrefix(lower) }
        }
        if isFileContext(trimmed) { return [] }
        if trimmed.lowercased().hasPrefix(".help") { return Help.topicNames.filter { $0.hasPrefix(lower) } }
        if trimmed.lowercased().hasPrefix(".format") { return OutputFormat.allCases.map(\.rawValue).filter { $0.hasPrefix(lower) } }
        if trimmed.isEmpty { return sources.filter { $0.hasPrefix(lower) } }
        if trimmed.hasSuffix("|") { return stages.filter { $0.hasPrefix(lower) } }
        // An entity name: the words typed since the last word that asks for one.
        let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map { $0.lowercased() }
        var typedSoFar: [String] = []
        for w in words.reversed() {
            if let kinds = nameContexts[w] {
                let prefix = (typedSoFar.reversed() + [lower]).joined(separator: " ")
                let names = matchingNames(prefix: prefix, kinds: kinds, skip: typedSoFar.reversed().joined(separator: " "))
                if !names.isEmpty || !typedSoFar.isEmpty { return names }
                break
            }
            if stages.contains(w) || conditionWords.contains(w) || w == "where" { break }
            typedSoFar.append(w)
        }
        if trimmed.lowercased().hasSuffix(",") {
            return matchingNames(prefix: lower, kinds: [.credential, .organization], skip: "")
        }
        let fields = Set(EntityKind.allCases.flatMap { Schema.fields(of: $0).map(\.name) })
        return (conditionWords + stages + sources + fields.sorted()).filter { $0.hasPrefix(lower) && !lower.isEmpty }
    }

    /// Names and ids of the kinds that start with `prefix` (or have a word that does), given as
    /// the rest of the name after the words already typed (`skip`).
    /// Ids are offered only when no name or alias matches, so `jan` completes to `Jane Okafor`
    /// rather than stopping at the common part of `jane` and `Jane Okafor`.
    static func matchingNames(prefix: String, kinds: [EntityKind], skip: String) -> [String] {
        let names = matchingLabels(prefix: prefix, kinds: kinds, skip: skip) { [graph.name(of: $0)] + graph.aliases(of: $0) }
        return names.isEmpty ? matchingLabels(prefix: prefix, kinds: kinds, skip: skip) { [graph.id(of: $0)] } : names
    }

    private static func matchingLabels(prefix: String, kinds: [EntityKind], skip: String, labels: (EntityRef) -> [String]) -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        for kind in kinds {
            for i in 0..<graph.count(of: kind) {
                let ref = EntityRef(kind: kind, index: i)
                for label in labels(ref) {
                    let l = label.lowercased()
                    var completion: String?
                    if l.hasPrefix(prefix) {
                        completion = skip.isEmpty ? label : String(label.dropFirst(skip.count + 1))
                    } else if skip.isEmpty, !prefix.isEmpty, l.split(separator: " ").contains(where: { $0.hasPrefix(prefix) }) {
                        completion = label
                    }
                    if let c = completion, !c.isEmpty, seen.insert(c).inserted { out.append(c) }
                }
                if out.count > 200 { return out }
            }
        }
        return out.sorted()
    }
}
