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
        /// Only credentials from these providers may be added; nil allows all.
        public var providers: Set<Int>?
        /// How many states the search may take before it gives up (it never guesses).
        public var stateBudget = 2_000_000

        public init() {}
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
        case skillNotTaught(skill: Int, level: Int, restricted: Bool)
        case cannotEarn(credential: Int, reason: String)
        case nothingWithinBounds
        case budgetExhausted(states: Int)
        case interrupted
    }

    let graph: Graph
    let target: Target
    let held: Set<Int>
    let options: Options
    let isInterrupted: @Sendable () -> Bool

    /// The role's needs that the holdings do not reach.
    private let openNeeds: [SkillLevel]

    public init(graph: Graph, target: Target, held: Set<Int>, options: Options, isInterrupted: @escaping @Sendable () -> Bool = { false }) {
        self.graph = graph
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
        /// For complete states: the ids, sorted, for the last tie-break.
        var sortedIDs: [String] = []
    }

    public func plan() throws(Failure) -> [Stack] {
        if options.limit <= 0 { return [] }
        var memo = Feasibility(planner: self)
        try precheck(&memo)
        let start: [Int]
        switch target {
        case .credential(let c):
            if held.contains(c) { return [Stack(credentials: [], cost: 0, weeks: 0)] }
            start = [c]
        case .role:
            start = []
        }
        var heap = Heap<State>(before: Self.before)
        var seen = Set<[Int]>()
        seen.insert(start)
        if let s = makeState(start, &memo) { heap.push(s) }
        var results: [Stack] = []
        var popped = 0
        while let state = heap.pop() {
            popped += 1
            if popped & 1023 == 0, isInterrupted() { throw .interrupted }
            if popped > options.stateBudget { throw .budgetExhausted(states: options.stateBudget) }
            if state.complete {
                guard isMinimal(state.members) else { continue }
                results.append(Stack(credentials: studyOrder(state.members), cost: state.cost, weeks: state.weeks))
                if results.count >= options.limit { break }
                continue
            }
            for c in state.branches {
                var next = state.members
                next.insert(c, at: next.firstIndex { $0 > c } ?? next.count)
                guard seen.insert(next).inserted else { continue }
                if let s = makeState(next, &memo) { heap.push(s) }
            }
        }
        if results.isEmpty, options.limit > 0 { throw .nothingWithinBounds }
        return results
    }

    /// Fails early, with the reason, when no stack can exist at all.
    private func precheck(_ memo: inout Feasibility) throws(Failure) {
        switch target {
        case .role:
            for need in openNeeds {
                let any = graph.taughtBy[need.skill].contains { $0.level >= need.level && memo.achievable($0.credential) }
                if !any {
                    let anyAtAll = graph.taughtBy[need.skill].contains { $0.level >= need.level }
                    throw .skillNotTaught(skill: need.skill, level: need.level, restricted: anyAtAll)
                }
            }
        case .credential(let c):
            if !held.contains(c), !memo.achievable(c) { throw .cannotEarn(credential: c, reason: memo.whyNot(c)) }
        }
    }

    /// The queue order: smaller key first; at equal keys partial states first; then sorted ids.
    private static func before(_ a: State, _ b: State) -> Bool {
        if a.key.0 != b.key.0 { return a.key.0 < b.key.0 }
        if a.key.1 != b.key.1 { return a.key.1 < b.key.1 }
        if a.key.2 != b.key.2 { return a.key.2 < b.key.2 }
        if a.complete != b.complete { return !a.complete }
        return a.sortedIDs.lexicographicallyPrecedes(b.sortedIDs)
    }

    /// Builds a queue entry for a set of credentials, or nil when it cannot lead anywhere.
    private func makeState(_ members: [Int], _ memo: inout Feasibility) -> State? {
        var cost = 0.0, weeks = 0.0
        for m in members {
            cost += graph.credentials[m].cost
            weeks += graph.credentials[m].weeks
        }
        if let maxCost = options.maxCost, cost > maxCost { return nil }
        if let maxWeeks = options.maxWeeks, weeks > maxWeeks { return nil }
        let has = { (c: Int) in self.held.contains(c) || Self.contains(members, c) }
        guard let open = openObligation(members, has, &memo) else {
            return State(members: members, cost: cost, weeks: weeks, key: rankKey(cost, Double(members.count), weeks),
                         complete: true, branches: [], sortedIDs: members.map { graph.credentials[$0].id }.sorted())
        }
        if open.branches.isEmpty { return nil }
        let extra = lowerBound(members, has, &memo)
        if let maxCost = options.maxCost, cost + extra.cost > maxCost { return nil }
        if let maxWeeks = options.maxWeeks, weeks + extra.weeks > maxWeeks { return nil }
        let key = rankKey(cost + extra.cost, Double(members.count + extra.count), weeks + extra.weeks)
        return State(members: members, cost: cost, weeks: weeks, key: key, complete: false, branches: open.branches)
    }

    private func rankKey(_ cost: Double, _ count: Double, _ weeks: Double) -> (Double, Double, Double) {
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
    /// added next; nil when every obligation is met (the set is a stack, maybe not minimal).
    private func openObligation(_ members: [Int], _ has: (Int) -> Bool, _ memo: inout Feasibility) -> (branches: [Int], Void)? {
        var best: [Int]?
        func consider(_ options: [Int]) {
            if best == nil || options.count < best!.count { best = options }
        }
        for m in members {
            for r in graph.credentials[m].requires where !has(r) {
                consider(memo.achievable(r) ? [r] : [])
                if best!.count <= 1 { return (best!, ()) }
            }
        }
        for m in members {
            if let rule = graph.credentials[m].stack, !satisfied(rule, has) {
                var next: [Int] = []
                branches(rule, has, into: &next)
                consider(unique(next).filter { memo.achievable($0) })
                if best!.count <= 1 { return (best!, ()) }
            }
        }
        for need in openNeeds where !covered(need, members) {
            var options: [Int] = []
            for t in graph.taughtBy[need.skill] {
                if t.level < need.level { break }  // sorted by level, highest first
                if !held.contains(t.credential), memo.achievable(t.credential) { options.append(t.credential) }
            }
            consider(options)
            if best!.count <= 1 { return (best!, ()) }
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
            for c in ids where !has(c) { out.append(c) }
        }
    }

    /// Whether a set meets all of conditions 1-3.
    func isStack(_ members: [Int]) -> Bool {
        let has = { (c: Int) in self.held.contains(c) || Self.contains(members, c) }
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

    /// What the open obligations must still add, at the least: for the role's unreached skills,
    /// each skill's cheapest share of a credential that reaches it (a credential's price split
    /// over the open skills it reaches); for missing prerequisites, their own figures. The larger
    /// of the two is a true lower bound.
    private func lowerBound(_ members: [Int], _ has: (Int) -> Bool, _ memo: inout Feasibility) -> (cost: Double, weeks: Double, count: Int) {
        var required = Set<Int>()
        for m in members { for r in graph.credentials[m].requires where !has(r) { required.insert(r) } }
        var reqCost = 0.0, reqWeeks = 0.0
        for r in required {
            reqCost += graph.credentials[r].cost
            reqWeeks += graph.credentials[r].weeks
        }
        let open = openNeeds.filter { !covered($0, members) }
        var shareCost = 0.0, shareWeeks = 0.0
        var maxCover = 1
        for need in open {
            var bestCost = Double.infinity, bestWeeks = Double.infinity
            for t in graph.taughtBy[need.skill] {
                if t.level < need.level { break }
                let c = t.credential
                if held.contains(c) || !memo.achievable(c) { continue }
                let reach = max(1, open.reduce(0) { n, o in
                    n + (graph.credentials[c].teaches.contains { $0.skill == o.skill && $0.level >= o.level } ? 1 : 0)
                })
                maxCover = max(maxCover, reach)
                bestCost = min(bestCost, graph.credentials[c].cost / Double(reach))
                bestWeeks = min(bestWeeks, graph.credentials[c].weeks / Double(reach))
            }
            if bestCost.isFinite { shareCost += bestCost }
            if bestWeeks.isFinite { shareWeeks += bestWeeks }
        }
        let countForNeeds = open.isEmpty ? 0 : (open.count + maxCover - 1) / maxCover
        let count = max(required.count, countForNeeds, 1)
        return (max(reqCost, shareCost), max(reqWeeks, shareWeeks), count)
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
        func visit(_ c: Int) {
            guard done.insert(c).inserted else { return }
            before(c).forEach(visit)
            order.append(c)
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
    let planner: Planner
    private var memo: [Int: Bool] = [:]

    init(planner: Planner) { self.planner = planner }

    mutating func achievable(_ c: Int) -> Bool {
        if planner.held.contains(c) { return true }
        if let known = memo[c] { return known }
        memo[c] = false  // a cycle through requires and rules together cannot be earned
        let credential = planner.graph.credentials[c]
        var ok = planner.options.providers.map { $0.contains(credential.provider) } ?? true
        if ok { ok = credential.requires.allSatisfy { achievable($0) } }
        if ok, let rule = credential.stack { ok = satisfiable(rule) }
        memo[c] = ok
        return ok
    }

    mutating func satisfiable(_ rule: StackRule) -> Bool {
        switch rule {
        case .credential(let c): return achievable(c)
        case .all(let items): return items.allSatisfy { satisfiable($0) }
        case .any(let items): return items.contains { satisfiable($0) }
        case .atLeast(let n, let items): return items.filter { satisfiable($0) }.count >= n
        case .credits(let needed, let ids):
            return ids.filter { achievable($0) }.reduce(0) { $0 + planner.graph.credentials[$1].credits } >= needed
        }
    }

    /// A sentence saying why a credential cannot be earned.
    mutating func whyNot(_ c: Int) -> String {
        let g = planner.graph
        let credential = g.credentials[c]
        if let providers = planner.options.providers, !providers.contains(credential.provider) {
            return "\"\(credential.name)\" is awarded by \(g.organizations[credential.provider].name), not by the providers in 'using'"
        }
        if let r = credential.requires.first(where: { !achievable($0) }) {
            return "it requires \"\(g.credentials[r].name)\", which cannot be earned: " + whyNot(r)
        }
        if let rule = credential.stack { return "the stack rule of \"\(credential.name)\" cannot be met: " + whyRule(rule) }
        return "\"\(credential.name)\" cannot be earned"
    }

    private mutating func whyRule(_ rule: StackRule) -> String {
        let g = planner.graph
        switch rule {
        case .credential(let c): return whyNot(c)
        case .all(let items):
            if let bad = items.first(where: { !satisfiable($0) }) { return whyRule(bad) }
        case .any(let items):
            return "none of its \(items.count) options can be met"
        case .atLeast(let n, let items):
            let k = items.filter { satisfiable($0) }.count
            return "it needs \(n) of \(items.count) items but only \(k) can be met"
        case .credits(let needed, let ids):
            let total = ids.filter { achievable($0) }.reduce(0) { $0 + g.credentials[$1].credits }
            return "it needs \(Value.format(needed)) credits but the credentials that can be earned carry only \(Value.format(total))"
        }
        return "it cannot be met"
    }
}

// MARK: - A binary heap

struct Heap<Element> {
    private var items: [Element] = []
    private let before: (Element, Element) -> Bool

    init(before: @escaping (Element, Element) -> Bool) { self.before = before }

    var isEmpty: Bool { items.isEmpty }

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
