import Testing
@testable import CredqKit

/// "Did you mean" measures a typed word against every label, quickly; its answers must be
/// those of the plain definition: the labels nearest by edit distance over lowercased
/// characters, within a third of the word's length (at least 2), nearest first, then by
/// spelling, each once.
@Suite struct SuggestTests {
    /// The definition, measured the slow way: every label within the bound, nearest first,
    /// then by spelling, each once (the answer for a limit is its first `limit`).
    static func reference(_ word: String, _ labels: [String]) -> [String] {
        let target = Array(word.lowercased())
        let budget = max(2, target.count / 3)
        var scored: [(Int, String)] = []
        for label in labels {
            let d = Self.levenshtein(target, Array(label.lowercased()))
            if d <= budget { scored.append((d, label)) }
        }
        scored.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var seen = Set<String>()
        return scored.map(\.1).filter { seen.insert($0).inserted }
    }

    static func levenshtein(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row
            previous[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                previous[j] = min(row[j] + 1, previous[j - 1] + 1, row[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            row = previous
        }
        return row[b.count]
    }

    @Test(arguments: 0..<30)
    func matchesTheDefinition(seed: UInt64) {
        var r = PlannerTests.Random(state: seed)
        // Letters in both cases, digits, a space, accented and combined characters, a CR LF.
        let alphabet: [String] = ["a", "b", "c", "A", "B", "C", "1", " ", "é", "É", "e\u{301}", "ß", "\r\n", "-"]
        func word() -> String { (0..<r.next(12)).map { _ in alphabet[r.next(alphabet.count)] }.joined() }
        let labels = (0..<300).map { _ in word() }
        for _ in 0..<20 {
            let typed = r.chance(50) ? word() : labels[r.next(labels.count)] + alphabet[r.next(alphabet.count)]
            let nearest = Self.reference(typed, labels)
            for limit in [0, 1, 3] {
                #expect(Suggest.closest(to: typed, among: labels, limit: limit) == Array(nearest.prefix(limit)),
                        "\(typed.debugDescription), limit \(limit)")
            }
        }
    }
}

/// A name found by its words: a label contains every word typed, ignoring case; the fast
/// search on bytes must answer as `lowercased().contains` does.
@Suite struct WordSearchTests {
    @Test(arguments: 0..<20)
    func matchesLowercasedContains(seed: UInt64) {
        var r = PlannerTests.Random(state: seed)
        let alphabet: [String] = ["a", "b", "A", "B", "1", " ", "é", "É", "e\u{301}", "ß", "-", "z", "Z"]
        func text(_ n: Int) -> String { (0..<r.next(n)).map { _ in alphabet[r.next(alphabet.count)] }.joined() }
        for _ in 0..<200 {
            let label = text(16)
            let words = (0..<(1 + r.next(3))).map { _ in text(4).lowercased() }.filter { !$0.isEmpty }
            let plain = words.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } } ? words.map { Array($0.utf8) } : nil
            let lowered = label.lowercased()
            #expect(Resolver.containsAll(label, words, plain) == words.allSatisfy { lowered.contains($0) },
                    "\(label.debugDescription) \(words)")
        }
    }
}
