@preconcurrency import CReadline
import CredqKit
import Foundation

/// Context-aware Tab completion: keywords and stages, meta-commands, entity names after the
/// words that take one, file paths after `.load`, `.read`, `.output` and `.save`.
enum Completion {
    nonisolated(unsafe) static var graph = Graph()
    nonisolated(unsafe) static var candidates: [String] = []
    nonisolated(unsafe) static var nextCandidate = 0

    static let sources = Keywords.sources
    static let stages = Keywords.stages
    static let conditionWords: [String] = Array(Keywords.others.prefix(4)) + Keywords.relations + Array(Keywords.others.dropFirst(4))
    static let metaCommands = Keywords.metaCommands

    /// Which kinds of entity a word asks for next.
    static let nameContexts: [String: [EntityKind]] = [
        "of": [.credential, .role, .learner], "teaching": [.skill], "toward": [.role, .credential], "for": [.learner],
        "teaches": [.skill], "needs": [.skill], "uses": [.skill], "to": [.role], "holds": [.credential], "requires": [.credential],
        "by": [.organization], "using": [.organization], "from": [.organization], "assume": [.learner], "compare": [.credential], "verify": [.learner],
    ]

    static func complete(text: UnsafePointer<CChar>?, start: Int32, end: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        let line = rl_line_buffer.map { String(cString: $0) } ?? ""
        let scalars = Array(line.unicodeScalars)
        let before = String(String.UnicodeScalarView(scalars.prefix(Int(start))))
        let word = text.map { String(cString: $0) } ?? ""
        rl_attempted_completion_over = 1
        // A name that must be quoted, typed as bare words: the one completion replaces the
        // words with the quoted name (readline itself only replaces the last word).
        if let (from, quoted) = Self.quotedReplacement(before: before, word: word) {
            let startByte = String(String.UnicodeScalarView(scalars.prefix(from))).utf8.count
            rl_delete_text(Int32(startByte), rl_point)
            rl_point = Int32(startByte)
            rl_insert_text(quoted)
            return nil
        }
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

    /// Whether a name must be written in quotes: it has a character a bare word cannot hold.
    static func needsQuotes(_ name: String) -> Bool {
        let odd = name.unicodeScalars.contains { c in
            !(c == " " || c == "_" || c == "." || c == "+" || c == "-" || (c.properties.isAlphabetic) || ("0"..."9").contains(c))
        }
        // A word must start with a letter, '_' or a digit: "Architect - Associate" has a '-'
        // standing alone, which is an operator, not part of a name.
        let loose = name.split(separator: " ").contains { word in
            guard let first = word.unicodeScalars.first else { return false }
            return !(first == "_" || first.properties.isAlphabetic || ("0"..."9").contains(first))
        }
        return odd || loose
    }

    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Bare words typed toward a name that completes to exactly one name that needs quotes:
    /// where the words start (a scalar offset in `before`), and the quoted name.
    static func quotedReplacement(before: String, word: String) -> (Int, String)? {
        guard !isInsideQuotes(before) else { return nil }
        let found = nameCompletion(before: before, word: word)
        guard let found, !found.typed.isEmpty, found.names.count == 1, needsQuotes(found.full[0]) else { return nil }
        return (found.start, quoted(found.full[0]) + " ")
    }

    /// Whether the text ends inside an open string.
    static func isInsideQuotes(_ before: String) -> Bool {
        var inside: Character?
        var escaped = false
        for c in before {
            if escaped { escaped = false; continue }
            if c == "\\", inside != nil { escaped = true; continue }
            if let q = inside { if c == q { inside = nil } } else if c == "\"" || c == "'" { inside = c }
        }
        return inside != nil
    }

    /// The names a word (and the bare words before it) may complete to, after a word that
    /// asks for a name: the rest of each name after the words typed, the whole names, the
    /// words typed, and where they start.
    static func nameCompletion(before: String, word: String) -> (names: [String], full: [String], typed: [String], start: Int)? {
        let statement = before.split(separator: ";", omittingEmptySubsequences: false).last.map(String.init) ?? before
        let offset = before.unicodeScalars.count - statement.unicodeScalars.count
        let scalars = Array(statement.unicodeScalars)
        // Words with their start offsets.
        var words: [(text: String, start: Int)] = []
        var i = 0
        while i < scalars.count {
            if scalars[i] == " " || scalars[i] == "\t" || scalars[i] == "," { i += 1; continue }
            let s = i
            while i < scalars.count, scalars[i] != " ", scalars[i] != "\t", scalars[i] != "," { i += 1 }
            words.append((String(String.UnicodeScalarView(scalars[s..<i])).lowercased(), s))
        }
        var typed: [(text: String, start: Int)] = []
        for (k, w) in words.enumerated().reversed() {
            if let kinds = nameContexts[w.text], !(w.text == "by" && k > 0 && ["sort", "group"].contains(words[k - 1].text)) {
                let soFar = typed.reversed().map(\.text)
                let prefix = (soFar + [word.lowercased()]).joined(separator: " ")
                let skip = soFar.joined(separator: " ")
                let full = matchingLabels(prefix: prefix, kinds: kinds, skip: "") { [graph.name(of: $0)] + graph.aliases(of: $0) }
                    .filter { soFar.isEmpty || $0.lowercased().hasPrefix(prefix) }
                let names = matchingNames(prefix: prefix, kinds: kinds, skip: skip)
                let start = offset + (typed.last?.start ?? scalars.count)
                return (names, full, soFar, start)
            }
            if stages.contains(w.text) || conditionWords.contains(w.text) || w.text == "where" || w.text == "|" { return nil }
            typed.append(w)
        }
        return nil
    }

    /// The completions of `word`, given the text of the statement before it.
    static func candidates(before: String, word: String) -> [String] {
        let statement = before.split(separator: ";", omittingEmptySubsequences: false).last.map(String.init) ?? before
        let trimmed = statement.trimmingCharacters(in: .whitespaces)
        let lower = word.lowercased()
        // Inside an open quote: whole names (readline closes the quote).
        if isInsideQuotes(before) {
            return matchingLabels(prefix: lower, kinds: EntityKind.allCases, skip: "") { [graph.name(of: $0)] + graph.aliases(of: $0) }
                .filter { $0.lowercased().hasPrefix(lower) }
        }
        // Field names after `select`, `sort by`, `group by`, `where`, and a comma in a select.
        let lastWords = trimmed.lowercased().split(separator: " ").suffix(2).map(String.init)
        if let last = lastWords.last, ["select", "where", "and", "or", "not"].contains(last) || (last == "by" && ["sort", "group"].contains(lastWords.first ?? ""))
            || (trimmed.hasSuffix(",") && trimmed.lowercased().contains("select")) {
            let relations = last == "select" || last == "by" || trimmed.hasSuffix(",") ? [] : Keywords.relations + ["not"]
            return (fieldNames + relations).filter { $0.hasPrefix(lower) }
        }
        if trimmed.isEmpty, word.hasPrefix(".") {
            return metaCommands.map { "." + $0 }.filter { $0.hasPrefix(lower) }
        }
        if isFileContext(trimmed) { return [] }
        if trimmed.lowercased().hasPrefix(".help") { return Help.topicNames.filter { $0.hasPrefix(lower) } }
        if trimmed.lowercased().hasPrefix(".format") { return OutputFormat.allCases.map(\.rawValue).filter { $0.hasPrefix(lower) } }
        if trimmed.isEmpty { return sources.filter { $0.hasPrefix(lower) } }
        if trimmed.hasSuffix("|") { return stages.filter { $0.hasPrefix(lower) } }
        // The rest of a source of several words: `roles rel` → `roles related to`.
        let typedWords = trimmed.lowercased().split(separator: " ").map(String.init)
        let rests = sources.compactMap { phrase -> String? in
            let words = phrase.split(separator: " ").map(String.init)
            guard !lower.isEmpty, words.count > typedWords.count, Array(words.prefix(typedWords.count)) == typedWords,
                  words[typedWords.count].hasPrefix(lower) else { return nil }
            return words[typedWords.count...].joined(separator: " ")
        }
        if !rests.isEmpty { return rests }
        // An entity name: the words typed since the last word that asks for one.
        if let found = nameCompletion(before: before, word: word) {
            // A name that needs quotes is offered quoted when it is all still to type.
            if found.typed.isEmpty, !found.names.isEmpty { return found.names.map { needsQuotes($0) ? quoted($0) : $0 } }
            if !found.names.isEmpty { return found.names }
            // A complete name: what may follow it.
            if !found.typed.isEmpty || lower.isEmpty { return afterName.filter { $0.hasPrefix(lower) } }
        }
        if trimmed.lowercased().hasSuffix(",") {
            return matchingNames(prefix: lower, kinds: [.credential, .organization], skip: "")
        }
        return (conditionWords + stages + sources + fieldNames).filter { $0.hasPrefix(lower) && !lower.isEmpty }
    }

    static let fieldNames = Set(EntityKind.allCases.flatMap { Schema.fields(of: $0).map(\.name) }).sorted()
    /// What may follow a complete name in a statement.
    static let afterName = ["for", "toward", "by", "limit", "max", "using", "as", "and", "or", "|"]

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
