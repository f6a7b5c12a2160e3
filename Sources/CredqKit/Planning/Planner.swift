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
        /// Skills at levels, as a role that needs only them (`stacks toward skill NAME LEVEL`).
        case skills([SkillLevel])

        /// Whether the target is skills to reach (a role's needs, or skills named), not a credential.
        var isNeeds: Bool { if case .credential = self { false } else { true } }
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

        /// Whether a graph's credential may be used, reading only what it must (with no
        /// `using`, nothing): a credential passed whole would be copied out of its table.
        func allows(_ c: Int, in graph: Graph) -> Bool {
            guard let providers else { return true }
            return providers.contains(graph.credentials[c].provider) || graph.credentials[c].platform.map(providers.contains) == true
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
    let taughtBy: RowLists<(credential: Int, level: Int)>
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
        let needs: [SkillLevel] = switch target {
        case .role(let r): Array(graph.roles[r].needs)
        case .skills(let needs): needs
        case .credential: []
        }
        let levels = needs.isEmpty ? [:] : graph.skillLevels(of: Array(held))
        openNeeds = needs.filter { (levels[$0.skill]?.level ?? 0) < $0.level }
    }

    // MARK: - Search

    /// A partial or complete stack in the queue.
    struct State {
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
        if target.isNeeds, canDecompose {
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
    var canDecompose: Bool {
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
    func planByComponents(_ components: [[SkillLevel]], _ budget: SearchBudget) throws(Failure) -> [Stack] {
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
    func search(_ budget: SearchBudget) throws(Failure) -> [Stack] {
        var memo = Feasibility(planner: self)
        defer { memo.finish() }
        try precheck(&memo)
        let start: [Int]
        switch target {
        case .credential(let c):
            if held.contains(c) { return [Stack(credentials: [], cost: 0, weeks: 0)] }
            if options.shortcuts, let stacks = try TreePlan.plan(self, c, budget, &memo) { return stacks }
            start = [c]
        case .role, .skills:
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
    func precheck(_ memo: inout Feasibility) throws(Failure) {
        switch target {
        case .role, .skills:
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
    static func before(_ a: State, _ b: State) -> Bool {
        if a.key.0 != b.key.0 { return a.key.0 < b.key.0 }
        if a.key.1 != b.key.1 { return a.key.1 < b.key.1 }
        if a.key.2 != b.key.2 { return a.key.2 < b.key.2 }
        return !a.complete && b.complete
    }

    /// Builds a queue entry for a set of credentials, or nil when it cannot lead anywhere. Its
    /// key is cheap: what the set costs so far, and no less than its parent's key (a child's
    /// completions are among its parent's). `refine` tightens it later.
    func makeState(_ members: [Int], _ symmetry: Symmetry, _ memo: inout Feasibility, parentKey: (Double, Double, Double)? = nil) -> State? {
        var cost = 0.0, weeks = 0.0
        for m in members {
            cost += graph.cost(of: m)
            weeks += graph.weeks(of: m)
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
    func refine(_ state: State, _ memo: inout Feasibility) -> State? {
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
}
