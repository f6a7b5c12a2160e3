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
    /// The graph's skill → teaching credentials lists, fetched once for the search's loops.
    private let taughtBy: [[(credential: Int, level: Int)]]
    let target: Target
    let held: Set<Int>
    let options: Options
    let isInterrupted: @Sendable () -> Bool

    /// The role's needs that the holdings do not reach.
    private var openNeeds: [SkillLevel]

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
        /// For complete states: the ids, sorted, for the last tie-break.
        var sortedIDs: [String] = []
        /// Whether `key` includes the full lower bound (computed when the state first comes out).
        var refined = false
    }

    public func plan() throws(Failure) -> [Stack] {
        if options.limit <= 0 { return [] }
        if case .role = target, canDecompose {
            let components = independentNeeds()
            if components.count > 1 { return try planByComponents(components) }
        }
        return try search()
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
    private func planByComponents(_ components: [[SkillLevel]]) throws(Failure) -> [Stack] {
        var combined: [(members: [Int], cost: Double, weeks: Double)] = [([], 0, 0)]
        for needs in components {
            var part = self
            part.openNeeds = needs
            let stacks = try part.search()
            var products: [(members: [Int], cost: Double, weeks: Double)] = []
            for a in combined {
                for b in stacks {
                    let cost = a.cost + b.cost, weeks = a.weeks + b.weeks
                    if let m = options.maxCost, cost > m { continue }
                    if let m = options.maxWeeks, weeks > m { continue }
                    products.append(((a.members + b.credentials).sorted(), cost, weeks))
                }
            }
            let keyed = products.map { p in
                (p, rankKey(p.cost, Double(p.members.count), p.weeks), p.members.map { graph.credentials[$0].id }.sorted())
            }
            combined = keyed.sorted { x, y in
                if x.1 != y.1 { return Self.keyLess(x.1, y.1) }
                return x.2.lexicographicallyPrecedes(y.2)
            }.prefix(options.limit).map(\.0)
            if combined.isEmpty { throw .nothingWithinBounds }
        }
        return combined.map { Stack(credentials: studyOrder($0.members), cost: $0.cost, weeks: $0.weeks) }
    }

    // MARK: - Search

    /// The best-first search over one target (or one group of a role's needs).
    private func search() throws(Failure) -> [Stack] {
        var memo = Feasibility(planner: self)
        defer { memo.finish() }
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
        var popped = 0, completes = 0, nonMinimal = 0
        while let state = heap.pop() {
            popped += 1
            if popped & 1023 == 0, isInterrupted() { throw .interrupted }
            if popped > options.stateBudget { throw .budgetExhausted(states: options.stateBudget) }
            if !state.complete, !state.refined {
                // The full bound is worth computing only for states that reach the front.
                guard let better = refine(state, &memo) else { continue }
                if Self.keyLess(state.key, better.key) {
                    heap.push(better)
                    continue
                }
            }
            if state.complete {
                completes += 1
                guard isMinimal(state.members) else { nonMinimal += 1; continue }
                results.append(Stack(credentials: studyOrder(state.members), cost: state.cost, weeks: state.weeks))
                if results.count >= options.limit { break }
                continue
            }
            for c in state.branches {
                var next = state.members
                next.insert(c, at: next.firstIndex { $0 > c } ?? next.count)
                guard seen.insert(next).inserted else { continue }
                if let s = makeState(next, &memo, parentKey: state.key) { heap.push(s) }
            }
        }
        if debugPlanner {
            // CREDQ_DEBUG_PLANNER=1: how much searching each answer took, on stderr.
            FileHandle.standardError.write(Data("planner: \(popped) states out of the queue, \(completes) complete (\(nonMinimal) not minimal), \(seen.count) sets seen, \(heap.count) left\n".utf8))
        }
        if results.isEmpty, options.limit > 0 { throw .nothingWithinBounds }
        return results
    }

    /// Fails early, with the reason, when no stack can exist at all.
    private func precheck(_ memo: inout Feasibility) throws(Failure) {
        switch target {
        case .role:
            for need in openNeeds {
                let any = taughtBy[need.skill].contains { $0.level >= need.level && memo.achievable($0.credential) }
                if !any {
                    let anyAtAll = taughtBy[need.skill].contains { $0.level >= need.level }
                    throw .skillNotTaught(skill: need.skill, level: need.level, restricted: anyAtAll)
                }
            }
        case .credential(let c):
            if !held.contains(c), !memo.achievable(c) { throw .cannotEarn(credential: c, reason: memo.whyNot(c)) }
        }
    }

    private static func keyLess(_ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> Bool {
        if a.0 != b.0 { return a.0 < b.0 }
        if a.1 != b.1 { return a.1 < b.1 }
        return a.2 < b.2
    }

    /// The queue order: smaller key first; at equal keys partial states first; then sorted ids.
    private static func before(_ a: State, _ b: State) -> Bool {
        if a.key.0 != b.key.0 { return a.key.0 < b.key.0 }
        if a.key.1 != b.key.1 { return a.key.1 < b.key.1 }
        if a.key.2 != b.key.2 { return a.key.2 < b.key.2 }
        if a.complete != b.complete { return !a.complete }
        return a.sortedIDs.lexicographicallyPrecedes(b.sortedIDs)
    }

    /// Builds a queue entry for a set of credentials, or nil when it cannot lead anywhere. Its
    /// key is cheap: what the set costs so far, and no less than its parent's key (a child's
    /// completions are among its parent's). `refine` tightens it later.
    private func makeState(_ members: [Int], _ memo: inout Feasibility, parentKey: (Double, Double, Double)? = nil) -> State? {
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
        var key = rankKey(cost, Double(members.count + 1), weeks)
        if let p = parentKey { key = (max(key.0, p.0), max(key.1, p.1), max(key.2, p.2)) }
        return State(members: members, cost: cost, weeks: weeks, key: key, complete: false, branches: open.branches)
    }

    /// The state with the full lower bound in its key, or nil when that bound rules it out.
    private func refine(_ state: State, _ memo: inout Feasibility) -> State? {
        let members = state.members
        let has = { (c: Int) in self.held.contains(c) || Self.contains(members, c) }
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
            for t in taughtBy[need.skill] {
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
            // Only a credential that carries credits can bring the total up.
            for c in ids where !has(c) && graph.credentials[c].credits > 0 { out.append(c) }
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
                if held.contains(t.credential) || !memo.achievable(t.credential) { continue }
                list.append(t.credential)
                maxCover = max(maxCover, scratch.bump(t.credential))
            }
            units.append((list, nil))
        }
        for m in members {
            if let rule = graph.credentials[m].stack, !satisfied(rule, has) {
                units.append((rule.credentials.filter { !has($0) && memo.achievable($0) }, rule))
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
                for q in memo.closure(c) where !Self.contains(members, q) && scratch.firstInUnit(q) {
                    footprint.append(q)
                    _ = scratch.bump(q)
                }
            }
            footprints.append(footprint)
        }

        func total(weeks: Bool) -> Double {
            let values = weeks ? graph.weeksByCredential : graph.costByCredential
            func price(_ c: Int, scaled: Bool) -> Double {
                var sum = 0.0
                for q in memo.closure(c) where !Self.contains(members, q) {
                    sum += scaled ? values[q] / Double(max(1, scratch.count(q))) : values[q]
                }
                return sum
            }
            // Unfiltered closures only decide whether items can share a credential: a test that,
            // if anything, says "shared" too often, which only weakens the bound.
            let rawClosure = { (c: Int) in memo.closure(c) }
            var shares = 0.0
            var prices: [(price: Double, unit: Int)] = []
            for (i, unit) in units.enumerated() {
                if let rule = unit.rule {
                    shares += ruleBound(rule, has, rawClosure, scratch) { price($0, scaled: true) }
                    prices.append((ruleBound(rule, has, rawClosure, scratch) { price($0, scaled: false) }, i))
                } else {
                    var best = Double.infinity, bestFull = Double.infinity
                    for c in unit.candidates {
                        best = min(best, price(c, scaled: true))
                        bestFull = min(bestFull, price(c, scaled: false))
                    }
                    if best.isFinite { shares += best }
                    if bestFull.isFinite { prices.append((bestFull, i)) }
                }
            }
            prices.sort { $0.price > $1.price }
            scratch.nextUsed()
            var packed = 0.0
            for p in prices where footprints[p.unit].allSatisfy({ !scratch.isUsed($0) }) {
                packed += p.price
                for q in footprints[p.unit] { scratch.use(q) }
            }
            return max(shares, packed)
        }
        let countForNeeds = openCount == 0 ? 0 : (openCount + maxCover - 1) / maxCover
        let count = max(missing.count, countForNeeds, 1)
        // Only the measure that ranks first (cost also for count, where it breaks the many ties)
        // is worth the work, unless a bound on the other asks for it.
        let wantsWeeks = options.ranking == .weeks || options.maxWeeks != nil
        let wantsCost = options.ranking != .weeks || options.maxCost != nil
        return (wantsCost ? total(weeks: false) : 0, wantsWeeks ? total(weeks: true) : 0, count)
    }

    /// The least a rule can still cost at the given prices of closures. Sums are taken only over
    /// items whose closures cannot share a credential; otherwise the dearest single item counts.
    private func ruleBound(_ rule: StackRule, _ has: (Int) -> Bool, _ closure: (Int) -> [Int], _ scratch: Scratch, _ price: (Int) -> Double) -> Double {
        func disjoint(_ items: [StackRule]) -> Bool { Self.disjointClosures(items, has, closure, scratch) }
        switch rule {
        case .credential(let c): return has(c) ? 0 : price(c)
        case .any(let items): return items.map { ruleBound($0, has, closure, scratch, price) }.min() ?? 0
        case .all(let items):
            let bounds = items.map { ruleBound($0, has, closure, scratch, price) }
            return disjoint(items) ? bounds.reduce(0, +) : (bounds.max() ?? 0)
        case .atLeast(let n, let items):
            let k = items.filter { satisfied($0, has) }.count
            guard k < n else { return 0 }
            let rest = items.filter { !satisfied($0, has) }
            let bounds = rest.map { ruleBound($0, has, closure, scratch, price) }.sorted()
            return disjoint(rest) ? bounds.prefix(n - k).reduce(0, +) : (bounds.first ?? 0)
        case .credits(let needed, let ids):
            // The fractional knapsack: the cheapest credits first, the last one in part.
            var still = needed - Set(ids).filter(has).reduce(0) { $0 + graph.credentials[$1].credits }
            guard still > 0 else { return 0 }
            let open = Set(ids).filter { !has($0) && graph.credentials[$0].credits > 0 }
            let shared = !disjoint(open.map { StackRule.credential($0) })
            let offers = open.map { c in
                (price: shared ? ownPrice(c, price, closure) : price(c), credits: graph.credentials[c].credits)
            }.sorted { $0.price / $0.credits < $1.price / $1.credits }
            var sum = 0.0
            for offer in offers {
                if offer.credits >= still { return sum + offer.price * still / offer.credits }
                sum += offer.price
                still -= offer.credits
            }
            return sum
        }
    }

    /// Whether no credential lies in the closures of two of the items.
    private static func disjointClosures(_ items: [StackRule], _ has: (Int) -> Bool, _ closure: (Int) -> [Int], _ scratch: Scratch) -> Bool {
        scratch.nextMark()
        for (i, item) in items.enumerated() {
            for x in item.credentials where !has(x) {
                for c in closure(x) where !scratch.mark(c, item: i) { return false }
            }
        }
        return true
    }

    /// A credential's own share of its closure price, when closures overlap: the closure's price
    /// less what its prerequisites add (so nothing shared is counted twice).
    private func ownPrice(_ c: Int, _ price: (Int) -> Double, _ closure: (Int) -> [Int]) -> Double {
        let prerequisites = closure(c).filter { $0 != c }
        return max(0, price(c) - prerequisites.reduce(0) { $0 + price($1) } + 0)
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

/// Whether to report search statistics (the CREDQ_DEBUG_PLANNER environment variable).
let debugPlanner = getenv("CREDQ_DEBUG_PLANNER") != nil

// MARK: - Feasibility

/// Which credentials can be earned at all, given the holdings and the providers allowed:
/// memoized per query, computed only for the credentials the search touches.
struct Feasibility {
    /// What feasibility depends on, kept apart from the planner so that copies stay cheap.
    private let credentials: [Credential]
    private let organizations: [Organization]
    private let held: Set<Int>
    private let providers: Set<Int>?
    /// Reusable arrays for the lower bound, one slot per credential.
    let scratch: Scratch

    init(planner: Planner) {
        credentials = planner.graph.credentials
        organizations = planner.graph.organizations
        held = planner.held
        providers = planner.options.providers
        scratch = Scratch.pool.take(count: planner.graph.credentials.count)
        scratch.newQuery()
    }

    /// Gives the scratch arrays back for the next query.
    func finish() { Scratch.pool.give(scratch) }

    mutating func achievable(_ c: Int) -> Bool {
        if held.contains(c) { return true }
        if let known = scratch.feasible(c) { return known }
        scratch.setFeasible(c, false)  // a cycle through requires and rules together cannot be earned
        let credential = credentials[c]
        var ok = providers.map { $0.contains(credential.provider) } ?? true
        if ok { ok = credential.requires.allSatisfy { achievable($0) } }
        if ok, let rule = credential.stack { ok = satisfiable(rule) }
        scratch.setFeasible(c, ok)
        return ok
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

    /// The credential and every prerequisite it lacks, transitively (the holdings are had).
    func closure(_ c: Int) -> [Int] {
        if let known = scratch.closures[c] { return known }
        var out: [Int] = []
        var seen = Set<Int>()
        var stack = [c]
        while let x = stack.popLast() {
            guard !held.contains(x), seen.insert(x).inserted else { continue }
            out.append(x)
            stack += credentials[x].requires
        }
        scratch.closures[c] = out
        return out
    }

    /// A sentence saying why a credential cannot be earned.
    mutating func whyNot(_ c: Int) -> String {
                let credential = credentials[c]
        if let providers = providers, !providers.contains(credential.provider) {
            return "\"\(credential.name)\" is awarded by \(organizations[credential.provider].name), not by the providers in 'using'"
        }
        if let r = credential.requires.first(where: { !achievable($0) }) {
            return "it requires \"\(credentials[r].name)\", which cannot be earned: " + whyNot(r)
        }
        if let rule = credential.stack { return "the stack rule of \"\(credential.name)\" cannot be met: " + whyRule(rule) }
        return "\"\(credential.name)\" cannot be earned"
    }

    private mutating func whyRule(_ rule: StackRule) -> String {
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
            let total = ids.filter { achievable($0) }.reduce(0) { $0 + credentials[$1].credits }
            return "it needs \(Value.format(needed)) credits but the credentials that can be earned carry only \(Value.format(total))"
        }
        return "it cannot be met"
    }
}

// MARK: - Scratch space

/// Per-query arrays indexed by credential, reset by bumping a tag instead of clearing, so the
/// lower bound allocates almost nothing per state.
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
            s.closures.removeAll(keepingCapacity: true)
            lock.lock()
            defer { lock.unlock() }
            if free.count < 4 { free.append(s) }
        }
    }

    var closures: [Int: [Int]] = [:]
    var size: Int { counts.count }
    private var feasibleTags: [UInt32]
    private var feasibleValues: [Bool]
    private var query: UInt32 = 0

    /// Forgets what was known of feasibility (it depends on the holdings and providers).
    func newQuery() { query &+= 1 }

    func feasible(_ c: Int) -> Bool? { feasibleTags[c] == query ? feasibleValues[c] : nil }

    func setFeasible(_ c: Int, _ value: Bool) {
        feasibleTags[c] = query
        feasibleValues[c] = value
    }
    private var counts: [Int32]
    private var countTags: [UInt32]
    private var unitTags: [UInt32]
    private var usedTags: [UInt32]
    private var tag: UInt32 = 0, unit: UInt32 = 0, used: UInt32 = 0

    init(count: Int) {
        counts = Array(repeating: 0, count: count)
        countTags = Array(repeating: 0, count: count)
        unitTags = Array(repeating: 0, count: count)
        usedTags = Array(repeating: 0, count: count)
        feasibleTags = Array(repeating: 0, count: count)
        markTags = Array(repeating: 0, count: count)
        markItems = Array(repeating: 0, count: count)
        feasibleValues = Array(repeating: false, count: count)
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

    private var markTags: [UInt32]
    private var markItems: [Int32]
    private var markTag: UInt32 = 0

    func nextMark() { markTag &+= 1 }

    /// Marks a credential as in item `item`'s footprint; false when another item has it.
    func mark(_ c: Int, item: Int) -> Bool {
        if markTags[c] == markTag { return markItems[c] == Int32(item) }
        markTags[c] = markTag
        markItems[c] = Int32(item)
        return true
    }

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
