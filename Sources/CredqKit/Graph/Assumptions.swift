/// Hypothetical holdings (`assume LEARNER holds CREDENTIAL, ...`): a graph that answers as if
/// the learners held them, for the session only. The assumed holdings come after each
/// learner's real ones, so the real ones keep their places (and their verified statuses).
extension Graph {
    /// The graph with these holdings added to their learners, marked as assumed.
    func assuming(_ extra: [Int: [Holding]]) -> Graph {
        guard !extra.isEmpty else { return self }
        var graph = self
        for (learner, added) in extra where !added.isEmpty {
            let real = Array(graph.learners[learner].holdings)
            graph.assumedFrom[learner] = real.count
            graph.learners[learner].holdings = Holdings(real + added)
        }
        graph.resetHolders()
        return graph
    }

    /// Whether a learner's holding is one assumed for the session.
    func isAssumed(learner: Int, holding: Int) -> Bool {
        guard let first = assumedFrom[learner] else { return false }
        return holding >= first
    }
}
