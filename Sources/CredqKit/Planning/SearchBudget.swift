import Foundation

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
