/// `stacks toward` and `gaps for`: the planner's answers as tables.
extension Evaluator {
    func stacks(_ q: StacksQuery) throws(ScriptError) -> Table {
        let targetRef = try resolve(q.target, q.target.kind == .skill ? [.skill] : [.role, .credential])
        var held = Set<Int>()
        var learnerName: String?
        if let l = q.learner {
            let learner = try resolve(l, [.learner]).index
            held = Set(countedCredentials(of: learner))
            learnerName = graph.learners[learner].name
        }
        let options = try plannerOptions(q)
        let target: Planner.Target = switch targetRef.kind {
        case .role: .role(targetRef.index)
        case .skill: .skills([SkillLevel(skill: targetRef.index, level: q.level ?? 1)])
        default: .credential(targetRef.index)
        }
        let planner = Planner(graph: graph, target: target, held: held, options: options, isInterrupted: isInterrupted)
        let stacks: [Planner.Stack]
        do {
            stacks = try planner.plan()
        } catch {
            throw ScriptError(problem(for: error, target: targetRef, level: q.level, learner: learnerName, options: options), q.range)
        }
        let rows = stacks.enumerated().map { rank, stack in
            Row([.number(Double(rank + 1)), .number(stack.cost), .number(stack.weeks), .number(Double(stack.count)),
                 Schema.entities(graph, .credential, stack.credentials),
                 .list(reasons(in: stack, target: target, held: held))])
        }
        var table = Table(columns: ["rank", "cost", "weeks", "count", "credentials", "why"], rows: rows,
                          shape: .stacks(target: targetRef, held: held.sorted()))
        table.listsOnLines = true
        return table
    }

    /// The planner's options as a statement gives them.
    func plannerOptions(_ q: some PlanOptions) throws(ScriptError) -> Planner.Options {
        var options = Planner.Options()
        options.ranking = switch q.ranking {
        case .cost: .cost
        case .weeks: .weeks
        case .count: .count
        }
        options.limit = try count(q.limit, "limit")
        options.stateBudget = stateBudget
        options.progress = progress
        options.maxCost = try q.maxCost.map { (c) throws(ScriptError) in try number(c, "max cost") }
        options.maxWeeks = try q.maxWeeks.map { (w) throws(ScriptError) in try number(w, "max weeks") }
        if !q.using.isEmpty {
            var providers = Set<Int>()
            for org in q.using { providers.insert(try resolve(org, [.organization]).index) }
            options.providers = providers
        }
        return options
    }

    /// What a credential brings to a stack: the needed skills it reaches, or the credential it
    /// is a prerequisite or a part of.
    private func reasons(in stack: Planner.Stack, target: Planner.Target, held: Set<Int>) -> [Value] {
        // Who in the stack needs each credential, found in one pass (a stack may be a chain of
        // a million prerequisites).
        let inStack = Set(stack.credentials)
        var neededBy: [Int: [String]] = [:]
        for other in stack.credentials {
            for r in graph.credentials[other].requires where inStack.contains(r) {
                neededBy[r, default: []].append("prerequisite of \(graph.credentials[other].name)")
            }
            for p in graph.credentials[other].stack?.credentials ?? [] where inStack.contains(p) {
                neededBy[p, default: []].append("part of \(graph.credentials[other].name)")
            }
        }
        var levels: [Int: (level: Int, from: Int)] = [:]
        var needs: [SkillLevel] = []
        switch target {
        case .role(let r): needs = graph.roles[r].needs
        case .skills(let list): needs = list
        case .credential: break
        }
        if !needs.isEmpty { levels = graph.skillLevels(of: Array(held)) }
        return stack.credentials.map { c in
            var covers: [Value] = []
            var notes: [String] = []
            switch target {
            case .role, .skills:
                for need in needs where (levels[need.skill]?.level ?? 0) < need.level
                    && graph.credentials[c].teaches.contains(where: { $0.skill == need.skill && $0.level >= need.level }) {
                    covers.append(skillLevel(need.skill, need.level))
                }
            case .credential(let t):
                if c == t { notes.append("the target") }
            }
            notes += neededBy[c] ?? []
            return .reason(Schema.entityValue(graph, EntityRef(kind: .credential, index: c)), covers: covers, notes: notes)
        }
    }

    private func problem(for failure: Planner.Failure, target: EntityRef, level: Int?, learner: String?, options: Planner.Options) -> Problem {
        let name = graph.name(of: target) + (target.kind == .skill ? " at level \(level ?? 1)" : "")
        switch failure {
        case .skillsNotTaught(let nowhere, let outsideUsing):
            func list(_ needs: [SkillLevel]) -> String {
                needs.map { "\(graph.skills[$0.skill].name) at level \($0.level)" }.joined(separator: ", ")
            }
            var reasons: [String] = []
            if !nowhere.isEmpty { reasons.append("no credential teaches " + list(nowhere)) }
            if !outsideUsing.isEmpty {
                reasons.append((nowhere.isEmpty ? "no credential teaches " : "none ") + list(outsideUsing) + " from the organisations in 'using'")
            }
            return .noStack(target: name, reason: reasons.joined(separator: "; "))
        case .cannotEarn(_, let reason):
            return .noStack(target: name, reason: reason)
        case .nothingWithinBounds:
            var bounds: [String] = []
            if let c = options.maxCost { bounds.append("max cost \(Value.format(c))") }
            if let w = options.maxWeeks { bounds.append("max weeks \(Value.format(w))") }
            return .noStack(target: name, reason: bounds.isEmpty ? "no combination of credentials meets every rule" : "none within " + bounds.joined(separator: " and "))
        case .budgetExhausted(let states, let memoryMiB):
            return .searchTooLarge(states: states, memoryMiB: memoryMiB)
        case .interrupted:
            return .interrupted
        }
    }

    func gaps(learner name: NameRef, target targetName: NameRef, range: SourceRange?) throws(ScriptError) -> Table {
        let learner = try resolve(name, [.learner]).index
        let target = try resolve(targetName, [.role, .credential])
        let heldList = countedCredentials(of: learner)
        let held = Set(heldList)
        if target.kind == .role {
            let levels = graph.skillLevels(of: heldList)
            // One budget for every plan this answer makes; running out is an error, never a
            // credential quietly left out of "cheapest".
            let budget = SearchBudget(states: stateBudget)
            var rows: [Row] = []
            for need in graph.roles[target.index].needs {
                let have = levels[need.skill]?.level ?? 0
                guard have < need.level else { continue }
                // Cheapest by what it costs this learner to earn: its parts and missing prerequisites too.
                var priced: [(credential: Int, cost: Double)] = []
                for t in graph.taughtBy[need.skill] where t.level >= need.level && !held.contains(t.credential) {
                    var options = Planner.Options()
                    options.limit = 1
                    options.budget = budget
                    options.progress = progress
                    let planner = Planner(graph: graph, target: .credential(t.credential), held: held, options: options, isInterrupted: isInterrupted)
                    do {
                        if let best = try planner.plan().first { priced.append((t.credential, best.cost)) }
                    } catch {
                        switch error {
                        case .budgetExhausted(let states, let memoryMiB): throw ScriptError(.searchTooLarge(states: states, memoryMiB: memoryMiB), range)
                        case .interrupted: throw ScriptError(.interrupted, range)
                        default: continue  // it cannot be earned: not among the cheapest
                        }
                    }
                }
                priced.sort { ($0.cost, graph.credentials[$0.credential].id) < ($1.cost, graph.credentials[$1.credential].id) }
                let cheapest = priced.prefix(3)
                rows.append(Row([Schema.entity(graph, .skill, need.skill), .number(Double(need.level)), .number(Double(have)),
                                 Schema.entities(graph, .credential, cheapest.map(\.credential)),
                                 .list(cheapest.map { .number($0.cost) })],
                                entity: EntityRef(kind: .skill, index: need.skill)))
            }
            var table = Table(columns: ["skill", "needed", "held", "cheapest", "cost_to_earn"], rows: rows, entityKind: .skill)
            table.listsOnLines = true
            return table
        }
        // A credential: the parts of its stack rule not yet held (or itself and its prerequisites),
        // each with how far the learner is through the rule it belongs to.
        let credential = graph.credentials[target.index]
        var rows: [Row] = []
        func row(_ c: Int, _ rule: String, _ progress: String?) -> Row {
            let cred = graph.credentials[c]
            return Row([.text(cred.id), .text(cred.name), .text(rule), progress.map(Value.text) ?? .null,
                        .number(cred.cost), .number(cred.weeks), .number(cred.credits)],
                       entity: EntityRef(kind: .credential, index: c))
        }
        let has = { (c: Int) in held.contains(c) }
        func missing(_ rule: StackRule, _ label: String, _ progress: String?) {
            switch rule {
            case .credential(let c): if !held.contains(c) { rows.append(row(c, label, progress)) }
            case .all(let items):
                let k = items.filter { Planner.satisfied($0, has, graph) }.count
                for item in items where !Planner.satisfied(item, has, graph) {
                    missing(item, label.isEmpty ? "all of" : label, label.isEmpty ? "held \(k) of \(items.count)" : progress)
                }
            case .any(let items):
                if !items.contains(where: { Planner.satisfied($0, has, graph) }) { for item in items { missing(item, "any of", "held 0 of 1") } }
            case .atLeast(let n, let items):
                let k = items.filter { Planner.satisfied($0, has, graph) }.count
                if k < n { for item in items where !Planner.satisfied(item, has, graph) { missing(item, "\(n - k) more of", "held \(k) of \(n)") } }
            case .credits(let needed, let ids):
                let total = ids.filter(held.contains).reduce(0) { $0 + graph.credentials[$1].credits }
                if total < needed {
                    for c in ids where !held.contains(c) {
                        rows.append(row(c, "\(Value.format(needed - total)) more credits of", "held \(Value.format(total)) of \(Value.format(needed)) credits"))
                    }
                }
            }
        }
        if held.contains(target.index) {
            // Already earned: nothing is missing.
        } else if let rule = credential.stack {
            missing(rule, "", nil)
        } else {
            for p in graph.prerequisiteOrder(of: target.index) where !held.contains(p) { rows.append(row(p, "prerequisite", nil)) }
            rows.append(row(target.index, "the credential", nil))
        }
        return Table(columns: ["id", "name", "rule", "progress", "cost", "weeks", "credits"], rows: rows, entityKind: .credential)
    }
}

extension Planner {
    /// Whether holdings alone meet a rule (for `gaps`).
    /// (Loops, not closures: the planner asks this for every state, and a closure would hold
    /// on to the graph anew at every level.)
    static func satisfied(_ rule: StackRule, _ has: (Int) -> Bool, _ graph: Graph) -> Bool {
        switch rule {
        case .credential(let c):
            return has(c)
        case .all(let items):
            for item in items where !satisfied(item, has, graph) { return false }
            return true
        case .any(let items):
            for item in items where satisfied(item, has, graph) { return true }
            return false
        case .atLeast(let n, let items):
            var k = 0
            for item in items where k < n && satisfied(item, has, graph) { k += 1 }
            return k >= n
        case .credits(let needed, let ids):
            var total = 0.0
            for c in ids where has(c) { total += graph.credentials[c].credits }
            return total >= needed
        }
    }
}

/// `verify [LEARNER | HOLDING] [as of DATE]`: one row per holding with its status.
extension Evaluator {

}
