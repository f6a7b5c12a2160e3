import Foundation
import Testing
@testable import CredqKit

/// The planner against an exhaustive search that checks every subset of credentials against
/// the definition on the language page, on many small random graphs.
@Suite struct PlannerTests {
    /// A tiny deterministic random source.
    struct Random {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        mutating func chance(_ percent: Int) -> Bool { next(100) < percent }
    }

    /// A random graph of 6-12 credentials: prerequisites and stack rules of every shape
    /// (nested too) over earlier credentials, small integer costs so ties happen, roles, and a
    /// learner holding a few credentials.
    static func randomGraph(seed: UInt64) -> String {
        /// A credential before `i` in the same area as `i` (areas alternate by index).
        func sameArea(_ c: Int, _ i: Int) -> Int {
            let areas = seed % 2 == 1 ? 2 : 1
            let shifted = c - (c % areas) + (i % areas)
            return shifted < i ? shifted : max(i % areas, shifted - areas)
        }
        var r = Random(state: seed &* 0x9E37_79B9 &+ 7)
        let nSkills = 3 + r.next(3), nCreds = 6 + r.next(7)
        // Odd seeds split skills and credentials into two areas that share nothing, so roles
        // that need both decompose into independent parts.
        let areas = seed % 2 == 1 ? 2 : 1
        func area(skill s: Int) -> Int { s % areas }
        func area(credential c: Int) -> Int { c % areas }
        var creds: [String] = []
        for i in 0..<nCreds {
            var teaches: [String] = []
            for s in 0..<nSkills where area(skill: s) == area(credential: i) && r.chance(45) { teaches.append("\"s\(s)\": \(1 + r.next(3))") }
            var fields = "\"id\": \"c\(i)\", \"name\": \"C\(i)\", \"kind\": \"course\", \"provider\": \"o\(r.next(3))\""
            fields += ", \"teaches\": {\(teaches.joined(separator: ", "))}, \"cost\": \([0, 10, 10, 20, 30, 40][r.next(6)])"
            fields += ", \"weeks\": \(1 + r.next(3)), \"credits\": \(r.next(4))"
            if i > areas, r.chance(30) {
                let reqs = Set((0..<(1 + r.next(2))).map { _ in sameArea(r.next(i), i) })
                fields += ", \"requires\": [\(reqs.sorted().map { "\"c\($0)\"" }.joined(separator: ", "))]"
            }
            if i >= 3 * areas, r.chance(30) {
                func ref() -> String { "\"c\(sameArea(r.next(i), i))\"" }
                /// k distinct earlier credentials (fewer when there are not k).
                func items(_ k: Int) -> String {
                    var picked: [Int] = []
                    while picked.count < min(k, i / areas) {
                        let c = sameArea(r.next(i), i)
                        if !picked.contains(c) { picked.append(c) }
                    }
                    return picked.map { "\"c\($0)\"" }.joined(separator: ", ")
                }
                let rule: String
                switch r.next(5) {
                case 0: rule = "{\"all\": [\(items(1 + r.next(3)))]}"
                case 1: rule = "{\"any\": [\(items(2 + r.next(2)))]}"
                case 2: rule = "{\"n\": 2, \"of\": [\(items(3 + r.next(2)))]}"
                case 3: rule = "{\"credits\": \(1 + r.next(5)), \"of\": [\(items(2 + r.next(3)))]}"
                default: rule = "{\"all\": [\(ref()), {\"any\": [\(items(2))]}, {\"n\": 1, \"of\": [\(items(2))]}]}"
                }
                fields += ", \"stack\": \(rule)"
            }
            creds.append("{\(fields)}")
        }
        var roles: [String] = []
        for i in 0..<3 {
            var needs: [String] = []
            for s in 0..<nSkills where r.chance(45) { needs.append("\"s\(s)\": \(1 + r.next(3))") }
            if needs.isEmpty { needs.append("\"s0\": 1") }
            roles.append("{\"id\": \"r\(i)\", \"name\": \"R\(i)\", \"needs\": {\(needs.joined(separator: ", "))}}")
        }
        var holds: [String] = []
        for i in 0..<nCreds where r.chance(15) { holds.append("{\"id\": \"h\(i)\", \"credential\": \"c\(i)\", \"issued\": \"2025-01-01\"}") }
        let skills = (0..<nSkills).map { "{\"id\": \"s\($0)\", \"name\": \"S\($0)\"}" }.joined(separator: ", ")
        let orgs = (0..<3).map { "{\"id\": \"o\($0)\", \"name\": \"O\($0)\", \"kind\": \"industry\"}" }.joined(separator: ", ")
        return """
            {"credq": 1, "organizations": [\(orgs)], "skills": [\(skills)], "credentials": [\(creds.joined(separator: ", "))],
             "roles": [\(roles.joined(separator: ", "))],
             "learners": [{"id": "l", "name": "L", "holds": [\(holds.joined(separator: ", "))]}]}
            """
    }

    /// The definition, checked on every subset: conditions 1-3, minimality, bounds, ranking.
    static func exhaustive(_ graph: Graph, _ target: Planner.Target, held: Set<Int>, _ options: Planner.Options) -> [Planner.Stack] {
        let planner = Planner(graph: graph, target: target, held: held, options: options)
        if case .credential(let t) = target, held.contains(t) { return [Planner.Stack(credentials: [], cost: 0, weeks: 0)] }
        let universe = graph.credentials.indices.filter { c in
            !held.contains(c) && options.allows(graph.credentials[c])
        }
        var found: [(members: [Int], cost: Double, weeks: Double, ids: [String])] = []
        for mask in 0..<(1 << universe.count) {
            let members = universe.indices.filter { mask & (1 << $0) != 0 }.map { universe[$0] }
            guard planner.isStack(members), planner.isMinimal(members) else { continue }
            let cost = members.reduce(0) { $0 + graph.credentials[$1].cost }
            let weeks = members.reduce(0) { $0 + graph.credentials[$1].weeks }
            if let m = options.maxCost, cost > m { continue }
            if let m = options.maxWeeks, weeks > m { continue }
            found.append((members, cost, weeks, members.map { graph.credentials[$0].id }.sorted()))
        }
        func key(_ s: (members: [Int], cost: Double, weeks: Double, ids: [String])) -> [Double] {
            let n = Double(s.members.count)
            switch options.ranking {
            case .cost: return [s.cost, n, s.weeks]
            case .weeks: return [s.weeks, s.cost, n]
            case .count: return [n, s.cost, s.weeks]
            }
        }
        found.sort { a, b in
            let ka = key(a), kb = key(b)
            return ka != kb ? ka.lexicographicallyPrecedes(kb) : a.ids.lexicographicallyPrecedes(b.ids)
        }
        return found.prefix(options.limit).map { Planner.Stack(credentials: $0.members, cost: $0.cost, weeks: $0.weeks) }
    }

    @Test(arguments: 0..<300)
    func matchesExhaustiveSearch(seed: Int) throws {
        let graph = try GraphLoader.load([GraphSource(name: "random.json", bytes: Array(Self.randomGraph(seed: UInt64(seed)).utf8))]).graph
        var r = Random(state: UInt64(seed) &* 31 &+ 5)
        for query in 0..<6 {
            var target: Planner.Target = r.chance(50) ? .role(r.next(graph.roles.count)) : .credential(r.next(graph.credentials.count))
            // `stacks toward skill NAME LEVEL`: one skill at a level.
            if r.chance(20) { target = .skills([SkillLevel(skill: r.next(graph.skills.count), level: 1 + r.next(3))]) }
            let held: Set<Int> = r.chance(50) ? Set(graph.heldCredentials(of: 0)) : []
            var options = Planner.Options()
            options.ranking = [.cost, .weeks, .count][r.next(3)]
            options.limit = 1 + r.next(6)
            if r.chance(20) { options.maxCost = Double(r.next(80)) }
            if r.chance(20) { options.maxWeeks = Double(r.next(8)) }
            if r.chance(20) { options.providers = Set([r.next(3), r.next(3)]) }
            let expected = Self.exhaustive(graph, target, held: held, options)
            let planner = Planner(graph: graph, target: target, held: held, options: options)
            let maxCost = options.maxCost.map { String($0) } ?? "-"
            let maxWeeks = options.maxWeeks.map { String($0) } ?? "-"
            let using = options.providers.map { $0.sorted().description } ?? "-"
            let context = "seed \(seed) query \(query): \(target) held \(held.sorted()) \(options.ranking) limit \(options.limit) max cost \(maxCost) max weeks \(maxWeeks) using \(using)"
            do {
                let got = try planner.plan()
                #expect(got.map { Set($0.credentials) } == expected.map { Set($0.credentials) }, "\(context)")
                #expect(got.map(\.cost) == expected.map(\.cost), "\(context)")
                #expect(got.map(\.weeks) == expected.map(\.weeks), "\(context)")
                for stack in got { #expect(planner.isStack(stack.credentials.sorted()) && isStudyOrder(stack.credentials, graph), "\(context)") }
            } catch {
                #expect(expected.isEmpty, "\(context): planner failed with \(error) but \(expected.count) stacks exist")
            }
        }
    }

    /// Prerequisites and parts come before what needs them.
    func isStudyOrder(_ order: [Int], _ graph: Graph) -> Bool {
        for (i, c) in order.enumerated() {
            let before = graph.credentials[c].requires + (graph.credentials[c].stack?.credentials ?? [])
            for b in before { if let j = order.firstIndex(of: b), j > i { return false } }
        }
        return true
    }

    // MARK: - The seeds' case studies

    @Test func mikesCheapestWayToCloudArchitect() throws {
        let g = Support.catalog
        let mike = g.index(of: "mike", kind: .learner)!
        let role = g.index(of: "cloud-solutions-architect", kind: .role)!
        let planner = Planner(graph: g, target: .role(role), held: Set(g.heldCredentials(of: mike)), options: Planner.Options())
        let stacks = try planner.plan()
        #expect(stacks.count == 5)
        #expect(stacks[0].credentials.map { g.credentials[$0].id } == ["azure-az-104", "azure-az-305", "terraform-associate"])
        #expect(stacks[0].cost == 400.5)
        #expect(zip(stacks, stacks.dropFirst()).allSatisfy { $0.cost <= $1.cost })
    }

    /// A prerequisite chain longer than the call stack could follow one call a link: the
    /// feasibility check, the pathway's parts and the study order all walk it with stacks of
    /// their own.
    @Test func aLongPrerequisiteChainIsPlannedWithoutRecursion() throws {
        let n = 3000
        let credentials = (0..<n).map { i in
            "{\"id\": \"c\(i)\", \"name\": \"C\(i)\", \"kind\": \"course\", \"provider\": \"o\", \"cost\": 1, \"weeks\": 1"
                + (i > 0 ? ", \"requires\": [\"c\(i - 1)\"]}" : "}")
        }
        let json = "{\"credq\": 1, \"organizations\": [{\"id\": \"o\", \"name\": \"O\", \"kind\": \"platform\"}], \"skills\": [], \"credentials\": [\(credentials.joined(separator: ", "))]}"
        let g = try GraphLoader.load([GraphSource(name: "chain.json", bytes: Array(json.utf8))]).graph
        let last = g.index(of: "c\(n - 1)", kind: .credential)!
        let stacks = try Planner(graph: g, target: .credential(last), held: [], options: Planner.Options()).plan()
        #expect(stacks.count == 1)
        #expect(stacks.first?.cost == Double(n))
        #expect(stacks.first?.credentials.map { g.credentials[$0].id } == (0..<n).map { "c\($0)" })
    }

    @Test func aHeldTargetHasOnlyTheEmptyStack() throws {
        let g = Support.catalog
        let rahul = g.index(of: "rahul", kind: .learner)!
        let gda = g.index(of: "google-data-analytics", kind: .credential)!
        let stacks = try Planner(graph: g, target: .credential(gda), held: Set(g.heldCredentials(of: rahul)), options: Planner.Options()).plan()
        #expect(stacks == [Planner.Stack(credentials: [], cost: 0, weeks: 0)])
    }
}

extension PlannerTests {
    /// The random cases cover what they claim: several stacks, ties, unreachable targets,
    /// composites in answers, and holdings that matter.
    @Test func randomCasesCoverTheInterestingShapes() throws {
        var several = 0, unreachable = 0, withComposite = 0, ties = 0, decomposed = 0
        for seed in 0..<150 {
            let graph = try GraphLoader.load([GraphSource(name: "r.json", bytes: Array(Self.randomGraph(seed: UInt64(seed)).utf8))]).graph
            for role in graph.roles.indices {
                var options = Planner.Options()
                options.limit = 6
                let stacks = Self.exhaustive(graph, .role(role), held: [], options)
                if Planner(graph: graph, target: .role(role), held: [], options: options).independentNeeds().count > 1 { decomposed += 1 }
                if stacks.count >= 2 { several += 1 }
                if stacks.isEmpty { unreachable += 1 }
                if stacks.contains(where: { $0.credentials.contains { graph.credentials[$0].stack != nil } }) { withComposite += 1 }
                if zip(stacks, stacks.dropFirst()).contains(where: { $0.cost == $1.cost && $0.count == $1.count && $0.weeks == $1.weeks }) { ties += 1 }
            }
        }
        #expect(several > 150)
        #expect(unreachable > 10)
        #expect(withComposite > 15)
        #expect(ties > 10)
        #expect(decomposed > 50)
        print("random role queries: \(several) with several stacks, \(unreachable) unreachable, \(withComposite) with a composite, \(ties) with full ties, \(decomposed) in independent parts")
    }
}
