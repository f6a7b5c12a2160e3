import Foundation
import Testing
@testable import CredqKit

/// The statements for asking more, each checked against the same definition computed here
/// straight from the graph (not through the language): held credentials, holdings, the
/// `holds` relations, `is empty`, grouping by lists, several aggregates.
@Suite struct AskingTests {
    static let day = Day("2026-11-30")!

    static func session(trust: Trust = .unrefuted) -> Session {
        let s = Session(graph: Support.catalog, sources: SourceFiles.defaultCatalogSources, format: .tsv, out: { _ in }, err: { _ in })
        s.verificationDay = day
        s.trust = trust
        return s
    }

    static let graph = Support.catalog

    /// Each holding's status on the day, as the verifier says.
    static func status(_ l: Int, _ h: Int) -> VerificationStatus {
        HoldingVerifier(graph: graph).verify(learner: l, holding: graph.learners[l].holdings[h], on: day).status
    }

    /// The credentials a learner holds as a trust setting counts them.
    static func counted(_ l: Int, _ trust: Trust) -> Set<Int> {
        Set(graph.learners[l].holdings.indices.filter { trust.counts(status(l, $0)) }.map { graph.learners[l].holdings[$0].credential })
    }

    static func ids(_ table: Table, _ column: String = "id") -> [String] {
        let c = table.index(of: column)!
        return table.rows.map { row in
            if case .entity(let e) = row.values[c] { return e.id }
            return row.values[c].plainText
        }
    }

    @Test(arguments: Trust.allCases)
    func credentialsOfEachLearnerAreTheHoldingsTheSettingCounts(_ trust: Trust) throws {
        let session = Self.session(trust: trust)
        for (l, learner) in Self.graph.learners.enumerated() {
            let table = try session.evaluate("credentials of learner \"\(learner.id)\"")
            let expected = learner.holdings.indices.filter { trust.counts(Self.status(l, $0)) }
            #expect(Self.ids(table, "holding") == expected.map { learner.holdings[$0].id })
            #expect(Self.ids(table) == expected.map { Self.graph.credentials[learner.holdings[$0].credential].id })
            #expect(Self.ids(table, "status") == expected.map { Self.status(l, $0).rawValue })
        }
    }

    @Test func holdingsListEveryHoldingWithWhetherItCounts() throws {
        let table = try Self.session().evaluate("holdings")
        var expected: [(String, String, Bool)] = []
        for (l, learner) in Self.graph.learners.enumerated() {
            for (h, holding) in learner.holdings.enumerated() {
                expected.append((holding.id, Self.status(l, h).rawValue, Trust.unrefuted.counts(Self.status(l, h))))
            }
        }
        #expect(Self.ids(table) == expected.map(\.0))
        #expect(Self.ids(table, "status") == expected.map(\.1))
        #expect(Self.ids(table, "counted") == expected.map { $0.2 ? "yes" : "no" })
        #expect(expected.contains { !$0.2 }, "the catalog has refuted holdings, so the column is tested both ways")
        let expiring = try Self.session().evaluate("holdings where expires < 2027-07-01")
        var soon: [String] = []
        for learner in Self.graph.learners {
            for holding in learner.holdings { if let e = Self.graph.expiry(of: holding), e < Day("2027-07-01")! { soon.append(holding.id) } }
        }
        #expect(Self.ids(expiring) == soon)
    }

    @Test func holdsAnyAllAndFrom() throws {
        let session = Self.session()
        let g = Self.graph
        // Every pair of held credentials, and a credential nobody holds.
        let held = Array(Set(g.learners.flatMap { $0.holdings.map(\.credential) })).sorted()
        let unheld = g.credentials.indices.first { !held.contains($0) }!
        let pairs = [(held[0], held[1]), (held[2], held[5]), (held[1], unheld), (held[3], held[3])]
        for (a, b) in pairs {
            let list = "(credential \"\(g.credentials[a].id)\", credential \"\(g.credentials[b].id)\")"
            let any = try session.evaluate("learners where holds any of \(list)")
            let all = try session.evaluate("learners where holds all of \(list)")
            let wanted: Set<Int> = [a, b]
            #expect(Self.ids(any) == g.learners.indices.filter { !Self.counted($0, .unrefuted).isDisjoint(with: wanted) }.map { g.learners[$0].id })
            #expect(Self.ids(all) == g.learners.indices.filter { Self.counted($0, .unrefuted).isSuperset(of: wanted) }.map { g.learners[$0].id })
        }
        for (o, org) in g.organizations.enumerated() {
            let from = try session.evaluate("learners where holds from org \"\(org.id)\"")
            let expected = g.learners.indices.filter { l in
                Self.counted(l, .unrefuted).contains { g.credentials[$0].provider == o || g.credentials[$0].platform == o }
            }
            #expect(Self.ids(from) == expected.map { g.learners[$0].id }, "holds from \(org.id)")
        }
    }

    @Test func isEmptyAndBareRecognized() throws {
        let session = Self.session()
        let g = Self.graph
        let unrecognized = g.credentials.filter { $0.recognizedBy.isEmpty }.map(\.id)
        #expect(Self.ids(try session.evaluate("credentials where recognized_by is empty")) == unrecognized)
        let recognized = g.credentials.filter { !$0.recognizedBy.isEmpty }.map(\.id)
        #expect(Self.ids(try session.evaluate("credentials where recognized_by is not empty")) == recognized)
        #expect(Self.ids(try session.evaluate("credentials where recognized")) == recognized)
        #expect(Self.ids(try session.evaluate("credentials where valid_months is empty")) == g.credentials.filter { $0.validMonths == nil }.map(\.id))
        #expect(!recognized.isEmpty && !unrecognized.isEmpty)
    }

    @Test func groupByAListFieldPutsARowInEachItemsGroup() throws {
        let g = Self.graph
        let table = try Self.session().evaluate("credentials | group by recognized_by | count, sum cost")
        var expected: [String: (count: Int, cost: Double)] = [:]
        for (i, c) in g.credentials.enumerated() {
            let keys = c.recognizedBy.isEmpty ? [""] : Array(Set(c.recognizedBy)).map { g.organizations[$0].id }
            for k in keys { expected[k, default: (0, 0)].count += 1; expected[k]!.cost += g.cost(of: i) }
        }
        #expect(table.rows.count == expected.count)
        for row in table.rows {
            let key: String = if case .entity(let e) = row.values[0] { e.id } else { "" }
            #expect(row.values[1] == .number(Double(expected[key]!.count)), "\(key)")
            #expect(row.values[2] == .number(expected[key]!.cost), "\(key)")
        }
    }

    @Test func severalAggregatesAfterOneGroup() throws {
        let g = Self.graph
        let table = try Self.session().evaluate("credentials | group by kind | count, avg cost, max weeks, min cost")
        #expect(table.columns == ["kind", "count", "avg_cost", "max_weeks", "min_cost"])
        for row in table.rows {
            let members = g.credentials.indices.filter { g.credentials[$0].kind.rawValue == row.values[0].plainText }
            #expect(row.values[1] == .number(Double(members.count)))
            #expect(row.values[2] == .number(members.map { g.cost(of: $0) }.reduce(0, +) / Double(members.count)))
            #expect(row.values[3] == .number(members.map { g.weeks(of: $0) }.max()!))
            #expect(row.values[4] == .number(members.map { g.cost(of: $0) }.min()!))
        }
    }
}

extension AskingTests {
    /// Arithmetic agrees with the same sums done here, missing operands and division by zero
    /// giving no value, and the usual precedence.
    @Test func arithmeticInSelectWhereAndSort() throws {
        let g = Self.graph
        let session = Self.session()
        let table = try session.evaluate("credentials | select id, cost / weeks as cpw, cost - 5 * 2 + 1 as a, (cost - 5) * 2 as b, hours / weeks as h")
        for (i, row) in table.rows.enumerated() {
            let cost = g.cost(of: i), weeks = g.weeks(of: i)
            #expect(row.values[1] == (weeks == 0 ? .null : .number(cost / weeks)), "\(g.credentials[i].id)")
            #expect(row.values[2] == .number(cost - 10 + 1))
            #expect(row.values[3] == .number((cost - 5) * 2))
            let h: Value = g.credentials[i].hours.flatMap { weeks == 0 ? nil : $0 / weeks }.map(Value.number) ?? .null
            #expect(row.values[4] == h)
        }
        let expensive = try session.evaluate("credentials where cost > 100 * weeks")
        #expect(Self.ids(expensive) == g.credentials.indices.filter { g.cost(of: $0) > 100 * g.weeks(of: $0) }.map { g.credentials[$0].id })
        let sorted = try session.evaluate("credentials | sort by cost / weeks desc | select id")
        let expected = g.credentials.indices.map { i in (i, g.weeks(of: i) == 0 ? nil : g.cost(of: i) / g.weeks(of: i)) }
            .enumerated().sorted { a, b in
                switch (a.element.1, b.element.1) {
                case (let x?, let y?): x != y ? x > y : a.offset < b.offset
                case (nil, nil): a.offset < b.offset
                case (nil, _): false
                case (_, nil): true
                }
            }.map { g.credentials[$0.element.0].id }
        #expect(Self.ids(sorted) == expected)
    }
}

extension AskingTests {
    @Test func compareRolesAndLearners() throws {
        let g = Self.graph
        let session = Self.session()
        let roles = try session.evaluate("compare role \"\(g.roles[0].id)\", role \"\(g.roles[1].id)\"")
        let needed = Array(Set(g.roles[0].needs.map(\.skill) + g.roles[1].needs.map(\.skill)))
        #expect(roles.rows.count == needed.count)
        for row in roles.rows {
            guard case .entity(let e) = row.values[0] else { Issue.record("not a skill row"); continue }
            for (column, r) in [0, 1].enumerated() {
                let level = g.roles[r].needs.first { $0.skill == e.ref.index }.map { Value.number(Double($0.level)) } ?? .null
                #expect(row.values[column + 1] == level)
            }
        }
        let learners = try session.evaluate("compare learner \"\(g.learners[0].id)\", learner \"\(g.learners[1].id)\"")
        let levels = [0, 1].map { l in
            var best: [Int: Int] = [:]
            for c in Self.counted(l, .unrefuted) { for t in g.credentials[c].teaches { best[t.skill] = max(best[t.skill] ?? 0, t.level) } }
            return best
        }
        #expect(table(learners, lastRows: 2).count == Set(levels[0].keys).union(levels[1].keys).count)
        for row in table(learners, lastRows: 2) {
            guard case .entity(let e) = row.values[0] else { Issue.record("not a skill row"); continue }
            #expect(row.values[1] == (levels[0][e.ref.index].map { .number(Double($0)) } ?? .null))
            #expect(row.values[2] == (levels[1][e.ref.index].map { .number(Double($0)) } ?? .null))
        }
        #expect(learners.rows[learners.rows.count - 2].values[1] == .number(Double(Self.counted(0, .unrefuted).count)))
    }

    private func table(_ t: Table, lastRows: Int) -> ArraySlice<Row> { t.rows.dropLast(lastRows) }

    /// `gaps` toward a composite says, for each missing item, how many of its rule's items
    /// are held and how many the rule needs.
    @Test func gapsTowardACompositeCountHeldOfNeeded() throws {
        let g = Self.graph
        let session = Self.session()
        var checked = 0
        for (l, learner) in g.learners.enumerated() {
            let held = Self.counted(l, .unrefuted)
            func met(_ rule: StackRule) -> Bool {
                switch rule {
                case .credential(let c): held.contains(c)
                case .all(let items): items.allSatisfy(met)
                case .any(let items): items.contains(where: met)
                case .atLeast(let n, let items): items.filter(met).count >= n
                case .credits(let n, let ids): ids.filter(held.contains).map { g.credentials[$0].credits }.reduce(0, +) >= n
                }
            }
            // Each missing credential of the top rule, with its rule's progress.
            func expected(_ rule: StackRule, _ progress: String?) -> [String] {
                switch rule {
                case .credential(let c): return held.contains(c) ? [] : ["\(g.credentials[c].id) \(progress ?? "-")"]
                case .all(let items):
                    let p = progress ?? "held \(items.filter(met).count) of \(items.count)"
                    return items.filter { !met($0) }.flatMap { expected($0, p) }
                case .atLeast(let n, let items):
                    let k = items.filter(met).count
                    return k >= n ? [] : items.filter { !met($0) }.flatMap { expected($0, "held \(k) of \(n)") }
                case .any(let items): return items.contains(where: met) ? [] : items.flatMap { expected($0, "held 0 of 1") }
                case .credits(let n, let ids):
                    let total = ids.filter(held.contains).map { g.credentials[$0].credits }.reduce(0, +)
                    return total >= n ? [] : ids.filter { !held.contains($0) }.map {
                        "\(g.credentials[$0].id) held \(Value.format(total)) of \(Value.format(n)) credits"
                    }
                }
            }
            for (c, credential) in g.credentials.enumerated() where !held.contains(c) {
                guard let rule = credential.stack else { continue }
                let gaps = try session.evaluate("gaps for learner \"\(learner.id)\" toward credential \"\(credential.id)\"")
                let got = gaps.rows.map { "\($0.values[0].plainText) \($0.values[gaps.index(of: "progress")!] == .null ? "-" : $0.values[gaps.index(of: "progress")!].plainText)" }
                #expect(got == expected(rule, nil), "\(learner.id) toward \(credential.id)")
                checked += got.count
            }
        }
        #expect(checked > 20)
    }
}

extension AskingTests {
    /// `assume`: a plan for the learner is the plan from their counted holdings and the
    /// assumed credential; `forget assumptions` restores every answer; `.save` never writes them.
    @Test func assumedHoldingsAreSeenByPlansAndNeverSaved() throws {
        let g = Self.graph
        let box = OutputBox()
        let session = Session(graph: g, sources: SourceFiles.defaultCatalogSources, format: .tsv, out: { box.text += $0 }, err: { _ in })
        session.verificationDay = Self.day
        var checked = 0
        for (l, learner) in g.learners.enumerated() {
            guard case .role(let goal)? = learner.goal else { continue }
            let held = Self.counted(l, .unrefuted)
            // An affordable credential they do not hold that teaches something the goal needs.
            guard let c = g.credentials.indices.first(where: { c in
                !held.contains(c) && g.credentials[c].requires.allSatisfy(held.contains) && g.credentials[c].stack == nil
                    && g.credentials[c].teaches.contains { t in g.roles[goal].needs.contains { $0.skill == t.skill } }
            }) else { continue }
            session.run("assume learner \"\(learner.id)\" holds credential \"\(g.credentials[c].id)\"", name: "t")
            let planned = try session.evaluate("stacks toward role \"\(g.roles[goal].id)\" for learner \"\(learner.id)\" limit 3")
            var options = Planner.Options()
            options.limit = 3
            let expected = try Planner(graph: g, target: .role(goal), held: held.union([c]), options: options).plan()
            #expect(planned.rows.map { $0.values[1] } == expected.map { .number($0.cost) }, "\(learner.id) assuming \(g.credentials[c].id)")
            session.run("forget assumptions", name: "t")
            let after = try session.evaluate("stacks toward role \"\(g.roles[goal].id)\" for learner \"\(learner.id)\" limit 3")
            let original = try Planner(graph: g, target: .role(goal), held: held, options: options).plan()
            #expect(after.rows.map { $0.values[1] } == original.map { .number($0.cost) })
            checked += 1
        }
        #expect(checked >= 3)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("credq-assume-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        session.run("assume mike holds aws solutions architect associate\n.save \(file.path)", name: "t")
        #expect(session.assumptions.count == 1)
        let saved = try String(contentsOf: file, encoding: .utf8)
        #expect(!saved.contains("assumed") && saved.contains("mike-aws-ccp"))
    }
}
