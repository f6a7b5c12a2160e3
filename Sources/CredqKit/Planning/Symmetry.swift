/// Credentials that are interchangeable for one query, so that the search treats each group as
/// one choice with a multiplicity.
///
/// Two credentials are interchangeable when swapping them maps the query onto itself: the same
/// cost, weeks and credits; the same open needs reached (for a role); the same prerequisites
/// and the same stack rule; and the same places where other credentials name them (the same
/// rule nodes, the same credentials requiring them). Then every stack has a twin with the two
/// swapped, valid and minimal exactly when it is, with the same cost, count and weeks.
///
/// The search only ever takes a class's members in id order (the first k of a class, never
/// another k), so it visits one stack of each such family: the family's member with the
/// smallest sorted ids. `Orbits` lists the rest of a family in sorted-ids order when the
/// answer needs them.
struct Symmetry {
    /// Each class's members, in id order.
    private(set) var members: [[Int]] = []
    /// Where each credential's class is noted for the query; nil when there are no classes.
    private var scratch: Scratch?

    /// The class of a credential that has a twin; nil for one alone in its class.
    func classOf(_ c: Int) -> Int? { scratch?.classOf(c) }

    static let none = Symmetry()

    var isEmpty: Bool { members.isEmpty }
    var classCount: Int { members.count }

    private init() {}

    /// The classes among the credentials a stack for this query could hold: those the target
    /// reaches through prerequisites and stack rules (for a role, from the credentials that
    /// teach an open need), not held, earnable; the credential target itself stands alone.
    init(_ planner: Planner, openNeeds: [SkillLevel], taughtBy: RowLists<(credential: Int, level: Int)>, _ memo: inout Feasibility) {
        let graph = planner.graph
        var universe: [Int] = []
        var inUniverse = Set<Int>()
        var stack: [Int] = []
        var targetCredential: Int?
        switch planner.target {
        case .credential(let c):
            stack = [c]
            targetCredential = c
        case .role, .skills:
            for need in openNeeds {
                for t in taughtBy[need.skill] {
                    if t.level < need.level { break }  // sorted by level, highest first
                    stack.append(t.credential)
                }
            }
        }
        while let c = stack.popLast() {
            guard !planner.held.contains(c), !inUniverse.contains(c), memo.achievable(c) else { continue }
            inUniverse.insert(c)
            universe.append(c)
            stack += graph.credentials[c].requires
            if let rule = graph.credentials[c].stack { stack += rule.credentials }
        }

        // Where each credential is named: the rule nodes that list it, the credentials requiring it.
        var contexts: [Int: [Int]] = [:]
        var node = 0
        func walk(_ rule: StackRule, parent: Int) {
            node += 1
            let me = node
            switch rule {
            case .credential(let c): contexts[c, default: []].append(parent)
            case .all(let items), .any(let items), .atLeast(_, let items): for item in items { walk(item, parent: me) }
            case .credits(_, let ids): for c in ids { contexts[c, default: []].append(me) }
            }
        }
        for c in universe {
            // A rule that is one credential is its own context: a root no other credential shares.
            if let rule = graph.credentials[c].stack {
                node += 1
                walk(rule, parent: node)
            }
            for r in graph.credentials[c].requires { contexts[r, default: []].append(-1 - c) }
        }

        struct Signature: Hashable {
            var cost: Double, weeks: Double, credits: Double
            var covers: [Int]
            var requires: [Int]
            var contexts: [Int]
        }
        var groups: [Signature: [Int]] = [:]
        scratch = memo.scratch
        for c in universe where c != targetCredential {
            let credential = graph.credentials[c]
            var covers: [Int] = []
            for (i, need) in openNeeds.enumerated()
            where credential.teaches.contains(where: { $0.skill == need.skill && $0.level >= need.level }) {
                covers.append(i)
            }
            let signature = Signature(
                cost: credential.cost, weeks: credential.weeks, credits: credential.credits, covers: covers,
                requires: credential.requires.filter { !planner.held.contains($0) }.sorted(),
                contexts: (contexts[c] ?? []).sorted())
            groups[signature, default: []].append(c)
        }
        for (_, group) in groups where group.count > 1 {
            // Split by rule: only credentials with equal rules (or none) are twins.
            var byRule: [(rule: StackRule?, members: [Int])] = []
            for c in group {
                let rule = graph.credentials[c].stack
                if let i = byRule.firstIndex(where: { $0.rule == rule }) { byRule[i].members.append(c) } else { byRule.append((rule, [c])) }
            }
            for part in byRule where part.members.count > 1 {
                let sorted = part.members.sorted { graph.credentials[$0].id < graph.credentials[$1].id }
                for c in sorted { memo.scratch.setClass(c, members.count) }
                members.append(sorted)
            }
        }
    }

    /// How many members of each class a stack holds.
    func taken(in state: [Int]) -> [Int] {
        var taken = [Int](repeating: 0, count: members.count)
        for m in state { if let k = classOf(m) { taken[k] += 1 } }
        return taken
    }

    /// The credentials to branch on for an obligation whose candidates are `options`, in a
    /// canonical stack holding `taken` members of each class: each candidate with twins stands
    /// for its class, whose next member in id order is the one taken.
    func canonical(_ options: [Int], taken: inout [Int]?, in state: [Int]) -> [Int] {
        guard !isEmpty, options.contains(where: { classOf($0) != nil }) else { return options }
        if taken == nil { taken = self.taken(in: state) }
        let taken = taken!
        var seenClasses = Set<Int>()
        var out: [Int] = []
        for c in options {
            guard let k = classOf(c) else {
                out.append(c)
                continue
            }
            guard seenClasses.insert(k).inserted else { continue }
            let n = taken[k]
            if n < members[k].count { out.append(members[k][n]) }
        }
        return out
    }
}

/// Every member of the families of some canonical stacks, in sorted-ids order: a family is a
/// canonical stack with each class's first k members replaced by any k members of that class.
struct Orbits {
    private struct Pick {
        var family: Int
        /// For each class the family draws from, the positions taken in it (increasing).
        var positions: [[Int]]
        var ids: [String]
    }

    private struct Family {
        var fixed: [Int]
        var classes: [Int]
        var cost: Double
        var weeks: Double
    }

    private let graph: Graph
    private let symmetry: Symmetry
    private var families: [Family] = []
    private var queue: Heap<Pick>
    private var seen = Set<[Int]>()

    init(graph: Graph, symmetry: Symmetry, stacks: [(members: [Int], cost: Double, weeks: Double)]) {
        self.graph = graph
        self.symmetry = symmetry
        queue = Heap<Pick> { a, b in a.ids.lexicographicallyPrecedes(b.ids) }
        for stack in stacks {
            var fixed: [Int] = []
            var counts: [Int: Int] = [:]
            for m in stack.members {
                if let k = symmetry.classOf(m) { counts[k, default: 0] += 1 } else { fixed.append(m) }
            }
            let classes = counts.keys.sorted()
            families.append(Family(fixed: fixed, classes: classes, cost: stack.cost, weeks: stack.weeks))
            push(Pick(family: families.count - 1, positions: classes.map { Array(0..<counts[$0]!) }, ids: []))
        }
    }

    private func members(of pick: Pick) -> [Int] {
        let family = families[pick.family]
        var out = family.fixed
        for (i, k) in family.classes.enumerated() { for p in pick.positions[i] { out.append(symmetry.members[k][p]) } }
        return out.sorted()
    }

    private mutating func push(_ pick: Pick) {
        guard seen.insert([pick.family] + pick.positions.flatMap { $0 + [-1] }).inserted else { return }
        var pick = pick
        pick.ids = members(of: pick).map { graph.credentials[$0].id }.sorted()
        queue.push(pick)
    }

    /// The next stack in sorted-ids order: its members (sorted), cost and weeks.
    mutating func next() -> (members: [Int], cost: Double, weeks: Double)? {
        guard let pick = queue.pop() else { return nil }
        let family = families[pick.family]
        // Each successor moves one class to its next choice of positions in lexicographic
        // order; that only ever makes the sorted ids larger, and every choice but the first
        // is some choice's successor.
        for (i, k) in family.classes.enumerated() {
            let size = symmetry.members[k].count
            var positions = pick.positions[i]
            let n = positions.count
            guard let j = (0..<n).last(where: { positions[$0] < size - n + $0 }) else { continue }
            positions[j] += 1
            for t in (j + 1)..<n { positions[t] = positions[t - 1] + 1 }
            var successor = pick
            successor.positions[i] = positions
            push(successor)
        }
        return (members(of: pick), family.cost, family.weeks)
    }
}
