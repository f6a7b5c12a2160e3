// credq-bench: load time and the planner's latency, on a synthetic graph it writes itself or
// on a graph file.
//
//   swift run -c release credq-bench [--credentials N] [--learners N] [--seed S] [--queries Q]
//   swift run -c release credq-bench --graph FILE [--queries Q]
//
// It prints the load time (parse, validate, index), then for Q random (target, learner) pairs,
// `stacks toward TARGET [for LEARNER] limit 5` latency percentiles: over roles, and over
// composite credentials, each with and without a learner.

import CredqKit
import Foundation

struct Arguments {
    var credentials = 100_000
    var learners = 100_000
    var seed: UInt64 = 7
    var queries = 1000
    var graph: String?
    var limit = 5

    init(_ argv: [String]) {
        var i = 1
        func value() -> String {
            i += 1
            guard i < argv.count else { fatalError("\(argv[i - 1]) needs a value") }
            return argv[i]
        }
        while i < argv.count {
            switch argv[i] {
            case "--credentials": credentials = Int(value())!
            case "--learners": learners = Int(value())!
            case "--seed": seed = UInt64(value())!
            case "--queries": queries = Int(value())!
            case "--graph": graph = value()
            case "--limit": limit = Int(value())!
            case "-h", "--help":
                print("usage: credq-bench [--credentials N] [--learners N] [--seed S] [--queries Q] [--limit N] | --graph FILE")
                exit(0)
            default: fatalError("unknown argument \(argv[i])")
            }
            i += 1
        }
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// The nearest-rank percentile of sorted samples.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(sorted.count - 1, max(0, rank - 1))]
}

func ms(_ seconds: Double) -> String { String(format: "%8.3f ms", seconds * 1000) }

let args = Arguments(CommandLine.arguments)
let bytes: [UInt8]
let name: String
if let path = args.graph {
    bytes = Array(FileManager.default.contents(atPath: path) ?? Data())
    name = path
} else {
    let t = now()
    bytes = Array(SyntheticGraph(credentials: args.credentials, learners: args.learners, seed: args.seed).json().utf8)
    name = "synthetic --credentials \(args.credentials) --learners \(args.learners) --seed \(args.seed)"
    print(String(format: "generated %@ (%.1f MiB) in %.2f s", name, Double(bytes.count) / 1_048_576, now() - t))
}

let loadStart = now()
let graph: Graph
do {
    graph = try GraphLoader.load([GraphSource(name: name, bytes: bytes)]).graph
} catch {
    print(error.description)
    exit(1)
}
print(String(format: "load: %.3f s (%d credentials, %d learners, %d roles)", now() - loadStart, graph.credentials.count, graph.learners.count, graph.roles.count))

nonisolated(unsafe) var seeded = UInt64(args.seed)
@MainActor func random(_ n: Int) -> Int {
    seeded = seeded &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Int((seeded >> 33) % UInt64(n))
}
let composites = graph.credentials.indices.filter { graph.credentials[$0].stack != nil }

@MainActor func run(_ label: String, targets: () -> Planner.Target?, withLearner: Bool) {
    var times: [Double] = []
    var noStack = 0, found = 0
    for _ in 0..<args.queries {
        guard let target = targets() else { break }
        let held: Set<Int> = withLearner && !graph.learners.isEmpty ? Set(graph.heldCredentials(of: random(graph.learners.count))) : []
        var options = Planner.Options()
        options.limit = args.limit
        let t = now()
        do {
            found += try Planner(graph: graph, target: target, held: held, options: options).plan().count
        } catch {
            noStack += 1
        }
        times.append(now() - t)
    }
    times.sort()
    guard !times.isEmpty else { print("\(label): no targets"); return }
    print("\(label.padding(toLength: 34, withPad: " ", startingAt: 0)) n=\(times.count)  p50 \(ms(percentile(times, 50)))  p90 \(ms(percentile(times, 90)))  p99 \(ms(percentile(times, 99)))  max \(ms(times.last!))  (no stack: \(noStack))")
}

print("stacks toward TARGET limit \(args.limit), \(args.queries) random queries each:")
run("roles", targets: { graph.roles.isEmpty ? nil : .role(random(graph.roles.count)) }, withLearner: false)
run("roles, for a random learner", targets: { graph.roles.isEmpty ? nil : .role(random(graph.roles.count)) }, withLearner: true)
run("composite credentials", targets: { composites.isEmpty ? nil : .credential(composites[random(composites.count)]) }, withLearner: false)
run("composite credentials, for a learner", targets: { composites.isEmpty ? nil : .credential(composites[random(composites.count)]) }, withLearner: true)
