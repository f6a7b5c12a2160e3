import CredqKit
import Foundation

/// `credq-bench --ties`: the planner where every answer is a tie, as on real badge pathways.
/// Each case prints the median time of its runs (one run for a case that takes over a second),
/// what it answered, and the process's peak memory after it (cases run smallest first).
/// With `folder`, each case's graph is also written there (`case-N.json`), to try with credq.
func runTieSuite(writingTo folder: String? = nil) {
    // Each line as it comes, in a pipe too (print would hold it back).
    func print(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    struct Case {
        var label: String
        var graph: () -> String
        var target: String
        var limit: Int
    }
    let cases: [Case] = [
        Case(label: "6 of 31 free badges", graph: { TieGraphs.nOfM(6, 31) }, target: "goal", limit: 1),
        Case(label: "6 of 31 free badges", graph: { TieGraphs.nOfM(6, 31) }, target: "goal", limit: 5),
        Case(label: "6 of 31 badges priced 1-31", graph: { TieGraphs.nOfM(6, 31, distinctCosts: true) }, target: "goal", limit: 5),
        Case(label: "12 of 40 free badges", graph: { TieGraphs.nOfM(12, 40) }, target: "goal", limit: 5),
        Case(label: "pathway: 100 free badges, 15 composites", graph: { TieGraphs.pathway(badges: 100, composites: 15, maxN: 10, seed: 1) }, target: "goal", limit: 1),
        Case(label: "pathway: 100 free badges, 15 composites", graph: { TieGraphs.pathway(badges: 100, composites: 15, maxN: 10, seed: 1) }, target: "goal", limit: 5),
        Case(label: "pathway: 100 badges, 15 composites, shared", graph: { TieGraphs.pathway(badges: 100, composites: 15, maxN: 10, seed: 1, shared: true) }, target: "goal", limit: 1),
        Case(label: "pathway: 100 badges, 15 composites, shared", graph: { TieGraphs.pathway(badges: 100, composites: 15, maxN: 10, seed: 1, shared: true) }, target: "goal", limit: 5),
        Case(label: "pathway: 3000 free badges, n to 20", graph: { TieGraphs.pathway(badges: 3000, composites: 150, maxN: 20, seed: 2) }, target: "goal", limit: 1),
        Case(label: "pathway: 3000 free badges, n to 20", graph: { TieGraphs.pathway(badges: 3000, composites: 150, maxN: 20, seed: 2) }, target: "goal", limit: 5),
        Case(label: "pathway: 3000 badges, n to 20, shared", graph: { TieGraphs.pathway(badges: 3000, composites: 150, maxN: 20, seed: 2, shared: true) }, target: "goal", limit: 5),
        Case(label: "role: 400 credentials, 30 skills", graph: { TieGraphs.hardRole(credentials: 400, skills: 30, seed: 3) }, target: "goal", limit: 50),
    ]
    print("stacks toward TARGET limit N on graphs of ties (median of runs; one run when over 1 s):")
    for (n, c) in cases.enumerated() {
        let graph: Graph
        let json = c.graph()
        if let folder { try? json.write(toFile: "\(folder)/case-\(n + 1).json", atomically: true, encoding: .utf8) }
        do {
            graph = try GraphLoader.load([GraphSource(name: c.label, bytes: Array(json.utf8))]).graph
        } catch {
            print("\(c.label): \(error.description)")
            continue
        }
        let target: Planner.Target = graph.index(of: c.target, kind: .credential).map { .credential($0) }
            ?? .role(graph.index(of: c.target, kind: .role)!)
        var options = Planner.Options()
        options.limit = c.limit
        var times: [Double] = []
        var outcome = ""
        for _ in 0..<5 {
            let t = now()
            do {
                let stacks = try Planner(graph: graph, target: target, held: [], options: options).plan()
                let first = stacks.first.map { "cost \(Value.format($0.cost)), \($0.count) credentials" } ?? ""
                outcome = "\(stacks.count) stack\(stacks.count == 1 ? "" : "s") (best: \(first))"
            } catch {
                outcome = "error: \(error)"
            }
            times.append(now() - t)
            if times.last! > 1 { break }
        }
        times.sort()
        let label = "\(c.label), limit \(c.limit)".padding(toLength: 58, withPad: " ", startingAt: 0)
        print("  \(label) \(ms(times[times.count / 2]))  peak \(peakMiB()) MiB  \(outcome)")
    }
}
