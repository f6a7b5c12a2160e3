import Foundation

/// The lower bounds that order the search: what any completion of a partial stack must at
/// least add, in cost, count and weeks.
extension Planner {
    // MARK: - Lower bounds

    /// What a partial stack must still add, at the least. The open work is a set of units: each
    /// missing prerequisite, each needed skill not reached, each composite's unmet rule. A
    /// unit is served by a credential together with the prerequisites it lacks (its closure).
    /// Two true lower bounds, the larger wins:
    /// - shares: each credential's price is split evenly over the units whose closures could
    ///   hold it; a unit is charged the least such split price of a closure that serves it;
    /// - packing: units whose closures cannot share a credential are charged their least full
    ///   price each, packed greedily from the dearest.
    func lowerBound(_ members: [Int], _ has: (Int) -> Bool, _ memo: inout Feasibility) -> (cost: Double, weeks: Double, count: Int) {
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
    func ruleBound(_ rule: StackRule, _ has: (Int) -> Bool, _ closure: (Int) -> [Int], _ scratch: Scratch, _ price: (Int) -> Measures) -> Measures {
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
    static func disjointClosures(_ items: [StackRule], _ has: (Int) -> Bool, _ closure: (Int) -> [Int], _ scratch: Scratch) -> Bool {
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
    func ownPrice(_ c: Int, _ price: (Int) -> Measures, _ closure: (Int) -> [Int]) -> Measures {
        let prerequisites = closure(c).filter { $0 != c }
        return pointwiseMax(Measures(), price(c) - prerequisites.reduce(Measures()) { $0 + price($1) })
    }
}
