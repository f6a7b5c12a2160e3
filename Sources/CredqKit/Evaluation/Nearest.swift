/// `nearest roles for LEARNER` and `nearest learners toward ROLE`: one exact plan per role (or
/// learner), each the rank-1 stack of `stacks toward ROLE for LEARNER`, ranked.
///
/// The plans share their work. Each candidate first gets a lower bound that needs no search:
/// every open need must be met by some credential, so its best stack costs (takes) at least
/// the dearest of its needs' cheapest (quickest) teachers. Candidates are planned from the
/// lowest bound up; once `limit` answers are kept, a candidate whose bound is past the worst
/// kept is not planned at all, and the others are planned with that worst as their `max cost`
/// (`max weeks`), which the search prunes with. Ties at the bound are still planned, so the
/// answer is the one ranking every plan would give.
///
/// Toward one role, learners share plans: a stack is made of credentials that teach a needed
/// skill at its level and their prerequisites and parts, all the way down (the role's
/// closure), so a holding outside it changes nothing, and learners whose holdings meet the
/// closure alike (most often: not at all) have one plan between them.
extension Evaluator {
    func nearest(_ q: NearestQuery) throws(ScriptError) -> Table {
        var options = try plannerOptions(q)
        let limit = options.limit
        options.limit = 1
        var candidates: [Candidate] = []
        var subjectColumn: String
        if q.roles {
            let learner = try resolve(q.subject, [.learner]).index
            let held = Set(countedCredentials(of: learner))
            let levels = graph.skillLevels(of: Array(held))
            for r in graph.roles.indices {
                let open = graph.roles[r].needs.filter { (levels[$0.skill]?.level ?? 0) < $0.level }
                candidates.append(Candidate(entity: EntityRef(kind: .role, index: r), role: r, held: held, open: open))
            }
            subjectColumn = "role"
        } else {
            let role = try resolve(q.subject, [.role]).index
            let closure = self.closure(of: graph.roles[role].needs)
            for l in graph.learners.indices {
                if l & 1023 == 0, isInterrupted() { throw ScriptError(.interrupted, nil) }
                let held = Set(countedCredentials(of: l).filter(closure.contains))
                let levels = graph.skillLevels(of: Array(held))
                let open = graph.roles[role].needs.filter { (levels[$0.skill]?.level ?? 0) < $0.level }
                candidates.append(Candidate(entity: EntityRef(kind: .learner, index: l), role: role, held: held, open: open))
            }
            subjectColumn = "learner"
        }
        // Each (skill, level)'s teachers, and the least any of them costs (takes), found once.
        var teachers: [SkillLevelKey: Teachers] = [:]
        func teachersOf(_ need: SkillLevel) -> Teachers {
            // A held teacher would have met the need: every credential that teaches it at the
            // level is unheld here, so these need not depend on the holdings.
            let key = SkillLevelKey(skill: need.skill, level: need.level)
            if let known = teachers[key] { return known }
            var found = Teachers()
            for t in graph.taughtBy[need.skill] {
                if t.level < need.level { break }  // highest level first
                guard options.allows(t.credential, in: graph) else { continue }
                found.credentials.insert(t.credential)
                found.cost = min(found.cost, graph.cost(of: t.credential))
                found.weeks = min(found.weeks, graph.weeks(of: t.credential))
            }
            teachers[key] = found
            return found
        }
        /// A lower bound of the ranking's first key for any stack meeting these needs: needs
        /// whose teachers are disjoint each take a credential of their own, so the sum of
        /// their least costs (weeks; one each for count) over such a family is one.
        func bound(_ open: [SkillLevel]) -> Double? {
            var sets: [(value: Double, teachers: Teachers)] = []
            for need in open {
                let t = teachersOf(need)
                if t.credentials.isEmpty { return nil }
                sets.append((options.ranking == .cost ? t.cost : options.ranking == .weeks ? t.weeks : 1, t))
            }
            sets.sort { $0.value > $1.value }
            var total = 0.0
            var chosen: [Set<Int>] = []
            for (value, t) in sets where chosen.allSatisfy({ $0.isDisjoint(with: t.credentials) }) {
                total += value
                chosen.append(t.credentials)
            }
            return total
        }
        var unreachable = 0
        var bounded: [(candidate: Candidate, bound: Double)] = []
        for c in candidates {
            if let b = bound(c.open) { bounded.append((c, b)) } else { unreachable += 1 }
        }
        bounded.sort { $0.bound < $1.bound }

        var kept: [(candidate: Candidate, stack: Planner.Stack)] = []
        func key(_ s: Planner.Stack) -> (Double, Double, Double) {
            switch options.ranking {
            case .cost: (s.cost, Double(s.count), s.weeks)
            case .weeks: (s.weeks, s.cost, Double(s.count))
            case .count: (Double(s.count), s.cost, s.weeks)
            }
        }
        func before(_ a: (candidate: Candidate, stack: Planner.Stack), _ b: (candidate: Candidate, stack: Planner.Stack)) -> Bool {
            let ka = key(a.stack), kb = key(b.stack)
            if ka != kb { return ka < kb }
            return graph.name(of: a.candidate.entity).lowercased() < graph.name(of: b.candidate.entity).lowercased()
                || (graph.name(of: a.candidate.entity).lowercased() == graph.name(of: b.candidate.entity).lowercased() && a.candidate.entity.index < b.candidate.entity.index)
        }
        // One budget for all the plans of this answer; one plan for candidates with the same
        // holdings that matter and the same bound (the answer of one, past a bound, is the
        // same for the others).
        options.budget = SearchBudget(states: stateBudget)
        var planned: [PlanKey: PlanOutcome] = [:]
        for (c, bound) in bounded {
            if isInterrupted() { throw ScriptError(.interrupted, nil) }
            var plan = options
            if kept.count >= limit, let worst = kept.last {
                let worstKey = key(worst.stack).0
                if bound > worstKey { continue }
                switch options.ranking {
                case .cost: plan.maxCost = min(options.maxCost ?? .infinity, worst.stack.cost)
                case .weeks: plan.maxWeeks = min(options.maxWeeks ?? .infinity, worst.stack.weeks)
                case .count: break
                }
            }
            // Plans are kept by the holdings that matter: a bound only tightens as answers are
            // kept, so what was past one is past the next, and a best stack found stays best.
            let memo = PlanKey(held: c.held.sorted(), role: c.role)
            var outcome: PlanOutcome
            if c.open.isEmpty {
                outcome = .found(Planner.Stack(credentials: [], cost: 0, weeks: 0))
            } else if let known = planned[memo] {
                outcome = known
            } else {
                do {
                    let best = try Planner(graph: graph, target: .skills(c.open), held: c.held, options: plan, isInterrupted: isInterrupted).plan().first
                    outcome = best.map(PlanOutcome.found) ?? .beyondBound
                } catch {
                    switch error {
                    case .budgetExhausted(let states, let memoryMiB): throw ScriptError(.searchTooLarge(states: states, memoryMiB: memoryMiB), q.range)
                    case .interrupted: throw ScriptError(.interrupted, q.range)
                    case .nothingWithinBounds: outcome = .beyondBound  // past a bound: not among the nearest
                    case .skillsNotTaught, .cannotEarn: outcome = .unreachable
                    }
                }
                planned[memo] = outcome
            }
            let stack: Planner.Stack
            switch outcome {
            case .found(let s):
                if let m = plan.maxCost, s.cost > m { continue }
                if let m = plan.maxWeeks, s.weeks > m { continue }
                stack = s
            case .beyondBound: continue
            case .unreachable:
                unreachable += 1
                continue
            }
            let entry = (c, stack)
            let at = kept.firstIndex { before(entry, $0) } ?? kept.count
            if at < limit {
                kept.insert(entry, at: at)
                if kept.count > limit { kept.removeLast() }
            }
        }
        let rows = kept.map { c, stack in
            Row([Schema.entity(graph, c.entity.kind, c.entity.index), .number(stack.cost), .number(stack.weeks), .number(Double(stack.count)),
                 .list(c.open.map { skillLevel($0.skill, $0.level) }), Schema.entities(graph, .credential, stack.credentials)],
                entity: c.entity)
        }
        var table = Table(columns: [subjectColumn, "cost", "weeks", "count", "missing", "stack"], rows: rows, entityKind: q.roles ? .role : .learner)
        table.listsOnLines = true
        if unreachable > 0 {
            let noun = q.roles ? (unreachable == 1 ? "role" : "roles") : (unreachable == 1 ? "learner" : "learners")
            table.notes.append("\(unreachable) \(noun) no stack reaches left out (stacks toward one says why)")
        }
        return table
    }

    struct Candidate {
        var entity: EntityRef
        var role: Int
        var held: Set<Int>
        /// The role's needs the holdings do not reach.
        var open: [SkillLevel]
    }

    struct PlanKey: Hashable {
        var held: [Int]
        var role: Int
    }

    enum PlanOutcome {
        /// The best stack (the first plan's bound, if any, was above it).
        case found(Planner.Stack)
        /// Nothing within the bound it was planned with.
        case beyondBound
        case unreachable
    }

    /// The credentials a stack toward these needs can be made of: those that teach a need at
    /// its level, and their prerequisites and parts, all the way down.
    func closure(of needs: [SkillLevel]) -> Set<Int> {
        var seen = Set<Int>()
        var queue: [Int] = []
        for need in needs {
            for t in graph.taughtBy[need.skill] {
                if t.level < need.level { break }
                if seen.insert(t.credential).inserted { queue.append(t.credential) }
            }
        }
        while let c = queue.popLast() {
            let credential = graph.credentials[c]
            for r in credential.requires where seen.insert(r).inserted { queue.append(r) }
            for p in credential.stack?.credentials ?? [] where seen.insert(p).inserted { queue.append(p) }
        }
        return seen
    }

    struct Teachers {
        var credentials = Set<Int>()
        var cost = Double.infinity
        var weeks = Double.infinity
    }

    struct SkillLevelKey: Hashable {
        var skill: Int
        var level: Int
    }
}
