import Foundation

extension Planner {
    // MARK: - Study order

    /// Prerequisites first, and a composite after its parts, taken in the order its rule lists
    /// them; credentials nothing else in the stack needs start the walk, in id order.
    func studyOrder(_ members: [Int]) -> [Int] {
        var done = Set<Int>()
        var order: [Int] = []
        func before(_ c: Int) -> [Int] {
            (graph.credentials[c].requires + (graph.credentials[c].stack?.credentials ?? [])).filter { Self.contains(members, $0) }
        }
        /// Depth first, each credential after what it needs (a stack of its own, for long chains).
        func visit(_ root: Int) {
            guard done.insert(root).inserted else { return }
            var path: [(credential: Int, needs: [Int], next: Int)] = [(root, before(root), 0)]
            while let top = path.last {
                if top.next < top.needs.count {
                    path[path.count - 1].next += 1
                    let d = top.needs[top.next]
                    if done.insert(d).inserted { path.append((d, before(d), 0)) }
                } else {
                    order.append(path.removeLast().credential)
                }
            }
        }
        let needed = Set(members.flatMap(before))
        let byID = members.sorted { graph.credentials[$0].id < graph.credentials[$1].id }
        for c in byID where !needed.contains(c) { visit(c) }
        for c in byID { visit(c) }
        return order
    }
}
