import Foundation

/// What a partial stack still owes (a skill, a prerequisite, a stack rule), the branches that
/// could pay it, and whether a set is a stack, and a minimal one.
extension Planner {
    // MARK: - Obligations

    /// The open obligation with the fewest ways to meet it, as the credentials that could be
    /// added next (a class of twins is one way: its next member); nil when every obligation is
    /// met (the set is a stack, maybe not minimal).
    func openObligation(_ members: [Int], _ has: (Int) -> Bool, _ symmetry: Symmetry, _ memo: inout Feasibility) -> (branches: [Int], Void)? {
        var best: [Int]?
        var taken: [Int]?
        func consider(_ options: [Int]) {
            let options = symmetry.canonical(options, taken: &taken, in: members)
            if best == nil || options.count < best!.count { best = options }
        }
        memo.work += members.count
        for m in members {
            for r in graph.credentials[m].requires where !has(r) {
                consider(memo.achievable(r) ? [r] : [])
                if best!.count <= 1 { return (best!, ()) }
            }
        }
        for m in members {
            if let rule = graph.credentials[m].stack {
                memo.work += memo.parts(m).count
                guard !satisfied(rule, has) else { continue }
                var next: [Int] = []
                branches(rule, has, into: &next)
                consider(unique(next).filter { memo.achievable($0) })
                if best!.count <= 1 { return (best!, ()) }
            }
        }
        // Needs are compared by how many credentials teach them; only the chosen one's list is built.
        var fewest: (need: SkillLevel, count: Int)?
        for need in openNeeds where !covered(need, members) {
            var count = 0
            for t in taughtBy[need.skill] {
                if t.level < need.level { break }  // sorted by level, highest first
                if !memo.isHeld(t.credential), memo.achievable(t.credential) { count += 1 }
            }
            memo.work += count
            if count < (fewest?.count ?? .max) { fewest = (need, count) }
            if count <= 1 { break }
        }
        if let need = fewest?.need, fewest!.count < (best?.count ?? .max) {
            var options: [Int] = []
            for t in taughtBy[need.skill] {
                if t.level < need.level { break }
                if !memo.isHeld(t.credential), memo.achievable(t.credential) { options.append(t.credential) }
            }
            consider(options)
        }
        return best.map { ($0, ()) }
    }

    func unique(_ items: [Int]) -> [Int] {
        var seen = Set<Int>()
        return items.filter { seen.insert($0).inserted }
    }

    func covered(_ need: SkillLevel, _ members: [Int]) -> Bool {
        members.contains { m in graph.credentials[m].teaches.contains { $0.skill == need.skill && $0.level >= need.level } }
    }

    func satisfied(_ rule: StackRule, _ has: (Int) -> Bool) -> Bool {
        Self.satisfied(rule, has, graph)
    }

    /// The credentials that could be added next toward an unmet rule: every minimal way of
    /// meeting it contains one of them.
    func branches(_ rule: StackRule, _ has: (Int) -> Bool, into out: inout [Int]) {
        switch rule {
        case .credential(let c): if !has(c) { out.append(c) }
        case .all(let items):
            if let first = items.first(where: { !satisfied($0, has) }) { branches(first, has, into: &out) }
        case .any(let items), .atLeast(_, let items):
            for item in items where !satisfied(item, has) { branches(item, has, into: &out) }
        case .credits(_, let ids):
            // Only a credential that carries credits can bring the total up.
            for c in ids where !has(c) && graph.credentials[c].credits > 0 { out.append(c) }
        }
    }

    /// Whether a set meets all of conditions 1-3.
    func isStack(_ members: [Int]) -> Bool {
        let held = self.held  // the closure holds the set, not a copy of the planner
        let has = { (c: Int) in held.contains(c) || Planner.contains(members, c) }
        switch target {
        case .credential(let t): if !held.contains(t), !Self.contains(members, t) { return false }
        case .role, .skills: if !openNeeds.allSatisfy({ covered($0, members) }) { return false }
        }
        for m in members {
            if !graph.credentials[m].requires.allSatisfy(has) { return false }
            if let rule = graph.credentials[m].stack, !satisfied(rule, has) { return false }
        }
        return true
    }

    /// Condition 4: no credential can be removed with 1-3 still true.
    func isMinimal(_ members: [Int]) -> Bool {
        for i in members.indices {
            var without = members
            without.remove(at: i)
            if isStack(without) { return false }
        }
        return true
    }
}
