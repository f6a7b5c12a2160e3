import Crypto

/// RDF Dataset Canonicalization, RDFC-1.0 (https://www.w3.org/TR/rdf-canon/): blank nodes get
/// labels `c14n0`, `c14n1`, ... that depend only on the dataset's shape, so that two
/// serialisations of one dataset give the same canonical N-Quads, and so the same hash.
///
/// Blank nodes whose first-degree hash (their quads, themselves as `_:a`, other blank nodes as
/// `_:z`) is unique are labelled in hash order. The rest are told apart by the N-degree hash,
/// which follows paths through related blank nodes and tries every order of blank nodes that
/// share a hash: exponential on purpose-built graphs, so the work is bounded, and a dataset
/// that needs more is refused (`tooComplex`), never a hang.
struct RDFCanonicalizer {
    enum Hash: Sendable { case sha256, sha384 }

    enum Failure: Error, Equatable {
        /// The N-degree hashing went past its bound: a poison dataset (or a very symmetric one).
        case tooComplex(steps: Int)
    }

    let hash: Hash
    /// How many N-degree hash calls and permutations one dataset may take.
    let maxSteps: Int

    init(hash: Hash = .sha256, maxSteps: Int = 100_000) {
        self.hash = hash
        self.maxSteps = maxSteps
    }

    /// The canonical N-Quads of the dataset: each quad once, blank nodes relabelled, sorted.
    func canonicalize(_ quads: [RDFQuad]) throws(Failure) -> String {
        let (labels, unique) = try canonicalLabels(quads)
        var lines = Set<String>()
        for q in unique { lines.insert(Self.relabelled(q, labels).nquads) }
        return lines.sorted(by: Self.codePointOrder).joined()
    }

    /// The canonical label of each blank node (the issued identifier map).
    func canonicalLabels(_ input: [RDFQuad]) throws(Failure) -> (labels: [String: String], quads: [RDFQuad]) {
        var state = State(hash: hash, maxSteps: maxSteps)
        // A dataset is a set: a quad written twice is one quad.
        var seen = Set<RDFQuad>()
        let quads = input.filter { seen.insert($0).inserted }
        for q in quads {
            for term in [q.subject, q.object, q.graph] {
                if let b = term?.blankLabel { state.quadsOf[b, default: []].append(q) }
            }
        }
        var byHash: [String: [String]] = [:]
        for b in state.quadsOf.keys.sorted(by: Self.codePointOrder) {
            byHash[state.firstDegreeHash(b), default: []].append(b)
        }
        var shared: [String] = []
        for h in byHash.keys.sorted(by: Self.codePointOrder) {
            let nodes = byHash[h]!
            if nodes.count == 1 { _ = state.canonical.issue(nodes[0]) } else { shared.append(h) }
        }
        for h in shared {
            var results: [(hash: String, issuer: IdentifierIssuer)] = []
            for n in byHash[h]! where state.canonical.issued[n] == nil {
                var temporary = IdentifierIssuer(prefix: "b")
                _ = temporary.issue(n)
                results.append(try state.nDegreeHash(n, temporary))
            }
            for r in results.sorted(by: { Self.codePointOrder($0.hash, $1.hash) }) {
                for old in r.issuer.order { _ = state.canonical.issue(old) }
            }
        }
        return (state.canonical.issued, quads)
    }

    static func relabelled(_ q: RDFQuad, _ labels: [String: String]) -> RDFQuad {
        func r(_ t: RDFTerm) -> RDFTerm { t.blankLabel.map { .blank(labels[$0]!) } ?? t }
        return RDFQuad(subject: r(q.subject), predicate: q.predicate, object: r(q.object), graph: q.graph.map(r))
    }

    /// Unicode code point order, which RDFC-1.0 sorts by (Swift's `<` on String is not it).
    static func codePointOrder(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
    }

    /// Issues identifiers with a prefix and a counter, remembering the order issued.
    struct IdentifierIssuer {
        let prefix: String
        var counter = 0
        var issued: [String: String] = [:]
        var order: [String] = []

        init(prefix: String) { self.prefix = prefix }

        mutating func issue(_ existing: String) -> String {
            if let known = issued[existing] { return known }
            let id = prefix + String(counter)
            counter += 1
            issued[existing] = id
            order.append(existing)
            return id
        }
    }

    private struct State {
        let hash: Hash
        let maxSteps: Int
        var steps = 0
        var quadsOf: [String: [RDFQuad]] = [:]
        var canonical = IdentifierIssuer(prefix: "c14n")
        var firstDegree: [String: String] = [:]

        init(hash: Hash, maxSteps: Int) {
            self.hash = hash
            self.maxSteps = maxSteps
        }

        func digest(_ text: String) -> String {
            let bytes = Array(text.utf8)
            let d: [UInt8] = switch hash {
            case .sha256: Array(SHA256.hash(data: bytes))
            case .sha384: Array(SHA384.hash(data: bytes))
            }
            return d.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }

        mutating func firstDegreeHash(_ node: String) -> String {
            if let known = firstDegree[node] { return known }
            var lines: [String] = []
            for q in quadsOf[node] ?? [] {
                func r(_ t: RDFTerm) -> RDFTerm { t.blankLabel.map { .blank($0 == node ? "a" : "z") } ?? t }
                lines.append(RDFQuad(subject: r(q.subject), predicate: q.predicate, object: r(q.object), graph: q.graph.map(r)).nquads)
            }
            let h = digest(lines.sorted(by: RDFCanonicalizer.codePointOrder).joined())
            firstDegree[node] = h
            return h
        }

        mutating func relatedHash(_ related: String, _ quad: RDFQuad, _ issuer: IdentifierIssuer, _ position: String) -> String {
            var input = position
            if position != "g", case .iri(let p) = quad.predicate { input += "<" + p + ">" }
            if let c = canonical.issued[related] {
                input += "_:" + c
            } else if let t = issuer.issued[related] {
                input += "_:" + t
            } else {
                input += firstDegreeHash(related)
            }
            return digest(input)
        }

        mutating func step() throws(Failure) {
            steps += 1
            if steps > maxSteps { throw .tooComplex(steps: steps) }
        }

        mutating func nDegreeHash(_ node: String, _ start: IdentifierIssuer) throws(Failure) -> (hash: String, issuer: IdentifierIssuer) {
            try step()
            var issuer = start
            var related: [String: [String]] = [:]
            for q in quadsOf[node] ?? [] {
                for (term, position) in [(q.subject, "s"), (q.object, "o"), (q.graph, "g")] {
                    guard let b = term?.blankLabel, b != node else { continue }
                    related[relatedHash(b, q, issuer, position), default: []].append(b)
                }
            }
            var data = ""
            for h in related.keys.sorted(by: RDFCanonicalizer.codePointOrder) {
                data += h
                var chosenPath = ""
                var chosenIssuer: IdentifierIssuer?
                var nodes = related[h]!
                var more = true
                // Every order of the nodes, from sorted ascending (the next permutation each time).
                nodes.sort()
                permutations: while more {
                    try step()
                    var copy = issuer
                    var path = ""
                    var recursion: [String] = []
                    for r in nodes {
                        if let c = canonical.issued[r] {
                            path += "_:" + c
                        } else {
                            if copy.issued[r] == nil { recursion.append(r) }
                            path += "_:" + copy.issue(r)
                        }
                        if !chosenPath.isEmpty, path.unicodeScalars.count >= chosenPath.unicodeScalars.count,
                           RDFCanonicalizer.codePointOrder(chosenPath, path) {
                            more = Self.nextPermutation(&nodes)
                            continue permutations
                        }
                    }
                    for r in recursion {
                        let result = try nDegreeHash(r, copy)
                        path += "_:" + copy.issue(r)
                        path += "<" + result.hash + ">"
                        copy = result.issuer
                        if !chosenPath.isEmpty, path.unicodeScalars.count >= chosenPath.unicodeScalars.count,
                           RDFCanonicalizer.codePointOrder(chosenPath, path) {
                            more = Self.nextPermutation(&nodes)
                            continue permutations
                        }
                    }
                    if chosenPath.isEmpty || RDFCanonicalizer.codePointOrder(path, chosenPath) {
                        chosenPath = path
                        chosenIssuer = copy
                    }
                    more = Self.nextPermutation(&nodes)
                }
                data += chosenPath
                issuer = chosenIssuer!
            }
            return (digest(data), issuer)
        }

        /// The next permutation in lexicographic order; false after the last.
        static func nextPermutation(_ a: inout [String]) -> Bool {
            guard a.count > 1 else { return false }
            var i = a.count - 2
            while i >= 0, a[i] >= a[i + 1] { i -= 1 }
            if i < 0 { return false }
            var j = a.count - 1
            while a[j] <= a[i] { j -= 1 }
            a.swapAt(i, j)
            a[(i + 1)...].reverse()
            return true
        }
    }
}
