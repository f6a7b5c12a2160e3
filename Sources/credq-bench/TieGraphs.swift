/// Graphs made of ties, as real badge pathways are: many credentials of the same cost (usually
/// nothing), combined by `n of` rules nested a few levels deep.
enum TieGraphs {
    private static let header = """
        {"credq":1,"organizations":[{"id":"u","name":"University","kind":"university"}],
         "skills":[{"id":"s0","name":"Skill 0"}],
        """

    private static func credential(_ id: String, _ kind: String, cost: Int = 0, weeks: Int = 0, rule: String? = nil) -> String {
        var out = "{\"id\":\"\(id)\",\"name\":\"\(id)\",\"kind\":\"\(kind)\",\"provider\":\"u\",\"cost\":\(cost),\"weeks\":\(weeks)"
        if let rule { out += ",\"stack\":\(rule)" }
        return out + "}"
    }

    private static func nOf(_ n: Int, _ ids: [String]) -> String {
        "{\"n\":\(n),\"of\":[\(ids.map { "\"\($0)\"" }.joined(separator: ","))]}"
    }

    /// One composite, "goal", needing n of m badges; all free, or priced 1...m.
    static func nOfM(_ n: Int, _ m: Int, distinctCosts: Bool = false) -> String {
        let badges = (0..<m).map { String(format: "b%03d", $0) }
        var credentials = badges.enumerated().map { credential($1, "badge", cost: distinctCosts ? $0 + 1 : 0) }
        credentials.append(credential("goal", "certificate", rule: nOf(n, badges)))
        return header + "\"credentials\":[\(credentials.joined(separator: ","))]}"
    }

    /// A three-level pathway: free badges in pools; level-2 composites each needing n of a pool
    /// (n up to `maxN`); level-3 certificates each needing n of a few composites; and the
    /// destination "goal", needing one certificate outright, n of the other certificates, and
    /// n of the badges of one more pool. With `shared`, one badge in ten of a pool is also in
    /// the next pool, so that badges are not all interchangeable.
    static func pathway(badges: Int, composites: Int, maxN: Int, seed: UInt64, shared: Bool = false) -> String {
        var r = SyntheticGraph.Random(state: seed)
        let certificates = max(2, composites / 4)
        let level2 = max(1, composites - certificates - 1)
        let ids = (0..<badges).map { String(format: "b%04d", $0) }
        var credentials = ids.map { credential($0, "badge") }
        // Pools: the badges cut into level2 + 1 runs of random length (the last for the goal).
        var cuts = Set<Int>()
        while cuts.count < level2 { cuts.insert(1 + r.int(badges - 1)) }
        let bounds = [0] + cuts.sorted() + [badges]
        var pools = (0..<(bounds.count - 1)).map { Array(ids[bounds[$0]..<bounds[$0 + 1]]) }
        if shared {
            for i in 0..<(pools.count - 1) {
                pools[i + 1] += pools[i].enumerated().filter { $0.offset % 10 == 9 }.map(\.element)
            }
        }
        var level2IDs: [String] = []
        for (i, pool) in pools.dropLast().enumerated() {
            let id = String(format: "m%02d", i)
            credentials.append(credential(id, "microcredential", rule: nOf(1 + r.int(min(maxN, pool.count)), pool)))
            level2IDs.append(id)
        }
        var certificateIDs: [String] = []
        let perCertificate = max(2, (level2IDs.count + certificates - 1) / certificates)
        for i in 0..<certificates {
            let parts = Array(level2IDs.dropFirst(i * perCertificate).prefix(perCertificate))
            guard !parts.isEmpty else { break }
            let id = String(format: "t%02d", i)
            credentials.append(credential(id, "certificate", rule: nOf(1 + r.int(min(maxN, parts.count)), parts)))
            certificateIDs.append(id)
        }
        let last = pools[pools.count - 1]
        var all = ["\"\(certificateIDs[0])\""]
        if certificateIDs.count > 1 { all.append(nOf(1 + r.int(min(maxN, certificateIDs.count - 1)), Array(certificateIDs.dropFirst()))) }
        all.append(nOf(1 + r.int(min(maxN, last.count)), last))
        credentials.append(credential("goal", "degree", rule: "{\"all\":[\(all.joined(separator: ","))]}"))
        return header + "\"credentials\":[\(credentials.joined(separator: ","))]}"
    }

    /// A role needing `skills` skills at level 2, among `credentials` credentials that each
    /// teach 2-4 of them at levels 1-3, priced from {0, 0, 0, 49, 49, 99}.
    static func hardRole(credentials count: Int, skills: Int, seed: UInt64) -> String {
        var r = SyntheticGraph.Random(state: seed)
        let prices = [0, 0, 0, 49, 49, 99]
        var credentials: [String] = []
        for i in 0..<count {
            let taught = r.sample(Array(0..<skills), 2 + r.int(3)).map { "\"s\($0)\":\(1 + r.int(3))" }
            var c = credential(String(format: "c%04d", i), "course", cost: r.pick(prices), weeks: r.pick(prices) / 10)
            c.removeLast()
            credentials.append(c + ",\"teaches\":{\(taught.joined(separator: ","))}}")
        }
        let skillList = (0..<skills).map { "{\"id\":\"s\($0)\",\"name\":\"Skill \($0)\"}" }.joined(separator: ",")
        let needs = (0..<skills).map { "\"s\($0)\":2" }.joined(separator: ",")
        return """
            {"credq":1,"organizations":[{"id":"u","name":"University","kind":"university"}],"skills":[\(skillList)],
             "credentials":[\(credentials.joined(separator: ","))],"roles":[{"id":"goal","name":"Goal","needs":{\(needs)}}]}
            """
    }
}
