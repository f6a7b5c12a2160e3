/// The best stacks toward a credential whose pathway is a tree, found part by part.
///
/// Published pathways are mostly trees: a degree needs some certificates, each certificate n of
/// its own badges, and no badge counts toward two of them. Then a stack of the target is the
/// target, one stack of each prerequisite, and for its rule a choice of items that meets it
/// with one stack of each chosen item, all disjoint; and it is minimal exactly when each part
/// is minimal and the rule takes no more items than it needs. So the N best stacks of a node
/// are found from the N best of its children, without a search over the (often astronomically
/// many, equally ranked) ways of combining them.
///
/// The ranking survives combining: swapping one part's stack for a better one of that part
/// (a smaller key, or the same key and smaller sorted ids, so the same count) makes the whole
/// better, since the parts share no credential. Hence the N best of a combination are
/// combinations of each part's N best, and they come out of a small queue in order.
///
/// It applies when every credential the target reaches (not held, earnable) is reached once:
/// named by one rule or one prerequisite list, no rule of credits, no cycle; and when no bound
/// applies to a measure other than the first one ranked. Otherwise `plan` returns nil and the
/// general search answers.
struct TreePlan {
    /// One way to meet a node: the credentials it adds, and their totals.
    struct Part {
        var members: Bag
        var cost: Double
        var weeks: Double
        var key: (Double, Double, Double)
        /// The credentials' ranks by id, sorted: the sorted-ids tie-break.
        var ranks: [Int32] { members.ranks }
    }

    /// Credentials as a tree of joins. Joining two is one node whatever their sizes, so a
    /// chain of a million prerequisites is built in a million steps rather than half a
    /// trillion copies; the list, and the sorted ranks that ties compare, are made when first
    /// asked for (without recursion: the tree may be a million deep) and kept.
    final class Bag {
        let count: Int
        private let own: [Int], ownRanks: [Int32]
        private var left: Bag?, right: Bag?
        private var sorted: [Int32]?

        /// Let go of the tree a node at a time: released the usual way, each node would release
        /// its children from inside its own release, as deep as the tree.
        deinit {
            var pending: [Bag] = []
            if let left { pending.append(left) }
            if let right { pending.append(right) }
            left = nil
            right = nil
            while var bag = pending.popLast() {
                guard isKnownUniquelyReferenced(&bag) else { continue }
                if let l = bag.left { pending.append(l) }
                if let r = bag.right { pending.append(r) }
                bag.left = nil
                bag.right = nil
            }
        }

        init(_ members: [Int], ranks: [Int32]) {
            count = members.count
            own = members
            ownRanks = ranks
            left = nil
            right = nil
        }

        init(_ a: Bag, _ b: Bag) {
            count = a.count + b.count
            own = []
            ownRanks = []
            left = a
            right = b
        }

        private func leaves(_ body: (Bag) -> Void) {
            var stack = [self]
            while let bag = stack.popLast() {
                body(bag)
                if let l = bag.left { stack.append(l) }
                if let r = bag.right { stack.append(r) }
            }
        }

        var members: [Int] {
            var out: [Int] = []
            out.reserveCapacity(count)
            leaves { out += $0.own }
            return out
        }

        var ranks: [Int32] {
            if let sorted { return sorted }
            var out: [Int32] = []
            out.reserveCapacity(count)
            leaves { out += $0.ownRanks }
            out.sort()
            sorted = out
            return out
        }
    }

    private let planner: Planner
    private let combiner: Combiner
    private var rank: [Int: Int32] = [:]
    private var best: [Int: [Part]] = [:]
    private let empty: Part

    private init(_ planner: Planner, _ budget: SearchBudget) {
        self.planner = planner
        combiner = Combiner(planner: planner, limit: planner.options.limit, budget: budget)
        empty = combiner.empty
    }

    private func product(_ a: [Part], _ b: [Part]) throws(Planner.Failure) -> [Part] { try combiner.product(a, b) }
    private func merged(_ a: [Part], _ b: [Part]) -> [Part] { combiner.merged(a, b) }
    private func join(_ a: Part, _ b: Part) -> Part { combiner.join(a, b) }

    /// The N best stacks toward the credential target, or nil when its pathway is not a tree.
    static func plan(_ planner: Planner, _ target: Int, _ budget: SearchBudget, _ memo: inout Feasibility) throws(Planner.Failure) -> [Planner.Stack]? {
        let options = planner.options
        switch options.ranking {
        case .cost: if options.maxWeeks != nil { return nil }
        case .weeks: if options.maxCost != nil { return nil }
        case .count: if options.maxCost != nil || options.maxWeeks != nil { return nil }
        }
        guard let order = treeOrder(planner, target, &memo) else { return nil }
        var tree = TreePlan(planner, budget)
        let byID = order.sorted { planner.graph.credentials[$0].id < planner.graph.credentials[$1].id }
        for (i, c) in byID.enumerated() { tree.rank[c] = Int32(i) }
        // Children before parents: each credential's parts are known when it is reached.
        for c in order { tree.best[c] = try tree.parts(of: c, &memo) }
        var stacks: [Planner.Stack] = []
        for part in tree.best[target] ?? [] {
            if let m = options.maxCost, part.cost > m { break }
            if let m = options.maxWeeks, part.weeks > m { break }
            stacks.append(Planner.Stack(credentials: planner.studyOrder(part.members.members.sorted()), cost: part.cost, weeks: part.weeks))
        }
        if stacks.isEmpty { throw .nothingWithinBounds }
        return stacks
    }

    /// The credentials the target reaches, children before parents; nil unless each is reached once.
    private static func treeOrder(_ planner: Planner, _ target: Int, _ memo: inout Feasibility) -> [Int]? {
        let credentials = planner.graph.credentials
        var reached = Set<Int>([target])
        var order: [Int] = []
        // An explicit stack: a chain of prerequisites may be longer than the call stack allows.
        var stack: [(credential: Int, expanded: Bool)] = [(target, false)]
        while let (c, expanded) = stack.popLast() {
            if expanded {
                order.append(c)
                continue
            }
            stack.append((c, true))
            var children = credentials[c].requires
            if let rule = credentials[c].stack {
                guard let named = ruleLeaves(rule) else { return nil }
                children += named
            }
            for child in children where !memo.isHeld(child) && memo.achievable(child) {
                guard reached.insert(child).inserted else { return nil }  // named twice, or a cycle
                stack.append((child, false))
            }
        }
        return order
    }

    /// The credentials a rule names, each time it names them; nil for a rule of credits.
    private static func ruleLeaves(_ rule: StackRule) -> [Int]? {
        switch rule {
        case .credential(let c): return [c]
        case .all(let items), .any(let items), .atLeast(_, let items):
            var out: [Int] = []
            for item in items {
                guard let leaves = ruleLeaves(item) else { return nil }
                out += leaves
            }
            return out
        case .credits: return nil
        }
    }

    // MARK: - Parts

    /// The N best ways to earn a credential (itself included), given its children's.
    private mutating func parts(of c: Int, _ memo: inout Feasibility) throws(Planner.Failure) -> [Part] {
        let credential = planner.graph.credentials[c]
        var ways = [empty]
        for r in credential.requires { ways = try product(ways, item(r, &memo)) }
        if let stackRule = credential.stack { ways = try product(ways, rule(stackRule, &memo)) }
        let me = Part(members: Bag([c], ranks: [rank[c]!]), cost: credential.cost, weeks: credential.weeks,
                      key: planner.rankKey(credential.cost, 1, credential.weeks))
        try combiner.budget.charge(work: ways.count)
        return ways.map { join($0, me) }
    }

    /// The ways to have one credential: nothing when held, none when it cannot be earned.
    private func item(_ c: Int, _ memo: inout Feasibility) -> [Part] {
        if memo.isHeld(c) { return [empty] }
        return best[c] ?? []
    }

    /// The N best minimal ways to meet a rule. A rule the holdings already meet has one way,
    /// to add nothing; anything more could be taken away again.
    private mutating func rule(_ rule: StackRule, _ memo: inout Feasibility) throws(Planner.Failure) -> [Part] {
        switch rule {
        case .credential(let c):
            return item(c, &memo)
        case .all(let items):
            var ways = [empty]
            for item in items { ways = try product(ways, self.rule(item, &memo)) }
            return ways
        case .any(let items):
            let options = try items.map { (item) throws(Planner.Failure) in try self.rule(item, &memo) }
            if options.contains(where: isNothing) { return [empty] }
            return options.reduce([]) { merged($0, $1) }
        case .atLeast(let n, let items):
            let options = try items.map { (item) throws(Planner.Failure) in try self.rule(item, &memo) }
            let open = options.filter { !isNothing($0) }
            let needed = n - (options.count - open.count)
            if needed <= 0 { return [empty] }
            // ways[j]: the N best choices of exactly j of the items seen so far.
            var ways: [[Part]] = [[empty]] + Array(repeating: [], count: needed)
            for option in open where !option.isEmpty {
                for j in stride(from: needed, through: 1, by: -1) where !ways[j - 1].isEmpty {
                    ways[j] = merged(ways[j], try product(ways[j - 1], option))
                }
            }
            return ways[needed]
        case .credits:
            return []  // not reached: such pathways go to the general search
        }
    }

    private func isNothing(_ ways: [Part]) -> Bool { ways.count == 1 && ways[0].members.count == 0 }


    // MARK: - Combining ranked lists

    /// Ranked lists of ways to meet things that share no credential, combined: the N best of
    /// two together, the N best of either. (Also the planner's, for a role's independent needs.)
    struct Combiner {
        let planner: Planner
        let limit: Int
        let budget: SearchBudget

        /// Adding nothing.
        var empty: Part { Part(members: Bag([], ranks: []), cost: 0, weeks: 0, key: planner.rankKey(0, 0, 0)) }

        func part(_ members: [Int], ranks: [Int32], cost: Double, weeks: Double) -> Part {
            Part(members: Bag(members, ranks: ranks), cost: cost, weeks: weeks, key: planner.rankKey(cost, Double(members.count), weeks))
        }

        private func before(_ a: Part, _ b: Part) -> Bool {
            if a.key != b.key { return Planner.keyLess(a.key, b.key) }
            return a.ranks.lexicographicallyPrecedes(b.ranks)
        }

        /// Two parts of different children together (they share no credential).
        func join(_ a: Part, _ b: Part) -> Part {
            let cost = a.cost + b.cost, weeks = a.weeks + b.weeks
            let members = a.members.count == 0 ? b.members : b.members.count == 0 ? a.members : Bag(a.members, b.members)
            return Part(members: members, cost: cost, weeks: weeks, key: planner.rankKey(cost, Double(members.count), weeks))
        }

        /// The N best of two ranked lists of ways to meet the same thing.
        func merged(_ a: [Part], _ b: [Part]) -> [Part] {
            var out: [Part] = []
            var i = 0, j = 0
            while out.count < limit, i < a.count || j < b.count {
                if j == b.count || (i < a.count && before(a[i], b[j])) {
                    out.append(a[i])
                    i += 1
                } else {
                    out.append(b[j])
                    j += 1
                }
            }
            return out
        }

        /// The N best ways to meet two things at once, one way of each: a queue of index pairs,
        /// from (0, 0), each step one index on; both steps only make the whole worse.
        func product(_ a: [Part], _ b: [Part]) throws(Planner.Failure) -> [Part] {
            if a.isEmpty || b.isEmpty { return [] }
            if a.count == 1, a[0].members.count == 0 { return b }
            if b.count == 1, b[0].members.count == 0 { return a }
            var queue = Heap<(Int, Int, Part)> { x, y in before(x.2, y.2) }
            var seen = Set<Int>([0])
            queue.push((0, 0, join(a[0], b[0])))
            var out: [Part] = []
            while out.count < limit, let (i, j, part) = queue.pop() {
                out.append(part)
                try budget.charge(work: part.members.count)
                if out.count & 1023 == 0 { try planner.checkIn(budget, bound: part.key, best: out[0].key, found: out.count) }
                if i + 1 < a.count, seen.insert((i + 1) * b.count + j).inserted { queue.push((i + 1, j, join(a[i + 1], b[j]))) }
                if j + 1 < b.count, seen.insert(i * b.count + j + 1).inserted { queue.push((i, j + 1, join(a[i], b[j + 1]))) }
            }
            return out
        }
    }
}
