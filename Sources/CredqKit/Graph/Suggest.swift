/// Closest-spelling suggestions for "did you mean".
enum Suggest {
    /// Up to `limit` candidates nearest to `word` by edit distance (ignoring case), nearest
    /// first, and only those close enough to be a plausible typo.
    ///
    /// A name that is not found on a graph of a million credentials is measured against
    /// millions of labels, so a candidate in plain ASCII (most are) is measured on its bytes,
    /// in buffers kept across candidates; that gives the distance the characters give, as
    /// each such byte is one character and lowercases alone.
    static func closest(to word: String, among candidates: some Sequence<String>, limit: Int) -> [String] {
        guard limit > 0 else { return [] }
        let target = Array(word.lowercased())
        let budget = max(2, target.count / 3)
        let plainTarget: [UInt8]? = target.allSatisfy { $0.isASCII && $0 != "\r\n" } ? Array(String(target).utf8) : nil
        let rows = Rows(count: 64)
        // The nearest distinct candidates so far, nearest first, then by spelling. Once there
        // are `limit` of them, a candidate farther than the last cannot be among them, so the
        // bound tightens and most candidates are given up after a few characters.
        var best: [(distance: Int, label: String)] = []
        for candidate in candidates {
            let bound = best.count == limit ? best[limit - 1].distance : budget
            let d: Int
            if let plainTarget, let measured = plainDistance(plainTarget, candidate, bound: bound, rows: rows) {
                d = measured
            } else {
                let c = Array(candidate.lowercased())
                if abs(c.count - target.count) > bound { continue }
                d = distance(target, c, bound: bound)
            }
            guard d <= bound, !best.contains(where: { $0.label == candidate }) else { continue }
            let place = best.firstIndex { d < $0.distance || (d == $0.distance && candidate < $0.label) } ?? best.count
            guard place < limit else { continue }
            best.insert((d, candidate), at: place)
            if best.count > limit { best.removeLast() }
        }
        return best.map(\.label)
    }

    /// Two rows of the distance table, kept across candidates.
    final class Rows {
        private(set) var previous: UnsafeMutablePointer<Int>, current: UnsafeMutablePointer<Int>
        private var count: Int

        init(count: Int) {
            self.count = count
            previous = .allocate(capacity: count)
            current = .allocate(capacity: count)
        }

        deinit {
            previous.deallocate()
            current.deallocate()
        }

        /// Room for `n` cells in each row.
        func reserve(_ n: Int) {
            guard n > count else { return }
            previous.deallocate()
            current.deallocate()
            count = n
            previous = .allocate(capacity: n)
            current = .allocate(capacity: n)
        }
    }

    /// The distance from a lowercased ASCII target to a candidate, when the candidate is
    /// plain ASCII (nil otherwise, to be measured by its characters); past `bound`, bound + 1.
    static func plainDistance(_ a: [UInt8], _ candidate: String, bound: Int, rows: Rows) -> Int? {
        var candidate = candidate
        return candidate.withUTF8 { b -> Int? in
            for byte in b where byte >= 0x80 || byte == 0x0D { return nil }  // "\r\n" is one character
            if abs(b.count - a.count) > bound { return bound + 1 }
            if a.isEmpty { return b.count }
            if b.isEmpty { return a.count }
            rows.reserve(b.count + 1)
            var previous = rows.previous, current = rows.current
            for j in 0...b.count { previous[j] = j }
            for i in 1...a.count {
                current[0] = i
                var rowMin = i
                let x = a[i - 1]
                for j in 1...b.count {
                    let y = NameIndex.loweredASCII(b[j - 1])
                    let v = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x == y ? 0 : 1))
                    current[j] = v
                    rowMin = Swift.min(rowMin, v)
                }
                if rowMin > bound { return bound + 1 }
                swap(&previous, &current)
            }
            return previous[b.count]
        }
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
