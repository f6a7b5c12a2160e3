/// Closest-spelling suggestions for "did you mean".
enum Suggest {
    /// Up to `limit` candidates nearest to `word` by edit distance (ignoring case), nearest
    /// first, and only those close enough to be a plausible typo.
    static func closest(to word: String, among candidates: some Sequence<String>, limit: Int) -> [String] {
        let target = Array(word.lowercased())
        var scored: [(Int, String)] = []
        let budget = max(2, target.count / 3)
        for candidate in candidates {
            let c = Array(candidate.lowercased())
            if abs(c.count - target.count) > budget { continue }
            let d = distance(target, c, bound: budget)
            if d <= budget { scored.append((d, candidate)) }
        }
        scored.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var seen = Set<String>()
        return scored.map(\.1).filter { seen.insert($0).inserted }.prefix(limit).map { $0 }
    }

    /// Levenshtein distance, giving up (returning bound + 1) once it must exceed `bound`.
    static func distance(_ a: [Character], _ b: [Character], bound: Int) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMin = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMin = Swift.min(rowMin, current[j])
            }
            if rowMin > bound { return bound + 1 }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
