import Foundation
import Testing
@testable import CredqKit

/// The planner on graphs made of ties, as real pathways are: prices and weeks drawn from
/// {0, 0, 0, 49, 49, 99}, pools of interchangeable badges combined by `n of` rules, nested
/// composites, shared badges that break the tree shape, prerequisites, holdings. Its answers
/// (sorted-ids tie-break included) are checked against the exhaustive search of PlannerTests on
/// small graphs, and against its own search with every shortcut off on larger ones.
@Suite struct TieHeavyPlannerTests {
    typealias Random = PlannerTests.Random

    /// A pathway-shaped random graph: `pools` pools of `poolSize` badges (each pool's badges
    /// alike unless `mixed`), a composite per pool needing n of it, composites of composites,
    /// a destination, a role whose skills the badges teach, and a learner holding a few badges.
    static func graph(seed: UInt64, pools poolCount: Int, poolSize: ClosedRange<Int>, maxN: Int) -> String {
        var r = Random(state: seed &* 0x2545_F491_4F6C_DD1D &+ 11)
        let prices = [0, 0, 0, 49, 49, 99]
        var credentials: [String] = []
        var badges: [[String]] = []
        var held: [String] = []
        var next = 0
        func badgeID() -> String {
            next += 1
            // Ids out of creation order, so that id order and index order differ.
            return String(format: "b%04d%c", (next * 37) % 1009, 97 + r.next(26))
        }
        let skills = 4
        for p in 0..<poolCount {
            let size = poolSize.lowerBound + r.next(poolSize.count)
            let alike = r.chance(75)
            let cost = prices[r.next(6)], weeks = prices[r.next(6)] / 10
            let skill = r.next(skills)
            // Now and then every badge of a pool needs one badge of an earlier pool (twins
            // still, but no longer a tree), or one badge needs a badge of its own (a tree still).
            let shared = p > 0 && r.chance(15) ? badges[r.next(p)].first : nil
            let ownPrerequisite = r.chance(15) ? r.next(size) : nil
            var pool: [String] = []
            for b in 0..<size {
                let id = badgeID()
                var fields = "\"id\": \"\(id)\", \"name\": \"Badge \(id)\", \"kind\": \"badge\", \"provider\": \"o\(alike ? 0 : r.next(2))\""
                fields += ", \"cost\": \(alike ? cost : prices[r.next(6)]), \"weeks\": \(alike ? weeks : prices[r.next(6)] / 10)"
                fields += ", \"teaches\": {\"s\(skill)\": \(alike ? 2 : 1 + r.next(3))}"
                var requires = shared.map { [$0] } ?? []
                if b == ownPrerequisite {
                    let before = badgeID()
                    credentials.append("{\"id\": \"\(before)\", \"name\": \"Badge \(before)\", \"kind\": \"badge\", \"provider\": \"o0\", \"cost\": \(prices[r.next(6)]), \"weeks\": 1}")
                    requires.append(before)
                }
                if !requires.isEmpty { fields += ", \"requires\": [\(requires.map { "\"\($0)\"" }.joined(separator: ", "))]" }
                credentials.append("{\(fields)}")
                pool.append(id)
                if r.chance(6) { held.append(id) }
            }
            // One pool in five also takes a badge of the pool before: no longer a tree.
            if p > 0, r.chance(20) { pool.append(badges[p - 1][r.next(badges[p - 1].count)]) }
            badges.append(pool)
        }
        func nOf(_ n: Int, _ ids: [String]) -> String {
            "{\"n\": \(n), \"of\": [\(ids.map { "\"\($0)\"" }.joined(separator: ", "))]}"
        }
        var composites: [String] = []
        for (p, pool) in badges.enumerated() {
            let id = "m\(p)"
            let n = 1 + r.next(min(maxN, pool.count))
            var rule = nOf(n, pool)
            if r.chance(20) {
                // And one of two badges outside the pool.
                let extra = [badgeID(), badgeID()]
                for e in extra { credentials.append("{\"id\": \"\(e)\", \"name\": \"Badge \(e)\", \"kind\": \"badge\", \"provider\": \"o0\", \"cost\": \(prices[r.next(6)]), \"weeks\": 0}") }
                rule = "{\"all\": [\(rule), {\"any\": [\"\(extra[0])\", \"\(extra[1])\"]}]}"
            }
            credentials.append("{\"id\": \"\(id)\", \"name\": \"Micro \(p)\", \"kind\": \"microcredential\", \"provider\": \"o0\", \"cost\": \(prices[r.next(6)]), \"weeks\": 0, \"stack\": \(rule)}")
            composites.append(id)
        }
        // Certificates of composites, and a destination over them.
        var certificates: [String] = []
        var i = 0
        while i < composites.count {
            let group = Array(composites[i..<min(composites.count, i + 2 + r.next(2))])
            let id = "t\(certificates.count)"
            credentials.append("{\"id\": \"\(id)\", \"name\": \"Certificate \(id)\", \"kind\": \"certificate\", \"provider\": \"o0\", \"cost\": 0, \"weeks\": 0, \"stack\": \(nOf(1 + r.next(group.count), group))}")
            certificates.append(id)
            i += group.count
        }
        let destination = certificates.count > 1
            ? "{\"all\": [\"\(certificates[0])\", \(nOf(1 + r.next(certificates.count - 1), Array(certificates.dropFirst())))]}"
            : nOf(1, certificates)
        credentials.append("{\"id\": \"goal\", \"name\": \"Goal\", \"kind\": \"degree\", \"provider\": \"o0\", \"cost\": 0, \"weeks\": 0, \"stack\": \(destination)}")
        let skillList = (0..<skills).map { "{\"id\": \"s\($0)\", \"name\": \"S\($0)\"}" }.joined(separator: ", ")
        let needs = (0..<skills).filter { _ in r.chance(60) }.map { "\"s\($0)\": 2" }
        let holds = held.enumerated().map { "{\"id\": \"h\($0.offset)\", \"credential\": \"\($0.element)\", \"issued\": \"2025-01-01\"}" }
        return """
            {"credq": 1, "organizations": [{"id": "o0", "name": "O0", "kind": "university"}, {"id": "o1", "name": "O1", "kind": "platform"}],
             "skills": [\(skillList)], "credentials": [\(credentials.joined(separator: ", "))],
             "roles": [{"id": "r", "name": "R", "needs": {\((needs.isEmpty ? ["\"s0\": 2"] : needs).joined(separator: ", "))}}],
             "learners": [{"id": "l", "name": "L", "holds": [\(holds.joined(separator: ", "))]}]}
            """
    }

    /// A random query on a graph: the destination, a composite or the role, with or without
    /// the learner's holdings, any ranking, and now and then a bound or a provider.
    static func query(_ graph: Graph, _ r: inout Random) -> (Planner.Target, Set<Int>, Planner.Options) {
        let composites = graph.credentials.indices.filter { graph.credentials[$0].stack != nil }
        let target: Planner.Target = switch r.next(3) {
        case 0: .credential(graph.index(of: "goal", kind: .credential)!)
        case 1: .credential(composites[r.next(composites.count)])
        default: .role(0)
        }
        let held: Set<Int> = r.chance(40) ? Set(graph.heldCredentials(of: 0)) : []
        var options = Planner.Options()
        options.ranking = [.cost, .weeks, .count][r.next(3)]
        options.limit = 1 + r.next(7)
        if r.chance(15) { options.maxCost = Double([0, 49, 99, 150][r.next(4)]) }
        if r.chance(15) { options.maxWeeks = Double([0, 4, 9][r.next(3)]) }
        if r.chance(10) { options.providers = [0] }
        return (target, held, options)
    }

    static func describe(_ target: Planner.Target, _ held: Set<Int>, _ o: Planner.Options) -> String {
        "\(target) held \(held.sorted()) \(o.ranking) limit \(o.limit) max cost \(o.maxCost.map { "\($0)" } ?? "-") max weeks \(o.maxWeeks.map { "\($0)" } ?? "-") using \(o.providers.map { "\($0.sorted())" } ?? "-")"
    }

    static func answer(_ graph: Graph, _ target: Planner.Target, _ held: Set<Int>, _ options: Planner.Options) -> Result<[Planner.Stack], Planner.Failure> {
        Result(catching: { () throws(Planner.Failure) in try Planner(graph: graph, target: target, held: held, options: options).plan() })
    }

    /// Small graphs (at most 16 credentials a learner can add): every subset is checked.
    @Test(arguments: 0..<64)
    func smallTieHeavyGraphsMatchExhaustiveSearch(seed: Int) throws {
        // The first graph of the seed's series small enough to check every subset of.
        var graph = Graph()
        for attempt in 0..<50 {
            let json = Self.graph(seed: UInt64(seed + 1000 * attempt), pools: 2 + seed % 2, poolSize: 2...3, maxN: 3)
            graph = try GraphLoader.load([GraphSource(name: "ties.json", bytes: Array(json.utf8))]).graph
            if graph.credentials.count <= 16 { break }
        }
        #expect(graph.credentials.count <= 16, "seed \(seed): \(graph.credentials.count) credentials is too many to check every subset")
        var r = Random(state: UInt64(seed) &* 77 &+ 3)
        for _ in 0..<5 {
            let (target, held, options) = Self.query(graph, &r)
            let context = "seed \(seed): " + Self.describe(target, held, options)
            let expected = PlannerTests.exhaustive(graph, target, held: held, options)
            switch Self.answer(graph, target, held, options) {
            case .success(let got):
                #expect(got.map { Set($0.credentials) } == expected.map { Set($0.credentials) }, "\(context)")
                #expect(got.map(\.cost) == expected.map(\.cost), "\(context)")
                #expect(got.map(\.weeks) == expected.map(\.weeks), "\(context)")
            case .failure(let error):
                #expect(expected.isEmpty, "\(context): failed with \(error) but \(expected.count) stacks exist")
            }
        }
    }

    /// Larger pools (5-40 badges): the same answers as the search without its shortcuts, which
    /// the exhaustive checks above and in PlannerTests hold to the definition.
    @Test(arguments: 0..<24)
    func largePoolsMatchTheSearchWithoutShortcuts(seed: Int) throws {
        let json = Self.graph(seed: UInt64(1000 + seed), pools: 2 + seed % 3, poolSize: 5...40, maxN: 2 + seed % 2)
        let graph = try GraphLoader.load([GraphSource(name: "ties.json", bytes: Array(json.utf8))]).graph
        var r = Random(state: UInt64(seed) &* 131 &+ 17)
        for _ in 0..<4 {
            let (target, held, options) = Self.query(graph, &r)
            var plain = options
            plain.shortcuts = false
            plain.stateBudget = 25_000
            let context = "seed \(seed): " + Self.describe(target, held, options)
            let reference = Self.answer(graph, target, held, plain)
            if case .failure(.budgetExhausted) = reference {
                print("seed \(seed): too large to check without shortcuts")
                continue
            }
            switch (Self.answer(graph, target, held, options), reference) {
            case (.success(let got), .success(let expected)):
                #expect(got.map { $0.credentials.sorted() } == expected.map { $0.credentials.sorted() }, "\(context)")
                #expect(got.map(\.cost) == expected.map(\.cost) && got.map(\.weeks) == expected.map(\.weeks), "\(context)")
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "\(context)")
            case (let got, let expected):
                Issue.record("\(context): \(got) but without shortcuts \(expected)")
            }
        }
    }

    /// The shapes the random graphs promise do occur: twins, tree-shaped pathways, shared
    /// badges, answers with several equally ranked stacks.
    @Test func theRandomGraphsHaveTheShapesTheyPromise() throws {
        var twins = 0, trees = 0, notTrees = 0, tiedAnswers = 0
        for seed in 0..<40 {
            let json = Self.graph(seed: UInt64(1000 + seed), pools: 2 + seed % 3, poolSize: 5...40, maxN: 2 + seed % 2)
            let graph = try GraphLoader.load([GraphSource(name: "ties.json", bytes: Array(json.utf8))]).graph
            let goal = graph.index(of: "goal", kind: .credential)!
            var options = Planner.Options()
            options.limit = 5
            let planner = Planner(graph: graph, target: .credential(goal), held: [], options: options)
            var memo = Feasibility(planner: planner)
            if !Symmetry(planner, openNeeds: [], taughtBy: graph.taughtBy, &memo).isEmpty { twins += 1 }
            let budget = SearchBudget(states: 100_000)
            if (try? TreePlan.plan(planner, goal, budget, &memo)) != nil { trees += 1 } else { notTrees += 1 }
            memo.finish()
            if let stacks = try? planner.plan(), stacks.count > 1, stacks[0].cost == stacks[1].cost, stacks[0].count == stacks[1].count,
               stacks[0].weeks == stacks[1].weeks {
                tiedAnswers += 1
            }
        }
        #expect(twins > 20 && trees > 10 && notTrees > 10 && tiedAnswers > 20, "twins \(twins), trees \(trees), not trees \(notTrees), tied \(tiedAnswers)")
    }

    /// A pathway whose pools share badges (the last `shared` badges of each pool count toward
    /// the next pool's composite too), every badge free: no longer a tree, so the search
    /// answers it, and composites of composites look like single credentials to a bound that
    /// does not look inside them.
    static func sharedPathway(pools: Int, poolSize: Int, n: Int, shared: Int) -> String {
        var credentials: [String] = []
        var pooled: [[String]] = []
        for p in 0..<pools {
            let own = (0..<poolSize).map { String(format: "b%02d%02d", p, $0) }
            for b in own { credentials.append("{\"id\": \"\(b)\", \"name\": \"\(b)\", \"kind\": \"badge\", \"provider\": \"o0\"}") }
            pooled.append(own + (p > 0 ? Array(pooled[p - 1].prefix(poolSize).suffix(shared)) : []))
        }
        func nOf(_ k: Int, _ ids: [String]) -> String { "{\"n\": \(k), \"of\": [\(ids.map { "\"\($0)\"" }.joined(separator: ", "))]}" }
        for (p, pool) in pooled.enumerated() {
            credentials.append("{\"id\": \"m\(p)\", \"name\": \"M\(p)\", \"kind\": \"microcredential\", \"provider\": \"o0\", \"stack\": \(nOf(n, pool))}")
        }
        let half = pools / 2
        credentials.append("{\"id\": \"t0\", \"name\": \"T0\", \"kind\": \"certificate\", \"provider\": \"o0\", \"stack\": \(nOf(2, (0..<half).map { "m\($0)" }))}")
        credentials.append("{\"id\": \"t1\", \"name\": \"T1\", \"kind\": \"certificate\", \"provider\": \"o0\", \"stack\": \(nOf(2, (half..<pools).map { "m\($0)" }))}")
        credentials.append("{\"id\": \"goal\", \"name\": \"Goal\", \"kind\": \"degree\", \"provider\": \"o0\", \"stack\": {\"all\": [\"t0\", \"t1\"]}}")
        return """
            {"credq": 1, "organizations": [{"id": "o0", "name": "O0", "kind": "university"}], "skills": [],
             "credentials": [\(credentials.joined(separator: ", "))]}
            """
    }

    /// The deep bound prices each composite down to its badges (shared ones in part), so the
    /// search proves the best stacks of a shared pathway in under a thousand states; the same
    /// answers, for every ranking, as the search without shortcuts given all the states it needs.
    @Test func aPathwayWithSharedBadgesIsProvedInFewStates() throws {
        let json = Self.sharedPathway(pools: 8, poolSize: 8, n: 4, shared: 3)
        let graph = try GraphLoader.load([GraphSource(name: "shared.json", bytes: Array(json.utf8))]).graph
        let goal = graph.index(of: "goal", kind: .credential)!
        #expect(graph.credentials[graph.index(of: "m1", kind: .credential)!].stack?.credentials.contains(graph.index(of: "b0006", kind: .credential)!) == true)
        for ranking in [Planner.Ranking.cost, .count, .weeks] {
            var options = Planner.Options()
            options.ranking = ranking
            options.limit = 5
            options.budget = SearchBudget(states: 10_000)  // without the deep bound it takes 8,218 states, and four times the work this allows
            let got = try Planner(graph: graph, target: .credential(goal), held: [], options: options).plan()
            var plain = options
            plain.shortcuts = false
            plain.budget = SearchBudget(states: 2_000_000)
            let expected = try Planner(graph: graph, target: .credential(goal), held: [], options: plain).plan()
            #expect(got.map { $0.credentials.sorted() } == expected.map { $0.credentials.sorted() }, "\(ranking)")
            // Two certificates of two composites, shared badges used twice: fewer than 2 + 4 + 16.
            #expect(got.first?.count ?? 0 < 23, "\(ranking): \(got.first?.count ?? 0)")
        }
    }
}
