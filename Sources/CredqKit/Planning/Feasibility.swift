import Foundation

// MARK: - Feasibility

/// Which credentials can be earned at all, given the holdings and the providers allowed:
/// memoized per query, computed only for the credentials the search touches.
struct Feasibility {
    /// What feasibility depends on, kept apart from the planner so that copies stay cheap.
    private let credentials: EntityTable<Credential>
    private let organizations: EntityTable<Organization>
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
        // Fields are read one by one: a credential taken whole would be copied out of its table.
        while let (x, expanded) = stack.popLast() {
            if expanded {
                var ok = credentials[x].requires.allSatisfy { scratch.isHeld($0) || scratch.feasible($0) == true }
                if ok, let rule = credentials[x].stack { ok = satisfiable(rule) }  // its items are decided
                scratch.setFeasible(x, ok)
                continue
            }
            guard !scratch.isHeld(x), scratch.feasible(x) == nil else { continue }
            // Until decided it counts as not earnable: a cycle through it cannot be earned.
            scratch.setFeasible(x, false)
            guard options.providers == nil || options.allows(credentials[x]) else { continue }
            stack.append((x, true))
            for d in credentials[x].requires { stack.append((d, false)) }
            if credentials[x].stack != nil { for d in parts(x) { stack.append((d, false)) } }
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
