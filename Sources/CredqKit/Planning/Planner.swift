import Foundation
/// Finds the N best stacks toward a role or a credential, exactly as the language page
/// defines them, by a best-first search whose lower bounds prove the order.
///
/// A stack X (none of it held) meets the target with the holdings H, has every credential's
/// prerequisites in X ∪ H, every composite's stack rule satisfied by X ∪ H, and is minimal: no
/// credential can be removed with all that still true. Stacks rank by total cost, then count,
/// then total weeks (or weeks first, or count first), then by their sorted ids.
///
/// The search grows partial stacks one credential at a time, always for an obligation that is
/// still open (a needed skill not reached, a prerequisite missing, a stack rule not met), and
/// branches only over the credentials that could meet it. Every minimal stack is reached this
/// way. States come out of a priority queue by a lower bound on their final rank key, partial
/// states before complete ones at equal keys, so complete stacks leave it in their true order.
public struct Planner {
    public enum Target: Sendable, Equatable {
        case role(Int)
        case credential(Int)
    }

    public enum Ranking: Sendable { case cost, weeks, count }

    public struct Options: Sendable {
        public var ranking: Ranking = .cost
        public var limit = 5
        public var maxCost: Double?
        public var maxWeeks: Double?
        /// Only credentials these organisations provide or host (as provider or platform) may
        /// be added; nil allows all.
        public var providers: Set<Int>?

        /// Whether `using` lets a credential be added.
        public func allows(_ credential: Credential) -> Bool {
            guard let providers else { return true }
            return providers.contains(credential.provider) || credential.platform.map(providers.contains) == true
        }
        /// How many states the search may create before it gives up (it never guesses); the
        /// memory those states take is bounded with it, at `bytesPerState` a state.
        public var stateBudget = 2_000_000
        /// Shared by the searches that answer one question (`gaps` plans once per credential):
        /// their states count against one budget. Nil: each `plan()` has `stateBudget` of its own.
        public var budget: SearchBudget?
        /// Whether the search takes its exact shortcuts: interchangeable credentials as one
        /// choice with a multiplicity (`Symmetry`), a pathway that is a tree part by part
        /// (`TreePlan`). Off only to check the search against itself.
        public var shortcuts = true
        /// Told how the search is going, every 1,024 states it creates, takes from its queue or lists.
        public var progress: (@Sendable (Progress) -> Void)?

        public init() {}
    }

    /// The memory a search may use for each state of its budget, as estimated by `SearchBudget`.
    public static let bytesPerState = 1024
    /// The steps of work (list entries scanned, closure members priced) a search may spend for
    /// each state of its budget, so that dear states stop it as soon as many cheap ones would.
    public static let stepsPerState = 40

    /// How far a search has got, for a progress line.
    public struct Progress: Sendable {
        /// States created so far (against the budget).
        public var states: Int
        public var seconds: Double
        /// The least cost, count and weeks that any stack not yet proven can have.
        public var bound: (cost: Double, count: Int, weeks: Double)
        /// The best stack seen so far, proven or not: cost, count, weeks.
        public var best: (cost: Double, count: Int, weeks: Double)?
        /// Stacks proven and kept so far.
        public var found: Int
        /// The search has ended (with an answer or not): the last report of each search.
        public var done = false
    }

    /// One answer: the credentials to earn, in a valid study order, and their totals.
    public struct Stack: Sendable, Equatable {
        public var credentials: [Int]
        public var cost: Double
        public var weeks: Double
        public var count: Int { credentials.count }
    }

    /// Why no stack can be given.
    public enum Failure: Error, Sendable, Equatable {
        /// Needs no credential teaches at all, and needs only credentials outside `using` teach.
        case skillsNotTaught(nowhere: [SkillLevel], outsideUsing: [SkillLevel])
        case cannotEarn(credential: Int, reason: String)
        case nothingWithinBounds
        /// The state budget ran out; `memoryMiB` when its memory bound did.
        case budgetExhausted(states: Int, memoryMiB: Int?)
        case interrupted
    }

    let graph: Graph
    /// The graph's skill → teaching credentials lists, fetched once for the search's loops.
    let taughtBy: [[(credential: Int, level: Int)]]
    let target: Target
    let held: Set<Int>
    let options: Options
    let isInterrupted: @Sendable () -> Bool

    /// The role's needs that the holdings do not reach.
    private(set) var openNeeds: [SkillLevel]

    public init(graph: Graph, target: Target, held: Set<Int>, options: Options, isInterrupted: @escaping @Sendable () -> Bool = { false }) {
        self.graph = graph
        taughtBy = graph.taughtBy
        self.target = target
        self.held = held
        self.options = options
        self.isInterrupted = isInterrupted
        if case .role(let r) = target {
            let levels = graph.skillLevels(of: Array(held))
            openNeeds = graph.roles[r].needs.filter { (levels[$0.skill]?.level ?? 0) < $0.level }
        } else {
            openNeeds = []
        }
    }

    // MARK: - Search

    /// A partial or complete stack in the queue.
    private struct State {
        var members: [Int]  // sorted
        var cost: Double
        var weeks: Double
        /// The lower bound of the rank key, or the exact key when `complete`.
        var key: (Double, Double, Double)
        var complete: Bool
        var branches: [Int]
        /// Whether `key` includes the full lower bound (computed when the state first comes out).
        var refined = false
    }

    public func plan() throws(Failure) -> [Stack] {
        if options.limit <= 0 { return [] }
        let budget = options.budget ?? SearchBudget(states: options.stateBudget)
        defer { options.progress?(Progress(states: budget.used, seconds: 0, bound: (0, 0, 0), found: 0, done: true)) }
        if case .role = target, canDecompose {
            // Every need no credential can meet is named at once, not one part's first.
            var memo = Feasibility(planner: self)
            defer { memo.finish() }
            try precheck(&memo)
            let components = independentNeeds()
            if components.count > 1 { return try planByComponents(components, budget) }
        }
        return try search(budget)
    }

    // MARK: - Independent parts of a role

    /// Whether the best stacks of independent parts combine into the best stacks of the whole:
    /// true unless a bound applies to a measure other than the first one ranked.
    private var canDecompose: Bool {
        switch options.ranking {
        case .cost: options.maxWeeks == nil
        case .weeks: options.maxCost == nil
        case .count: options.maxCost == nil && options.maxWeeks == nil
        }
    }

    /// The open needs in groups that no credential can serve across: everything that could be
    /// added for a need (its candidates, their missing prerequisites and the credentials their
    /// stack rules name, transitively) is that need's universe; needs whose universes meet are
    /// in one group.
    func independentNeeds() -> [[SkillLevel]] {
        var memo = Feasibility(planner: self)
        defer { memo.finish() }
        var owner: [Int: Int] = [:]  // credential → the first need whose universe holds it
        var parent = Array(openNeeds.indices)
        func find(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        for (i, need) in openNeeds.enumerated() {
            var stack = taughtBy[need.skill].filter { $0.level >= need.level }.map(\.credential)
            var seen = Set<Int>()
            while let c = stack.popLast() {
                guard !held.contains(c), seen.insert(c).inserted, memo.achievable(c) else { continue }
                if let j = owner[c] { parent[find(i)] = find(j) } else { owner[c] = i }
                stack += graph.credentials[c].requires
                if let rule = graph.credentials[c].stack { stack += rule.credentials }
            }
        }
        var groups: [Int: [SkillLevel]] = [:]
        var order: [Int] = []
        for (i, need) in openNeeds.enumerated() {
            let root = find(i)
            if groups[root] == nil { order.append(root) }
            groups[root, default: []].append(need)
        }
        return order.map { groups[$0]! }
    }

    /// The N best stacks of each group, combined: groups share no credential, so a stack of the
    /// whole is one stack of each group, its figures their sums, and the N best of the whole are
    /// among combinations of each group's N best (the rank order survives adding a disjoint part).
    private func planByComponents(_ components: [[SkillLevel]], _ budget: SearchBudget) throws(Failure) -> [Stack] {
        var byComponent: [[Stack]] = []
        for needs in components {
            var part = self
            part.openNeeds = needs
            byComponent.append(try part.search(budget))
        }
        // Ranks by id for the sorted-ids tie-break, over every credential any part's stack holds.
        let named = Set(byComponent.joined().flatMap(\.credentials)).sorted { graph.credentials[$0].id < graph.credentials[$1].id }
        var rank: [Int: Int32] = [:]
        for (i, c) in named.enumerated() { rank[c] = Int32(i) }
        let combiner = TreePlan.Combiner(planner: self, limit: options.limit, budget: budget)
        var combined = [combiner.empty]
        for stacks in byComponent {
            let parts = stacks.map { combiner.part($0.credentials, ranks: $0.credentials.map { rank[$0]! }, cost: $0.cost, weeks: $0.weeks) }
            combined = try combiner.product(combined, parts)
        }
        // A bound here is on the measure ranked first (see canDecompose): the N best, cut there.
        let within = combined.filter { p in
            (options.maxCost.map { p.cost <= $0 } ?? true) && (options.maxWeeks.map { p.weeks <= $0 } ?? true)
        }
        if within.isEmpty { throw .nothingWithinBounds }
        return within.map { Stack(credentials: studyOrder($0.members.members.sorted()), cost: $0.cost, weeks: $0.weeks) }
    }

    // MARK: - Search

    /// The best-first search over one target (or one group of a role's needs).
    private func search(_ budget: SearchBudget) throws(Failure) -> [Stack] {
        var memo = Feasibility(planner: self)
        defer { memo.finish() }
        try precheck(&memo)
        let start: [Int]
        switch target {
        case .credential(let c):
            if held.contains(c) { return [Stack(credentials: [], cost: 0, weeks: 0)] }
            if options.shortcuts, let stacks = try TreePlan.plan(self, c, budget, &memo) { return stacks }
            start = [c]
        case .role:
            start = []
        }
        let symmetry = options.shortcuts ? Symmetry(self, openNeeds: openNeeds, taughtBy: taughtBy, &memo) : .none
        var heap = Heap<State>(before: Self.before)
        var seen = Set<[Int]>()
        seen.insert(start)
        var best: (Double, Double, Double)?
        var frontier = (0.0, 0.0, 0.0)  // the key of the state last taken from the queue
        var results: [Stack] = []
        func checkIn() throws(Failure) { try self.checkIn(budget, bound: frontier, best: best, found: results.count) }
        func add(_ state: State) throws(Failure) {
            // Its set was copied, hashed into the sets seen and summed: work in its size too.
            try budget.spend(items: state.members.count + state.branches.count, work: memo.work + 3 * state.members.count)
            memo.work = 0
            if budget.used & 1023 == 0 { try checkIn() }
            if state.complete, best.map({ Self.keyLess(state.key, $0) }) ?? true { best = state.key }
            heap.push(state)
        }
        if let s = makeState(start, symmetry, &memo) { try add(s) }
        var popped = 0, completes = 0, nonMinimal = 0
        while let state = heap.pop() {
            popped += 1
            frontier = state.key
            if popped & 1023 == 0 { try checkIn() }
            if !state.complete, !state.refined {
                // The full bound is worth computing only for states that reach the front.
                memo.workLimit = budget.workLeft
                let better = refine(state, &memo)
                try budget.charge(work: memo.work)
                memo.work = 0
                guard let better else { continue }
                if Self.keyLess(state.key, better.key) {
                    heap.push(better)
                    continue
                }
            }
            if state.complete {
                // Partial states come first at equal keys, so every stack of this key is in the
                // queue now: take them all, and give their families in sorted-ids order.
                var group = [state]
                while let top = heap.first, top.complete, top.key == state.key, let next = heap.pop() { group.append(next) }
                completes += group.count
                for s in group { try budget.charge(work: s.members.count * s.members.count) }
                let minimal = group.filter { isMinimal($0.members) }
                nonMinimal += group.count - minimal.count
                var families = Orbits(graph: graph, symmetry: symmetry, stacks: minimal.map { ($0.members, $0.cost, $0.weeks) })
                while results.count < options.limit, let stack = families.next() {
                    // A family can be vast (n of 40 twins): its members count as states too.
                    try budget.spend(items: stack.members.count, work: stack.members.count)
                    if results.count & 1023 == 1023 { try checkIn() }
                    results.append(Stack(credentials: studyOrder(stack.members), cost: stack.cost, weeks: stack.weeks))
                }
                if results.count >= options.limit { break }
                continue
            }
            for c in state.branches {
                var next = state.members
                next.insert(c, at: next.firstIndex { $0 > c } ?? next.count)
                guard seen.insert(next).inserted else { continue }
                if let s = makeState(next, symmetry, &memo, parentKey: state.key) { try add(s) }
            }
        }
        if let trace = DebugTrace.planner {
            trace("planner: \(popped) states out of the queue, \(completes) complete (\(nonMinimal) not minimal), \(seen.count) sets seen, \(heap.count) left, \(symmetry.classCount) classes of twins, \(budget.used) states and \(budget.work) steps against the budget\n")
        }
        if results.isEmpty, options.limit > 0 { throw .nothingWithinBounds }
        return results
    }

    /// Polls for Ctrl-C, and tells how the search is going: the least key left to prove, the
    /// best seen so far, and how many stacks are proven.
    func checkIn(_ budget: SearchBudget, bound: (Double, Double, Double), best: (Double, Double, Double)?, found: Int) throws(Failure) {
        if isInterrupted() { throw .interrupted }
        if let progress = options.progress {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - budget.began) / 1e9
            progress(Progress(states: budget.used, seconds: seconds, bound: measures(bound), best: best.map(measures), found: found))
        }
    }

    /// A rank key as cost, count and weeks.
    func measures(_ key: (Double, Double, Double)) -> (cost: Double, count: Int, weeks: Double) {
        switch options.ranking {
        case .cost: (key.0, Int(key.1), key.2)
        case .weeks: (key.1, Int(key.2), key.0)
        case .count: (key.1, Int(key.0), key.2)
        }
    }

    /// Fails early, with the reason, when no stack can exist at all.
    private func precheck(_ memo: inout Feasibility) throws(Failure) {
        switch target {
        case .role:
            // Every need nothing can meet, so that the answer names them all.
            var nowhere: [SkillLevel] = [], outsideUsing: [SkillLevel] = []
            for need in openNeeds {
                let any = taughtBy[need.skill].contains { $0.level >= need.level && memo.achievable($0.credential) }
                if !any {
                    let anyAtAll = taughtBy[need.skill].contains { $0.level >= need.level }
                    if anyAtAll { outsideUsing.append(need) } else { nowhere.append(need) }
                }
            }
            if !nowhere.isEmpty || !outsideUsing.isEmpty { throw .skillsNotTaught(nowhere: nowhere, outsideUsing: outsideUsing) }
        case .credential(let c):
            if !held.contains(c), !memo.achievable(c) { throw .cannotEarn(credential: c, reason: memo.whyNot(c)) }
        }
    }

    static func keyLess(_ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> Bool {
        if a.0 != b.0 { return a.0 < b.0 }
        if a.1 != b.1 { return a.1 < b.1 }
        return a.2 < b.2
    }

    /// The queue order: smaller key first; at equal keys partial states first. Complete
    /// stacks of one key leave the queue together and `Orbits` puts them in sorted-ids order.
    private static func before(_ a: State, _ b: State) -> Bool {
        if a.key.0 != b.key.0 { return a.key.0 < b.key.0 }
        if a.key.1 != b.key.1 { return a.key.1 < b.key.1 }
        if a.key.2 != b.key.2 { return a.key.2 < b.key.2 }
        return !a.complete && b.complete
    }

    /// Builds a queue entry for a set of credentials, or nil when it cannot lead anywhere. Its
    /// key is cheap: what the set costs so far, and no less than its parent's key (a child's
    /// completions are among its parent's). `refine` tightens it later.
    private func makeState(_ members: [Int], _ symmetry: Symmetry, _ memo: inout Feasibility, parentKey: (Double, Double, Double)? = nil) -> State? {
        var cost = 0.0, weeks = 0.0
        for m in members {
            cost += graph.credentials[m].cost
            weeks += graph.credentials[m].weeks
        }
        if let maxCost = options.maxCost, cost > maxCost { return nil }
        if let maxWeeks = options.maxWeeks, weeks > maxWeeks { return nil }
        let scratch = memo.scratch  // the closure holds the scratch space, not a copy of the planner
        let has = { (c: Int) in scratch.isHeld(c) || Planner.contains(members, c) }
        guard let open = openObligation(members, has, symmetry, &memo) else {
            return State(members: members, cost: cost, weeks: weeks, key: rankKey(cost, Double(members.count), weeks),
                         complete: true, branches: [])
        }
        if open.branches.isEmpty { return nil }
        var key = rankKey(cost, Double(members.count + 1), weeks)
        if let p = parentKey { key = (max(key.0, p.0), max(key.1, p.1), max(key.2, p.2)) }
        return State(members: members, cost: cost, weeks: weeks, key: key, complete: false, branches: open.branches)
    }

    /// The state with the full lower bound in its key, or nil when that bound rules it out.
    private func refine(_ state: State, _ memo: inout Feasibility) -> State? {
        let members = state.members
        let scratch = memo.scratch  // the closure holds the scratch space, not a copy of the planner
        let has = { (c: Int) in scratch.isHeld(c) || Planner.contains(members, c) }
        let extra = lowerBound(members, has, &memo)
        let cost = state.cost + extra.cost, weeks = state.weeks + extra.weeks
        if let maxCost = options.maxCost, cost > maxCost { return nil }
        if let maxWeeks = options.maxWeeks, weeks > maxWeeks { return nil }
        let bound = rankKey(cost, Double(members.count + extra.count), weeks)
        var refined = state
        refined.key = (max(bound.0, state.key.0), max(bound.1, state.key.1), max(bound.2, state.key.2))
        refined.refined = true
        return refined
    }

    func rankKey(_ cost: Double, _ count: Double, _ weeks: Double) -> (Double, Double, Double) {
        switch options.ranking {
        case .cost: (cost, count, weeks)
        case .weeks: (weeks, cost, count)
        case .count: (count, cost, weeks)
        }
    }

    static func contains(_ sorted: [Int], _ c: Int) -> Bool {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < c { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo] == c
    }

    // MARK: - Obligations

    /// The open obligation with the fewest ways to meet it, as the credentials that could be
    /// added next (a class of twins is one way: its next member); nil when every obligation is
    /// met (the set is a stack, maybe not minimal).
    private func openObligation(_ members: [Int], _ has: (Int) -> Bool, _ symmetry: Symmetry, _ memo: inout Feasibility) -> (branches: [Int], Void)? {
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

    private func unique(_ items: [Int]) -> [Int] {
        var seen = Set<Int>()
        return items.filter { seen.insert($0).inserted }
    }

    private func covered(_ need: SkillLevel, _ members: [Int]) -> Bool {
        members.contains { m in graph.credentials[m].teaches.contains { $0.skill == need.skill && $0.level >= need.level } }
    }

    func satisfied(_ rule: StackRule, _ has: (Int) -> Bool) -> Bool {
        Self.satisfied(rule, has, graph)
    }

    /// The credentials that could be added next toward an unmet rule: every minimal way of
    /// meeting it contains one of them.
    private func branches(_ rule: StackRule, _ has: (Int) -> Bool, into out: inout [Int]) {
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
        case .role: if !openNeeds.allSatisfy({ covered($0, members) }) { return false }
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

    // MARK: - Lower bounds

    /// What a partial stack must still add, at the least. The open work is a set of units: each
    /// missing prerequisite, each needed skill not reached, each composite's unmet rule. A
    /// unit is served by a credential together with the prerequisites it lacks (its closure).
    /// Two true lower bounds, the larger wins:
    /// - shares: each credential's price is split evenly over the units whose closures could
    ///   hold it; a unit is charged the least such split price of a closure that serves it;
    /// - packing: units whose closures cannot share a credential are charged their least full
    ///   price each, packed greedily from the dearest.
    private func lowerBound(_ members: [Int], _ has: (Int) -> Bool, _ memo: inout Feasibility) -> (cost: Double, weeks: Double, count: Int) {
        let scratch = memo.scratch
        var missing: [Int] = []
        for m in members { for r in graph.credentials[m].requires where !has(r) && !missing.contains(r) { missing.append(r) } }

        // Each unit: the credentials that could serve it, or the rule it must meet.
        var units: [(candidates: [Int], rule: StackRule?)] = missing.map { ([$0], nil) }
        var maxCover = 1
        var openCount = 0
        scratch.nextTag()
        for need in openNeeds where !covered(need, members) {
            openCount += 1
            var list: [Int] = []
            for t in taughtBy[need.skill] {
                if t.level < need.level { break }
                if memo.isHeld(t.credential) || !memo.achievable(t.credential) { continue }
                list.append(t.credential)
                maxCover = max(maxCover, scratch.bump(t.credential))
            }
            memo.work += list.count
            units.append((list, nil))
        }
        for m in members {
            if let rule = graph.credentials[m].stack {
                memo.work += memo.parts(m).count
                guard !satisfied(rule, has) else { continue }
                units.append((memo.parts(m).filter { !has($0) && memo.achievable($0) }, rule))
            }
        }

        // Each unit's footprint: its candidates with the prerequisites they lack, less what the
        // partial stack has; and each credential's reach, the number of footprints holding it.
        scratch.nextTag()
        var footprints: [[Int]] = []
        footprints.reserveCapacity(units.count)
        for unit in units {
            scratch.nextUnit()
            var footprint: [Int] = []
            for c in unit.candidates {
                let closure = memo.closure(c)
                for q in closure where !Self.contains(members, q) && scratch.firstInUnit(q) {
                    footprint.append(q)
                    _ = scratch.bump(q)
                }
                // Closures can be long (a chain of prerequisites) and many: a bound that would
                // outrun the budget stops here, with a weaker answer the budget then refuses.
                memo.work += 1 + closure.count
                if memo.work > memo.workLimit { return (0, 0, 1) }
            }
            footprints.append(footprint)
        }

        // What each closure adds in count, cost and weeks, whole and split by reach: one pass
        // over a closure serves every measure's bound.
        scratch.nextPrices()
        let costs = graph.costByCredential, weeks = graph.weeksByCredential
        func prices(_ c: Int) -> Scratch.Prices {
            if let known = scratch.prices(c) { return known }
            var p = Scratch.Prices()
            let closure = memo.closure(c)
            memo.work += closure.count
            for q in closure where !Self.contains(members, q) {
                let share = 1 / Double(max(1, scratch.count(q)))
                p.full += SIMD4(1, costs[q], weeks[q], 0)
                p.scaled += SIMD4(share, costs[q] * share, weeks[q] * share, 0)
            }
            scratch.setPrices(c, p)
            return p
        }

        // Every measure at once, in the lanes of a vector: count, cost, weeks.
        // Unfiltered closures only decide whether items can share a credential: a test that,
        // if anything, says "shared" too often, which only weakens the bound.
        let rawClosure = { (c: Int) in memo.closure(c) }
        var shares = Measures()
        var full: [(price: Measures, unit: Int)] = []
        for (i, unit) in units.enumerated() {
            if let rule = unit.rule {
                shares += ruleBound(rule, has, rawClosure, scratch) { prices($0).scaled }
                full.append((ruleBound(rule, has, rawClosure, scratch) { prices($0).full }, i))
            } else if !unit.candidates.isEmpty {
                var best = Measures(repeating: .infinity), bestFull = Measures(repeating: .infinity)
                for c in unit.candidates {
                    let p = prices(c)
                    best = pointwiseMin(best, p.scaled)
                    bestFull = pointwiseMin(bestFull, p.full)
                }
                shares += best
                full.append((bestFull, i))
            }
        }
        /// Packing, for one measure: units whose footprints are disjoint, the dearest first.
        func packed(_ lane: Int) -> Double {
            scratch.nextUsed()
            var sum = 0.0
            for p in full.sorted(by: { $0.price[lane] > $1.price[lane] }) where footprints[p.unit].allSatisfy({ !scratch.isUsed($0) }) {
                sum += p.price[lane]
                for q in footprints[p.unit] { scratch.use(q) }
            }
            return sum
        }
        // Shares of a third add up to a hair over a whole: sums are trimmed by as much.
        func trimmed(_ x: Double) -> Double { max(0, x - 1e-9 * max(1, x)) }
        let countForNeeds = openCount == 0 ? 0 : (openCount + maxCover - 1) / maxCover
        // Packing the measure that ranks first (cost also for count, where it breaks the many
        // ties) is worth its sorts, and the other when a bound asks for it.
        let wantsWeeks = options.ranking == .weeks || options.maxWeeks != nil
        let wantsCost = options.ranking != .weeks || options.maxCost != nil
        // Rules count too: n of m items still open need n distinct credentials, at the least.
        var shallow = Measures(max(shares[0], packed(0)), wantsCost ? max(shares[1], packed(1)) : 0,
                               wantsWeeks ? max(shares[2], packed(2)) : 0, 0)
        // The deep bound pays for itself on searches that run long, not on the many that end
        // after a few states, nor where it seldom says more than the shallow bounds: it starts
        // after the first `deepAfter` bounds, and stops when one in eight of its first 32 helps.
        memo.bounds += 1
        if options.shortcuts, memo.bounds > Self.deepAfter, memo.deepTried < 32 || memo.deepHelped * 8 >= memo.deepTried,
           let deep = memo.deepPrices(self)?.bound(units, members, has, self, &memo) {
            memo.deepTried += 1
            let wanted = Measures(1, wantsCost ? 1 : 0, wantsWeeks ? 1 : 0, 0)
            if any(deep * wanted .> shallow + 1e-6) { memo.deepHelped += 1 }
            shallow = pointwiseMax(shallow, deep * wanted)
        }
        let count = max(missing.count, countForNeeds, Int(trimmed(shallow[0]).rounded(.up)), 1)
        return (trimmed(shallow[1]), trimmed(shallow[2]), count)
    }

    /// Bounds a search computes before it adds the deep bound (see `DeepPrices`).
    static let deepAfter = 64

    /// Count, cost and weeks in the lanes of one vector (the fourth lane is unused).
    typealias Measures = SIMD4<Double>

    /// The least a rule can still take, in each measure, at the given prices of closures. Sums
    /// are taken only over items whose closures cannot share a credential; otherwise the
    /// dearest single item counts.
    private func ruleBound(_ rule: StackRule, _ has: (Int) -> Bool, _ closure: (Int) -> [Int], _ scratch: Scratch, _ price: (Int) -> Measures) -> Measures {
        func disjoint(_ items: [StackRule]) -> Bool { Self.disjointClosures(items, has, closure, scratch) }
        func bound(_ item: StackRule) -> Measures { ruleBound(item, has, closure, scratch, price) }
        scratch.work += 1
        switch rule {
        case .credential(let c): return has(c) ? Measures() : price(c)
        case .any(let items):
            guard let first = items.first else { return Measures() }
            return items.dropFirst().reduce(bound(first)) { pointwiseMin($0, bound($1)) }
        case .all(let items):
            let bounds = items.map(bound)
            return disjoint(items) ? bounds.reduce(Measures(), +) : bounds.reduce(Measures()) { pointwiseMax($0, $1) }
        case .atLeast(let n, let items):
            let k = items.filter { satisfied($0, has) }.count
            guard k < n else { return Measures() }
            let rest = items.filter { !satisfied($0, has) }
            let bounds = rest.map(bound)
            let apart = disjoint(rest)
            var out = Measures()
            for lane in 0..<3 {
                let sorted = bounds.map { $0[lane] }.sorted()
                out[lane] = apart ? sorted.prefix(n - k).reduce(0, +) : (sorted.first ?? 0)
            }
            return out
        case .credits(let needed, let ids):
            // The fractional knapsack: the cheapest credits first, the last one in part.
            let still = needed - Set(ids).filter(has).reduce(0) { $0 + graph.credentials[$1].credits }
            guard still > 0 else { return Measures() }
            let open = Set(ids).filter { !has($0) && graph.credentials[$0].credits > 0 }
            let shared = !disjoint(open.map { StackRule.credential($0) })
            let offers = open.map { c in
                (price: shared ? ownPrice(c, price, closure) : price(c), credits: graph.credentials[c].credits)
            }
            return Self.cheapestCredits(still, offers, short: nil)
        }
    }

    /// The fractional knapsack, in each measure: the least price per credit first, the last
    /// offer in part, until `needed` credits are reached. When the offers fall short: `short`,
    /// or what they all cost.
    static func cheapestCredits(_ needed: Double, _ offers: [(price: Measures, credits: Double)], short: Double?) -> Measures {
        var out = Measures()
        for lane in 0..<3 {
            var left = needed, sum = 0.0
            for offer in offers.sorted(by: { $0.price[lane] / $0.credits < $1.price[lane] / $1.credits }) {
                if offer.credits >= left {
                    sum += offer.price[lane] * left / offer.credits
                    left = 0
                    break
                }
                sum += offer.price[lane]
                left -= offer.credits
            }
            out[lane] = left > 0 ? short ?? sum : sum
        }
        return out
    }

    /// Whether no credential lies in the closures of two of the items.
    private static func disjointClosures(_ items: [StackRule], _ has: (Int) -> Bool, _ closure: (Int) -> [Int], _ scratch: Scratch) -> Bool {
        scratch.nextMark()
        func mark(_ x: Int, _ i: Int) -> Bool {
            guard !has(x) else { return true }
            let members = closure(x)
            scratch.work += members.count
            for c in members where !scratch.mark(c, item: i) { return false }
            return true
        }
        for (i, item) in items.enumerated() {
            if case .credential(let x) = item {
                if !mark(x, i) { return false }  // the common case, without listing the rule
                continue
            }
            for x in item.credentials where !mark(x, i) { return false }
        }
        return true
    }

    /// A credential's own share of its closure price, when closures overlap: the closure's price
    /// less what its prerequisites add (so nothing shared is counted twice).
    private func ownPrice(_ c: Int, _ price: (Int) -> Measures, _ closure: (Int) -> [Int]) -> Measures {
        let prerequisites = closure(c).filter { $0 != c }
        return pointwiseMax(Measures(), price(c) - prerequisites.reduce(Measures()) { $0 + price($1) })
    }

    // MARK: - Study order

    /// Prerequisites first, and a composite after its parts, taken in the order its rule lists
    /// them; credentials nothing else in the stack needs start the walk, in id order.
    func studyOrder(_ members: [Int]) -> [Int] {
        var done = Set<Int>()
        var order: [Int] = []
        func before(_ c: Int) -> [Int] {
            (graph.credentials[c].requires + (graph.credentials[c].stack?.credentials ?? [])).filter { Self.contains(members, $0) }
        }
        /// Depth first, each credential after what it needs (a stack of its own, for long chains).
        func visit(_ root: Int) {
            guard done.insert(root).inserted else { return }
            var path: [(credential: Int, needs: [Int], next: Int)] = [(root, before(root), 0)]
            while let top = path.last {
                if top.next < top.needs.count {
                    path[path.count - 1].next += 1
                    let d = top.needs[top.next]
                    if done.insert(d).inserted { path.append((d, before(d), 0)) }
                } else {
                    order.append(path.removeLast().credential)
                }
            }
        }
        let needed = Set(members.flatMap(before))
        let byID = members.sorted { graph.credentials[$0].id < graph.credentials[$1].id }
        for c in byID where !needed.contains(c) { visit(c) }
        for c in byID { visit(c) }
        return order
    }
}


// MARK: - Feasibility

/// Which credentials can be earned at all, given the holdings and the providers allowed:
/// memoized per query, computed only for the credentials the search touches.
struct Feasibility {
    /// What feasibility depends on, kept apart from the planner so that copies stay cheap.
    private let credentials: [Credential]
    private let organizations: [Organization]
    private let held: Set<Int>
    private let options: Planner.Options
    /// Reusable arrays for the lower bound, one slot per credential.
    let scratch: Scratch
    /// The deep bound's prices for this search, found when first asked for (nil inside: none).
    private var deep: DeepPrices??
    /// Lower bounds computed so far in this search; deep bounds computed, and those that
    /// raised the shallow one.
    var bounds = 0, deepTried = 0, deepHelped = 0
    /// The work the search's budget still allows: a lower bound that passes it gives up early.
    var workLimit = Int.max

    /// The deep bound's prices (see `DeepPrices`), built once a search.
    mutating func deepPrices(_ planner: Planner) -> DeepPrices? {
        if let known = deep { return known }
        let built = DeepPrices.build(planner, &self)
        deep = .some(built)
        return built
    }
    /// Work done since the search last counted it against its budget: lists scanned, closures
    /// priced, rules bounded (kept in the scratch space, which the lower bound's helpers reach).
    var work: Int {
        get { scratch.work }
        nonmutating set { scratch.work = newValue }
    }

    init(planner: Planner) {
        credentials = planner.graph.credentials
        organizations = planner.graph.organizations
        held = planner.held
        options = planner.options
        scratch = Scratch.pool.take(count: planner.graph.credentials.count)
        scratch.newQuery()
        scratch.work = 0  // what the last query left uncounted is not this one's
        for c in held { scratch.setHeld(c) }
    }

    /// Gives the scratch arrays back for the next query.
    func finish() { Scratch.pool.give(scratch) }

    /// Whether the learner holds a credential (a flag, not a hash lookup).
    func isHeld(_ c: Int) -> Bool { scratch.isHeld(c) }

    /// Depth first over what a credential depends on, each decided after its dependencies, with
    /// a stack of its own: a chain of prerequisites may be longer than the call stack allows.
    mutating func achievable(_ c: Int) -> Bool {
        if scratch.isHeld(c) { return true }
        if let known = scratch.feasible(c) { return known }
        var stack: [(credential: Int, expanded: Bool)] = [(c, false)]
        while let (x, expanded) = stack.popLast() {
            let credential = credentials[x]
            if expanded {
                var ok = credential.requires.allSatisfy { scratch.isHeld($0) || scratch.feasible($0) == true }
                if ok, let rule = credential.stack { ok = satisfiable(rule) }  // its items are decided
                scratch.setFeasible(x, ok)
                continue
            }
            guard !scratch.isHeld(x), scratch.feasible(x) == nil else { continue }
            // Until decided it counts as not earnable: a cycle through it cannot be earned.
            scratch.setFeasible(x, false)
            guard options.allows(credential) else { continue }
            stack.append((x, true))
            for d in credential.requires { stack.append((d, false)) }
            if credential.stack != nil { for d in parts(x) { stack.append((d, false)) } }
        }
        return scratch.feasible(c) ?? false
    }

    mutating func satisfiable(_ rule: StackRule) -> Bool {
        switch rule {
        case .credential(let c): return achievable(c)
        case .all(let items): return items.allSatisfy { satisfiable($0) }
        case .any(let items): return items.contains { satisfiable($0) }
        case .atLeast(let n, let items): return items.filter { satisfiable($0) }.count >= n
        case .credits(let needed, let ids):
            return ids.filter { achievable($0) }.reduce(0) { $0 + credentials[$1].credits } >= needed
        }
    }

    /// The credentials a composite's stack rule names (`StackRule.credentials`), kept for the query.
    func parts(_ c: Int) -> [Int] {
        if let known = scratch.parts(c) { return known }
        let list = credentials[c].stack?.credentials ?? []
        scratch.setParts(c, list)
        return list
    }

    /// The credential and every prerequisite it lacks, transitively (the holdings are had).
    func closure(_ c: Int) -> [Int] {
        if let known = scratch.closure(c) { return known }
        var out: [Int] = []
        var seen = Set<Int>()
        var stack = [c]
        while let x = stack.popLast() {
            guard !scratch.isHeld(x), seen.insert(x).inserted else { continue }
            out.append(x)
            stack += credentials[x].requires
        }
        scratch.setClosure(c, out)
        return out
    }

    /// A sentence saying why a credential cannot be earned: what it lacks, what that lacks in
    /// turn, down to the cause. Found with a loop, as a chain of prerequisites may be longer
    /// than the call stack allows; a long chain of reasons is shortened in the middle.
    mutating func whyNot(_ c: Int) -> String {
        var steps: [String] = []
        var cause = ""
        var current = c
        walk: while true {
            let credential = credentials[current]
            if !options.allows(credential) {
                let platform = credential.platform.map { " on \(organizations[$0].name)" } ?? ""
                cause = "\"\(credential.name)\" is awarded by \(organizations[credential.provider].name)\(platform), not by the organisations in 'using'"
                break
            }
            if let r = credential.requires.first(where: { !achievable($0) }) {
                steps.append("it requires \"\(credentials[r].name)\", which cannot be earned: ")
                current = r
                continue
            }
            guard var rule = credential.stack else {
                cause = "\"\(credential.name)\" cannot be earned"
                break
            }
            steps.append("the stack rule of \"\(credential.name)\" cannot be met: ")
            while true {
                switch rule {
                case .credential(let x):
                    current = x
                    continue walk
                case .all(let items):
                    guard let bad = items.first(where: { !satisfiable($0) }) else { cause = "it cannot be met"; break walk }
                    rule = bad
                case .any(let items):
                    cause = "none of its \(items.count) options can be met"
                    break walk
                case .atLeast(let n, let items):
                    cause = "it needs \(n) of \(items.count) items but only \(items.filter { satisfiable($0) }.count) can be met"
                    break walk
                case .credits(let needed, let ids):
                    let total = ids.filter { achievable($0) }.reduce(0) { $0 + credentials[$1].credits }
                    cause = "it needs \(Value.format(needed)) credits but the credentials that can be earned carry only \(Value.format(total))"
                    break walk
                }
            }
        }
        if steps.count > 6 {
            let left = steps.count - 5
            steps = Array(steps.prefix(3)) + ["(\(left) more steps like these) "] + Array(steps.suffix(2))
        }
        return steps.joined() + cause
    }
}

// MARK: - Scratch space

/// Per-query arrays indexed by credential, reset by bumping a tag instead of clearing, so the
/// lower bound allocates almost nothing per state. They are raw memory, allocated once per
/// pooled instance: the search reads them millions of times, and Swift arrays in a class would
/// check exclusive access and uniqueness on every one of those reads.
final class Scratch: @unchecked Sendable {
    /// Scratch arrays are as large as the graph: queries reuse them rather than allocate anew.
    static let pool = Pool()

    final class Pool: @unchecked Sendable {
        private let lock = NSLock()
        private var free: [Scratch] = []

        func take(count: Int) -> Scratch {
            lock.lock()
            defer { lock.unlock() }
            if let i = free.firstIndex(where: { $0.size == count }) { return free.remove(at: i) }
            return Scratch(count: count)
        }

        func give(_ s: Scratch) {
            lock.lock()
            defer { lock.unlock() }
            if free.count < 4 { free.append(s) }
        }
    }

    let size: Int
    /// Steps of work not yet counted against the search's budget (see `Feasibility.work`).
    var work = 0
    /// The current query, for what is known of each credential during one query.
    private var query: UInt32 = 0
    private let feasibleTags: UnsafeMutablePointer<UInt32>
    private let feasibleValues: UnsafeMutablePointer<Bool>
    private let closureTags: UnsafeMutablePointer<UInt32>
    private let closureLists: UnsafeMutablePointer<[Int]>
    private let partsTags: UnsafeMutablePointer<UInt32>
    private let partsLists: UnsafeMutablePointer<[Int]>
    private let counts: UnsafeMutablePointer<Int32>
    private let countTags: UnsafeMutablePointer<UInt32>
    private let unitTags: UnsafeMutablePointer<UInt32>
    private let usedTags: UnsafeMutablePointer<UInt32>
    private let markTags: UnsafeMutablePointer<UInt32>
    private let markItems: UnsafeMutablePointer<Int32>
    private let priceTags: UnsafeMutablePointer<UInt32>
    private let priceValues: UnsafeMutablePointer<Prices>
    private let heldTags: UnsafeMutablePointer<UInt32>
    private let classTags: UnsafeMutablePointer<UInt32>
    private let classIndex: UnsafeMutablePointer<Int32>
    private let deepTags: UnsafeMutablePointer<UInt32>
    private let exploringTags: UnsafeMutablePointer<UInt32>
    private let deepIndices: UnsafeMutablePointer<Int32>
    private var deepTag: UInt32 = 0
    private var tag: UInt32 = 0, unit: UInt32 = 0, used: UInt32 = 0, markTag: UInt32 = 0, priceTag: UInt32 = 0

    /// What a credential's closure adds, in count, cost and weeks: whole, and each credential
    /// split over the footprints it is in.
    struct Prices {
        var full = SIMD4<Double>()
        var scaled = SIMD4<Double>()
    }

    init(count: Int) {
        size = count
        func zeroed<T>(_ value: T) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, count))
            p.initialize(repeating: value, count: max(1, count))
            return p
        }
        feasibleTags = zeroed(0)
        feasibleValues = zeroed(false)
        closureTags = zeroed(0)
        closureLists = zeroed([])
        partsTags = zeroed(0)
        partsLists = zeroed([])
        counts = zeroed(0)
        countTags = zeroed(0)
        unitTags = zeroed(0)
        usedTags = zeroed(0)
        markTags = zeroed(0)
        markItems = zeroed(0)
        priceTags = zeroed(0)
        priceValues = zeroed(Prices())
        heldTags = zeroed(0)
        classTags = zeroed(0)
        classIndex = zeroed(0)
        deepTags = zeroed(0)
        exploringTags = zeroed(0)
        deepIndices = zeroed(0)
    }

    deinit {
        let n = max(1, size)
        closureLists.deinitialize(count: n)
        partsLists.deinitialize(count: n)
        partsLists.deallocate()
        for p in [feasibleTags, closureTags, countTags, unitTags, usedTags, markTags, priceTags, heldTags, classTags, partsTags, deepTags, exploringTags] { p.deallocate() }
        deepIndices.deallocate()
        classIndex.deallocate()
        priceValues.deallocate()
        feasibleValues.deallocate()
        closureLists.deallocate()
        counts.deallocate()
        markItems.deallocate()
    }

    /// Forgets what was known of feasibility and closures (they depend on the holdings and providers).
    func newQuery() { if Self.advance(&query) { clear(feasibleTags, closureTags, heldTags, partsTags, classTags) } }

    func feasible(_ c: Int) -> Bool? { feasibleTags[c] == query ? feasibleValues[c] : nil }

    /// Marks a credential as held for this query.
    func setHeld(_ c: Int) { heldTags[c] = query }
    func isHeld(_ c: Int) -> Bool { heldTags[c] == query }

    /// A credential's class of twins for this query (see `Symmetry`).
    func setClass(_ c: Int, _ k: Int) {
        classTags[c] = query
        classIndex[c] = Int32(k)
    }
    func classOf(_ c: Int) -> Int? { classTags[c] == query ? Int(classIndex[c]) : nil }

    func nextPrices() { if Self.advance(&priceTag) { clear(priceTags) } }

    /// A new tag; true when it wrapped, and the marks it keys must be cleared so that old ones
    /// cannot look current.
    private static func advance(_ tag: inout UInt32) -> Bool {
        tag &+= 1
        guard tag == 0 else { return false }
        tag = 1
        return true
    }

    private func clear(_ marks: UnsafeMutablePointer<UInt32>...) {
        for m in marks { m.update(repeating: 0, count: max(1, size)) }
    }

    func prices(_ c: Int) -> Prices? { priceTags[c] == priceTag ? priceValues[c] : nil }

    func setPrices(_ c: Int, _ p: Prices) {
        priceTags[c] = priceTag
        priceValues[c] = p
    }

    func setFeasible(_ c: Int, _ value: Bool) {
        feasibleTags[c] = query
        feasibleValues[c] = value
    }

    func closure(_ c: Int) -> [Int]? { closureTags[c] == query ? closureLists[c] : nil }

    func parts(_ c: Int) -> [Int]? { partsTags[c] == query ? partsLists[c] : nil }

    func setParts(_ c: Int, _ list: [Int]) {
        partsTags[c] = query
        partsLists[c] = list
    }

    func setClosure(_ c: Int, _ list: [Int]) {
        closureTags[c] = query
        closureLists[c] = list
    }

    func nextTag() { tag &+= 1 }
    func nextUnit() { unit &+= 1 }
    func nextUsed() { used &+= 1 }

    /// Adds one to a credential's count under the current tag; returns the new count.
    func bump(_ c: Int) -> Int {
        if countTags[c] != tag {
            countTags[c] = tag
            counts[c] = 0
        }
        counts[c] += 1
        return Int(counts[c])
    }

    func count(_ c: Int) -> Int { countTags[c] == tag ? Int(counts[c]) : 0 }

    /// True the first time a credential is seen in the current unit.
    func firstInUnit(_ c: Int) -> Bool {
        guard unitTags[c] != unit else { return false }
        unitTags[c] = unit
        return true
    }

    func nextMark() { markTag &+= 1 }

    /// Marks a credential as in item `item`'s footprint; false when another item has it.
    func mark(_ c: Int, item: Int) -> Bool {
        if markTags[c] == markTag { return markItems[c] == Int32(item) }
        markTags[c] = markTag
        markItems[c] = Int32(item)
        return true
    }

    /// Each credential's place in the reach of the deep bound (`DeepPrices`), and whether
    /// the walk that numbers them has entered it.
    func nextDeep() { if Self.advance(&deepTag) { clear(deepTags, exploringTags) } }
    func deepIndex(_ c: Int) -> Int32? { deepTags[c] == deepTag ? deepIndices[c] : nil }
    func setDeepIndex(_ c: Int, _ i: Int32) {
        deepTags[c] = deepTag
        deepIndices[c] = i
    }
    func isExploring(_ c: Int) -> Bool { exploringTags[c] == deepTag }
    func setExploring(_ c: Int) { exploringTags[c] = deepTag }

    func use(_ c: Int) { usedTags[c] = used }
    func isUsed(_ c: Int) -> Bool { usedTags[c] == used }
}

// MARK: - A binary heap

struct Heap<Element> {
    private var items: [Element] = []
    private let before: (Element, Element) -> Bool

    init(before: @escaping (Element, Element) -> Bool) { self.before = before }

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    /// The element `pop` would return.
    var first: Element? { items.first }

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard before(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count, before(items[l], items[m]) { m = l }
            if r < items.count, before(items[r], items[m]) { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}

// MARK: - The budget

/// The states a search (or the searches answering one question) may still create, and an
/// estimate of the memory they hold: each state's sets of credentials, its place in the queue
/// and in the set of sets seen.
public final class SearchBudget: @unchecked Sendable {
    public let states: Int
    public private(set) var used = 0
    /// When the question began (its searches share the budget, and the time shown).
    let began = DispatchTime.now().uptimeNanoseconds
    /// Steps of work: list entries scanned and closures priced, what a state costs in time.
    private(set) var work = 0
    private var bytes = 0
    private let maxBytes: Int
    private let maxWork: Int

    public init(states: Int) {
        self.states = states
        func times(_ k: Int) -> Int { states.multipliedReportingOverflow(by: k).overflow ? .max : states * k }
        maxBytes = times(Planner.bytesPerState)
        maxWork = times(Planner.stepsPerState)
    }

    /// Counts one more state holding `items` credential numbers, and the work that made it;
    /// throws when a bound is passed.
    func spend(items: Int, work: Int) throws(Planner.Failure) {
        used += 1
        bytes += 160 + 8 * items
        if used > states { throw .budgetExhausted(states: states, memoryMiB: nil) }
        if bytes > maxBytes { throw .budgetExhausted(states: used, memoryMiB: maxBytes >> 20) }
        try charge(work: work)
    }

    /// The steps of work still allowed.
    var workLeft: Int { maxWork - work }

    /// Counts work done on states already counted (their lower bounds).
    func charge(work: Int) throws(Planner.Failure) {
        self.work += work
        // Time is bounded as states are: a search whose states are dear stops sooner.
        if self.work > maxWork { throw .budgetExhausted(states: used, memoryMiB: nil) }
    }
}
