import CredqKit
import Foundation

/// `--snapshot`: writes the loaded graph as a snapshot, then opens it afresh before each of
/// the first questions a session asks (as `credq -g FILE.cqs -c QUERY` would), timing the
/// open, that first answer and the same answer asked again (what the first paid for reading
/// and checking the sections it used is the difference), and checks every answer against the JSON graph's, byte for byte.
func runSnapshotSuite(graph: Graph, source: GraphSource, resident: Int) {
    let path = NSTemporaryDirectory() + "credq-bench-\(getpid()).cqs"
    defer { unlink(path) }
    var t = now()
    do {
        try SnapshotWriter.write(graph, sources: [], to: path)
    } catch {
        print("snapshot: cannot write \(path): \(error)")
        return
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    print(String(format: "snapshot: written in %.2f s, %d MiB (%.2f of the JSON graph's %d MiB resident)",
                 now() - t, size >> 20, Double(size) / Double(max(resident, 1) << 20), resident))

    let credential = graph.credentials.isEmpty ? "none" : "\"\(graph.credentials[graph.credentials.count / 2].name)\""
    let learner = graph.learners.first { $0.holdings.count > 2 }.map { "\"\($0.name)\"" } ?? "none"
    let role = graph.roles.isEmpty ? "none" : "\"\(graph.roles[graph.roles.count / 2].name)\""
    let queries = [
        "count credentials", "holders of \(credential)", "skills of \(credential)",
        "credentials where name = \(credential) | select id, cost", "skills of \(learner)",
        "stacks toward \(role) for \(learner) limit 1", "gaps for \(learner) toward \(role)",
    ]
    final class Text: @unchecked Sendable { var text = "" }
    func answer(_ query: String, on graph: Graph) -> String {
        let out = Text()
        let session = Session(graph: graph, sources: [.file(path)], format: .tsv, out: { out.text += $0 }, err: { out.text += $0 })
        session.verificationDay = Day("2026-11-30")
        session.run(query, name: "bench")
        return out.text
    }
    print("snapshot: open, then the first answer (each on a fresh open; page cache warm):")
    var differ = 0
    for query in queries {
        t = now()
        guard let opened = try? GraphLoader.load([.file(path)]).graph else {
            print("snapshot: cannot open \(path)")
            return
        }
        let open = now() - t
        t = now()
        let fromSnapshot = answer(query, on: opened)
        let first = now() - t
        t = now()
        _ = answer(query, on: opened)
        let again = now() - t
        if fromSnapshot != answer(query, on: graph) { differ += 1 }
        print("  \(query.padding(toLength: 70, withPad: " ", startingAt: 0)) open \(ms(open))  answer \(ms(first))  again \(ms(again))")
    }
    print(differ == 0 ? "snapshot: every answer equals the JSON graph's" : "snapshot: \(differ) answers DIFFER from the JSON graph's")
}
