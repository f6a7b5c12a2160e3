/// Resolves a name the user typed to one entity: an exact id; else an exact name or alias,
/// ignoring case; else the single entity whose name or alias contains every word typed.
struct Resolver {
    let graph: Graph

    func resolve(_ text: String, kinds: [EntityKind], range: SourceRange) throws(ScriptError) -> EntityRef {
        let trimmed = text.trimmingSuffix { $0 == " " }
        let typed = String(trimmed)
        // 1. An exact id, in the order the context prefers kinds.
        for kind in kinds {
            if let i = graph.index(of: typed, kind: kind) { return EntityRef(kind: kind, index: i) }
        }
        // 2. An exact name or alias, ignoring case.
        let exact = graph.entities(named: typed.lowercased()).filter { kinds.contains($0.kind) }
        if let ref = preferred(exact, kinds: kinds) { return ref }
        if exact.count > 1 {
            throw ScriptError(.ambiguousName(kinds: kinds, name: typed, candidates: exact.map(describe), total: exact.count), range)
        }
        // 3. The single entity whose name or alias contains all the words.
        let words = typed.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
        var matches: [EntityRef] = []
        if !words.isEmpty {
            let plainWords = words.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } } ? words.map { Array($0.utf8) } : nil
            for kind in kinds {
                for i in 0..<graph.count(of: kind) {
                    let ref = EntityRef(kind: kind, index: i)
                    if Self.containsAll(graph.name(of: ref), words, plainWords)
                        || graph.aliases(of: ref).contains(where: { Self.containsAll($0, words, plainWords) }) {
                        matches.append(ref)
                    }
                }
            }
        }
        if let ref = preferred(matches, kinds: kinds) { return ref }
        // Several: the one that has the words together, as a phrase, wins.
        let phrase = words.joined(separator: " ")
        let phraseMatches = matches.filter { ref in
            ([graph.name(of: ref)] + graph.aliases(of: ref)).contains { $0.lowercased().contains(phrase) }
        }
        if phraseMatches.count < matches.count, let ref = preferred(phraseMatches, kinds: kinds) { return ref }
        if matches.count > 1 {
            let shown = matches.prefix(6).map(describe) + (matches.count > 6 ? ["\(matches.count - 6) more"] : [])
            throw ScriptError(.ambiguousName(kinds: kinds, name: typed, candidates: shown, total: matches.count), range)
        }
        // An exact id or name of another kind: say what it is, not that it is unknown.
        let others = EntityKind.allCases.filter { !kinds.contains($0) }
        if let kind = others.first(where: { graph.index(of: typed, kind: $0) != nil })
            ?? graph.entities(named: typed.lowercased()).first(where: { others.contains($0.kind) })?.kind {
            throw ScriptError(.wrongKind(name: typed, found: kind, expected: kinds), range)
        }
        throw ScriptError(.unknownName(kinds: kinds, name: typed, candidates: closest(typed, kinds: kinds)), range)
    }

    /// Whether a label, lowercased, contains every word (each lowercased). Every name of a
    /// large graph is asked when a name is not found whole, so a label in plain ASCII is
    /// searched on its bytes, folding case as it goes (with the same answer: each such byte is
    /// one character); `plainWords` are the words' bytes when they are plain ASCII too.
    static func containsAll(_ label: String, _ words: [String], _ plainWords: [[UInt8]]?) -> Bool {
        if let plainWords {
            var label = label
            let found = label.withUTF8 { b -> Bool? in
                for byte in b where byte >= 0x80 { return nil }
                return plainWords.allSatisfy { word in
                    guard word.count <= b.count else { return false }
                    if word.isEmpty { return true }
                    return (0...(b.count - word.count)).contains { start in
                        (0..<word.count).allSatisfy { k in NameIndex.loweredASCII(b[start + k]) == word[k] }
                    }
                }
            }
            if let found { return found }
        }
        let lowered = label.lowercased()
        return words.allSatisfy { lowered.contains($0) }
    }

    /// The match when there is one, or one in the kind the context names first.
    private func preferred(_ refs: [EntityRef], kinds: [EntityKind]) -> EntityRef? {
        if refs.count == 1 { return refs[0] }
        guard refs.count > 1 else { return nil }
        for kind in kinds {
            let ofKind = refs.filter { $0.kind == kind }
            if ofKind.count == 1 { return ofKind[0] }
            if ofKind.count > 1 { return nil }
        }
        return nil
    }

    /// `"Name"`, with the kind when the context allows several.
    private func describe(_ ref: EntityRef) -> String {
        "\"\(graph.name(of: ref))\" (\(ref.kind.rawValue) \(graph.id(of: ref)))"
    }

    /// The names and aliases nearest in spelling, as `"Name"` or `"Name" (alias "a")`.
    private func closest(_ typed: String, kinds: [EntityKind]) -> [String] {
        // Every label and whose it is (a name or id: no alias); only the nearest are shown.
        var labels: [String] = [], owners: [(ref: EntityRef, alias: String?)] = []
        for kind in kinds {
            for i in 0..<graph.count(of: kind) {
                let ref = EntityRef(kind: kind, index: i)
                labels.append(graph.name(of: ref))
                labels.append(graph.id(of: ref))
                owners.append((ref, nil))
                owners.append((ref, nil))
                for alias in graph.aliases(of: ref) {
                    labels.append(alias)
                    owners.append((ref, alias))
                }
            }
        }
        let near = Suggest.closest(to: typed, among: labels, limit: 3)
        var seen = Set<String>()
        return near.compactMap { label in
            labels.firstIndex(of: label).map { i in
                let name = graph.name(of: owners[i].ref)
                return owners[i].alias.map { "\"\(name)\" (alias \"\($0)\")" } ?? "\"\(name)\""
            }
        }.filter { seen.insert($0).inserted }
    }
}
