import Foundation
import Testing
@testable import CredqKit

/// `nearest roles for LEARNER` and `nearest learners toward ROLE` against their definition:
/// for every role (learner), the rank-1 stack of `stacks toward ROLE for LEARNER`, planned
/// alone without any sharing, ranked by the statement's ranking then by name; roles already
/// reached at cost 0; roles no stack reaches left out.
@Suite struct NearestTests {
    typealias Answer = (entity: Int, cost: Double, weeks: Double, count: Int)

    static func expected(_ graph: Graph, pairs: [(learner: Int, role: Int, entity: Int, name: String)], ranking: Planner.Ranking,
                         limit: Int, maxCost: Double?) -> [Answer] {
        var found: [(Answer, String)] = []
        for p in pairs {
            var options = Planner.Options()
            options.limit = 1
            options.ranking = ranking
            options.maxCost = maxCost
            let held = Set(graph.heldCredentials(of: p.learner))
            guard let best = try? Planner(graph: graph, target: .role(p.role), held: held, options: options).plan().first else { continue }
            found.append(((p.entity, best.cost, best.weeks, best.count), p.name.lowercased()))
        }
        func key(_ a: Answer) -> [Double] {
            switch ranking {
            case .cost: [a.cost, Double(a.count), a.weeks]
            case .weeks: [a.weeks, a.cost, Double(a.count)]
            case .count: [Double(a.count), a.cost, a.weeks]
            }
        }
        found.sort { a, b in
            key(a.0) != key(b.0) ? key(a.0).lexicographicallyPrecedes(key(b.0)) : (a.1, a.0.entity) < (b.1, b.0.entity)
        }
        return found.prefix(limit).map(\.0)
    }

    static func answers(_ table: Table) -> [Answer] {
        table.rows.map { row in
            guard let e = row.entity, case .number(let c) = row.values[1], case .number(let w) = row.values[2], case .number(let n) = row.values[3] else {
                return (-1, 0, 0, 0)
            }
            return (e.index, c, w, Int(n))
        }
    }

    static func same(_ a: [Answer], _ b: [Answer]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.entity == $1.entity && $0.cost == $1.cost && $0.weeks == $1.weeks && $0.count == $1.count }
    }

    @Test(arguments: 0..<40)
    func matchesEveryPlanMadeAlone(seed: Int) throws {
        let graph = try GraphLoader.load([GraphSource(name: "random.json", bytes: Array(PlannerTests.randomGraph(seed: UInt64(seed)).utf8))]).graph
        var r = PlannerTests.Random(state: UInt64(seed) &* 977 &+ 3)
        let session = Session(graph: graph, sources: [], format: .tsv, out: { _ in }, err: { _ in })
        session.trust = .any
        for _ in 0..<4 {
            let ranking: (Planner.Ranking, String) = [(.cost, "cost"), (.weeks, "weeks"), (.count, "count")][r.next(3)]
            let limit = r.chance(30) ? Int.max : 1 + r.next(4)
            let maxCost: Double? = r.chance(20) ? Double(20 + r.next(80)) : nil
            let options = " by \(ranking.1)" + (limit == Int.max ? "" : " limit \(limit)") + (maxCost.map { " max cost \(Int($0))" } ?? "")
            if r.chance(50), !graph.learners.isEmpty {
                let l = r.next(graph.learners.count)
                let pairs = graph.roles.indices.map { (l, $0, $0, graph.roles[$0].name) }
                let got = try session.evaluate("nearest roles for learner \"\(graph.learners[l].id)\"" + options)
                let want = Self.expected(graph, pairs: pairs, ranking: ranking.0, limit: limit, maxCost: maxCost)
                #expect(Self.same(Self.answers(got), want), "seed \(seed): nearest roles for \(graph.learners[l].id)\(options)")
            } else if !graph.roles.isEmpty {
                let role = r.next(graph.roles.count)
                let pairs = graph.learners.indices.map { ($0, role, $0, graph.learners[$0].name) }
                let got = try session.evaluate("nearest learners toward role \"\(graph.roles[role].id)\"" + options)
                let want = Self.expected(graph, pairs: pairs, ranking: ranking.0, limit: limit, maxCost: maxCost)
                #expect(Self.same(Self.answers(got), want), "seed \(seed): nearest learners toward \(graph.roles[role].id)\(options)")
            }
        }
    }

    @Test func theCatalogsLearnersAndRoles() throws {
        let g = Support.catalog
        let session = Session(graph: g, sources: SourceFiles.defaultCatalogSources, format: .tsv, out: { _ in }, err: { _ in })
        session.trust = .any
        for (l, learner) in g.learners.enumerated() {
            for (ranking, word) in [(Planner.Ranking.cost, "cost"), (.weeks, "weeks")] {
                let got = try session.evaluate("nearest roles for learner \"\(learner.id)\" by \(word) limit 4")
                let want = Self.expected(g, pairs: g.roles.indices.map { (l, $0, $0, g.roles[$0].name) }, ranking: ranking, limit: 4, maxCost: nil)
                #expect(Self.same(Self.answers(got), want), "nearest roles for \(learner.id) by \(word)")
            }
        }
        let got = try session.evaluate("nearest learners toward cloud architect")
        let role = g.index(of: "cloud-solutions-architect", kind: .role)!
        #expect(Self.same(Self.answers(got), Self.expected(g, pairs: g.learners.indices.map { ($0, role, $0, g.learners[$0].name) },
                                                             ranking: .cost, limit: .max, maxCost: nil)))
    }
}
