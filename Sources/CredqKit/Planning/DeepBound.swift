/// The deep lower bound: what the open work must still add, looking through every composite
/// it may take down to the badges at the bottom of its pathway.
///
/// The shallow bounds price a candidate as itself and the prerequisites it lacks; a
/// certificate that needs 6 of 31 badges looks like one credential. Here a candidate's price
/// includes, recursively, the least its own stack rule can take, so on a pathway the bound
/// sees the badges from the start.
///
/// Why it is a lower bound although pathways share credentials: unfold what the target needs
/// into a tree (each way to serve it, each prerequisite and rule item of those, again and
/// again) and count each credential's positions in it, its `occurrences`. Charge each
/// position the credential's count, cost and weeks divided by its occurrences. A partial
/// stack's open work unfolds into a part of that tree (each member's rule and prerequisites
/// below one of the member's positions, never below another member), and any completion X
/// serves it through positions used at most once each, so their charges sum to no more than
/// X's totals. The least charge, found bottom-up (a sum for `all`, the n smallest for `n of`,
/// the least for `any`), is no more than that. On a pathway that is a tree every credential
/// has one position, and the bound is exact.
///
/// Occurrences are numbers of paths, counted over the reach (a DAG) parents first, so nothing
/// is unfolded. They and the charges at the holdings are found once a search (`DeepPrices`);
/// a state recomputes only the charges above its members. A cycle among earnable credentials
/// turns the bound off for the search.
final class DeepPrices {
    /// The reach, children before parents: a credential's place here is its local number.
    private(set) var nodes: [Int] = []
    private var occurrences: [Double] = []
    /// Charges with only the holdings had.
    private var base: [Planner.Measures] = []
    private var parents: [[Int32]] = []
    /// One state's charges, for the credentials above its members (stamped with the state).
    private var stamps: [UInt32] = []
    private var stamp: UInt32 = 0
    private var current: [Planner.Measures] = []
    private var dirty: [Int32] = []
    private var up: [Int32] = []
    private let scratch: Scratch

    private init(scratch: Scratch) { self.scratch = scratch }

    /// The reach of the target and its charges; nil when a cycle runs through it or no
    /// composite lies in it (then the shallow bounds see all there is).
    static func build(_ planner: Planner, _ memo: inout Feasibility) -> DeepPrices? {
        let credentials = planner.graph.credentials
        let prices = DeepPrices(scratch: memo.scratch)
        let scratch = memo.scratch
        scratch.nextDeep()
        var roots: [Int] = []
        switch planner.target {
        case .credential(let c): roots = [c]
        case .role, .skills:
            for need in planner.openNeeds {
                for t in planner.taughtBy[need.skill] {
                    if t.level < need.level { break }
                    if !memo.isHeld(t.credential), memo.achievable(t.credential) { roots.append(t.credential) }
                }
            }
        }
        func open(_ c: Int) -> Bool { !memo.isHeld(c) && memo.achievable(c) }

        // The reach, depth first; a credential met again while its own parts are explored closes a cycle.
        var composites = false
        var stack: [(credential: Int, expanded: Bool)] = []
        for root in roots where scratch.deepIndex(root) == nil {
            stack.append((root, false))
            while let (x, expanded) = stack.popLast() {
                if expanded {
                    scratch.setDeepIndex(x, Int32(prices.nodes.count))
                    prices.nodes.append(x)
                    continue
                }
                if scratch.deepIndex(x) != nil { continue }
                if scratch.isExploring(x) { return nil }
                scratch.setExploring(x)
                stack.append((x, true))
                for r in credentials[x].requires where open(r) {
                    if scratch.isExploring(r) && scratch.deepIndex(r) == nil { return nil }
                    stack.append((r, false))
                }
                if credentials[x].stack != nil {
                    composites = true
                    for p in memo.parts(x) where open(p) {
                        if scratch.isExploring(p) && scratch.deepIndex(p) == nil { return nil }
                        stack.append((p, false))
                    }
                }
            }
        }
        memo.work += prices.nodes.count
        guard composites else { return nil }

        // Positions: the roots', then each credential's passed to what it requires and names.
        let n = prices.nodes.count
        prices.occurrences = Array(repeating: 0, count: n)
        prices.parents = Array(repeating: [], count: n)
        for root in roots { prices.occurrences[Int(scratch.deepIndex(root)!)] += 1 }
        for i in stride(from: n - 1, through: 0, by: -1) {
            let x = prices.nodes[i]
            let weight = prices.occurrences[i]
            func pass(_ c: Int) {
                guard open(c), let j = scratch.deepIndex(c) else { return }
                prices.occurrences[Int(j)] += weight
                if prices.parents[Int(j)].last != Int32(i) { prices.parents[Int(j)].append(Int32(i)) }
            }
            for r in credentials[x].requires { pass(r) }
            credentials[x].stack?.forEachLeaf(pass)
            memo.work += credentials[x].requires.count
        }

        // Charges at the holdings, children first.
        let has = { (c: Int) in scratch.isHeld(c) }
        prices.base = Array(repeating: Planner.Measures(), count: n)
        for i in 0..<n {
            prices.base[i] = prices.charge(prices.nodes[i], at: i, planner, has) { prices.base[$0] }
            memo.work += 1 + memo.parts(prices.nodes[i]).count
        }
        prices.stamps = Array(repeating: 0, count: n)
        prices.current = prices.base
        return prices
    }

    /// A credential's charge: its own share, and the least its prerequisites and rule take.
    private func charge(_ x: Int, at i: Int, _ planner: Planner, _ has: (Int) -> Bool, _ known: (Int) -> Planner.Measures) -> Planner.Measures {
        let credential = planner.graph.credentials[x]
        func value(_ c: Int) -> Planner.Measures { self.value(c, has, known) }
        var v = Planner.Measures(1, credential.cost, credential.weeks, 0) / occurrences[i]
        for r in credential.requires where !has(r) { v += value(r) }
        if let rule = credential.stack { v += planner.ruleCharge(rule, has, value) }
        return v
    }

    /// A credential's charge: nothing when had, beyond reach when it cannot be earned.
    private func value(_ c: Int, _ has: (Int) -> Bool, _ known: (Int) -> Planner.Measures) -> Planner.Measures {
        if has(c) { return Planner.Measures() }
        guard let i = scratch.deepIndex(c) else { return Planner.Measures(repeating: .infinity) }
        return known(Int(i))
    }

    /// The least charge of a partial stack's open work, or nil when a member lies outside the
    /// reach (it cannot: members are what open work asked for; nil is only a safe answer).
    func bound(_ units: [Planner.Unit], _ members: [Int], _ has: (Int) -> Bool, _ planner: Planner, _ memo: inout Feasibility) -> Planner.Measures? {
        stamp &+= 1
        if stamp == 0 {
            stamps = Array(repeating: 0, count: nodes.count)
            stamp = 1
        }
        // Everything above a member, children first.
        dirty.removeAll(keepingCapacity: true)
        for m in members {
            guard let i = scratch.deepIndex(m) else { return nil }
            up.append(i)
            while let j = up.popLast() {
                for p in parents[Int(j)] where stamps[Int(p)] != stamp {
                    stamps[Int(p)] = stamp
                    dirty.append(p)
                    up.append(p)
                }
            }
        }
        dirty.sort()
        let known = { (i: Int) in self.stamps[i] == self.stamp ? self.current[i] : self.base[i] }
        for p in dirty {
            let x = nodes[Int(p)]
            current[Int(p)] = has(x) ? Planner.Measures() : charge(x, at: Int(p), planner, has, known)
            memo.work += 1 + memo.parts(x).count
        }
        func value(_ c: Int) -> Planner.Measures { self.value(c, has, known) }
        var total = Planner.Measures()
        for unit in units {
            if let rule = unit.rule {
                total += planner.ruleCharge(rule, has, value)
            } else {
                var least = Planner.Measures(repeating: .infinity)
                for c in unit.candidates { least = pointwiseMin(least, value(c)) }
                total += least
            }
            memo.work += unit.candidates.count
        }
        return total[0].isFinite && total[1].isFinite && total[2].isFinite ? total : nil
    }
}

extension Planner {
    /// One unit of open work: a credential from `candidates`, or a rule to meet.
    typealias Unit = (candidates: [Int], rule: StackRule?)

    /// The least charge of meeting a rule, given each credential's.
    func ruleCharge(_ rule: StackRule, _ has: (Int) -> Bool, _ value: (Int) -> Measures) -> Measures {
        switch rule {
        case .credential(let c):
            return value(c)
        case .all(let items):
            return items.reduce(Measures()) { $0 + ruleCharge($1, has, value) }
        case .any(let items):
            var least = Measures(repeating: .infinity)
            for item in items {
                if satisfied(item, has) { return Measures() }
                least = pointwiseMin(least, ruleCharge(item, has, value))
            }
            return least
        case .atLeast(let n, let items):
            var k = 0
            var open: [Measures] = []
            for item in items {
                if satisfied(item, has) { k += 1 } else { open.append(ruleCharge(item, has, value)) }
            }
            guard k < n else { return Measures() }
            guard open.count >= n - k else { return Measures(repeating: .infinity) }
            var out = Measures()
            for lane in 0..<3 { out[lane] = open.map { $0[lane] }.sorted().prefix(n - k).reduce(0, +) }
            return out
        case .credits(let needed, let ids):
            // The fractional knapsack: the least charge per credit first, the last one in part.
            var still = needed
            var offers: [(price: Measures, credits: Double)] = []
            for c in Set(ids) {
                let credits = graph.credentials[c].credits
                if has(c) { still -= credits } else if credits > 0 { offers.append((value(c), credits)) }
            }
            guard still > 0 else { return Measures() }
            return Self.cheapestCredits(still, offers, short: .infinity)
        }
    }
}

extension StackRule {
    /// Calls `body` once for each place the rule names a credential (a rule of credits names
    /// each of its credentials once).
    func forEachLeaf(_ body: (Int) -> Void) {
        switch self {
        case .credential(let c): body(c)
        case .all(let items), .any(let items), .atLeast(_, let items): for item in items { item.forEachLeaf(body) }
        case .credits(_, let ids): for c in Set(ids) { body(c) }
        }
    }
}
