// credq-bench: load time and the planner's latency, on a synthetic graph it writes itself or
// on a graph file.
//
//   swift run -c release credq-bench [--credentials N] [--learners N] [--seed S] [--queries Q]
//   swift run -c release credq-bench --graph FILE [--queries Q]
//   swift run -c release credq-bench --ties [--write-ties FOLDER]
//   swift run -c release credq-bench --verify FILE... [--key KEY]... [--runs N]
//   swift run -c release credq-bench --graph FILE --snapshot
//
// It prints the load time (parse, validate, index) and the peak memory so far, then the
// latency of listing and filtering queries (median of 5 runs, output rendered as tsv and
// thrown away), then for Q random (target, learner) pairs, `stacks toward TARGET [for
// LEARNER] limit 5` latency percentiles: over roles, and over composite credentials, each
// with and without a learner. `--no-planner` stops after the queries.
//
// `--ties` runs the planner on graphs made of ties instead (see TieGraphs): n of m free
// badges, three-level pathways of free badges (tree-shaped, and with badges shared between
// pools), and a hard role; for each, the time to the answer or to the budget's error.
//
// `--verify` times `credq verify`'s work on credential files instead (see VerifySuite).
//
// `--snapshot` writes the graph as a snapshot after loading it and times opening it and the
// first answers from it (see SnapshotSuite), then stops.

import CredqKit
import Foundation

struct Arguments {
    var credentials = 100_000
    var learners = 100_000
    var seed: UInt64 = 7
    var queries = 1000
    var graph: String?
    var limit = 5
    var planner = true
    var ties = false
    var snapshot = false
    var writeTies: String?
    var verify: [String] = []
    var keys: [String] = []
    var runs = 1000

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
            case "--no-planner": planner = false
            case "--ties": ties = true
            case "--snapshot": snapshot = true
            case "--write-ties": writeTies = value()
            case "--verify": verify.append(value())
            case "--key": keys.append(value())
            case "--runs": runs = Int(value())!
            case "-h", "--help":
                print("usage: credq-bench [--credentials N] [--learners N] [--seed S] [--queries Q] [--limit N] [--no-planner] | --graph FILE [--snapshot]")
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

/// The process's peak resident memory so far, in MiB (Linux: VmHWM).
func peakMiB() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
}

var argv = CommandLine.arguments
// `--verify A B C` takes every file up to the next option.
if let at = argv.firstIndex(of: "--verify") {
    var i = at + 2
    while i < argv.count, !argv[i].hasPrefix("--") {
        argv.insert("--verify", at: i)
        i += 2
    }
}
let args = Arguments(argv)
if !args.verify.isEmpty {
    runVerifySuite(files: args.verify, keys: args.keys, runs: args.runs)
    exit(0)
}
if args.ties || args.writeTies != nil {
    runTieSuite(writingTo: args.writeTies)
    exit(0)
}
let source: GraphSource
if let path = args.graph {
    source = .file(path)  // streamed, as `credq -g FILE` reads it
} else {
    let t = now()
    let bytes = Array(SyntheticGraph(credentials: args.credentials, learners: args.learners, seed: args.seed).json().utf8)
    let name = "synthetic --credentials \(args.credentials) --learners \(args.learners) --seed \(args.seed)"
    print(String(format: "generated %@ (%.1f MiB) in %.2f s", name, Double(bytes.count) / 1_048_576, now() - t))
    source = GraphSource(name: name, bytes: bytes)
}

let loadStart = now()
let graph: Graph
do {
    graph = try GraphLoader.load([source]).graph
} catch {
    print(error.description)
    exit(1)
}
print(String(format: "load: %.3f s (%d credentials, %d learners, %d roles), peak memory %d MiB", now() - loadStart, graph.credentials.count, graph.learners.count, graph.roles.count, peakMiB()))

if args.snapshot {
    runSnapshotSuite(graph: graph, source: source, resident: peakMiB())
    exit(0)
}

// MARK: - Listing and filtering queries

do {
    let sink = OutputSink()
    let session = Session(graph: graph, sources: [source], format: .tsv, out: { sink.bytes += $0.utf8.count }, err: { sink.errors += $0 })
    let skill = graph.skills.isEmpty ? "none" : graph.skills[graph.skills.count / 2].id
    let credential = graph.credentials.isEmpty ? "none" : graph.credentials[graph.credentials.count / 3].id
    let held = graph.learners.first { !$0.holdings.isEmpty }.map { graph.credentials[$0.holdings[0].credential].id } ?? credential
    let learner = graph.learners.isEmpty ? "none" : graph.learners[graph.learners.count / 2].id
    let organization = graph.organizations.isEmpty ? "none" : graph.organizations[0].id
    let queries = [
        "count credentials", "credentials | limit 10", "count credentials where cost < 50",
        "credentials where cost < 50 and weeks <= 4 | limit 10", "count credentials where kind = badge",
        "credentials where teaches \(skill) >= 2 | limit 10", "count credentials where provider = \(organization)",
        "holders of \(held) | limit 10", "count learners where holds \(held)", "skills of \(learner)",
        "credentials teaching \(skill) | limit 10", "credentials | sort by cost | limit 5",
        "count learners where name = \"no such learner\"",
    ]
    /// Each query's median time over 5 runs, and its first run's.
    func time(_ queries: [String], in session: Session) {
        for query in queries {
            var times: [Double] = []
            for _ in 0..<5 {
                let t = now()
                session.run(query, name: "bench")
                times.append(now() - t)
            }
            let first = times[0]
            times.sort()
            print("  \(query.padding(toLength: 58, withPad: " ", startingAt: 0)) \(ms(times[2]))  (first run \(ms(first)))")
        }
    }
    print("queries (median of 5 runs; output as tsv, discarded):")
    time(queries, in: session)
    // On a terminal: a table shows its first and last rows (34 on a 40-line screen).
    let screen = Session(graph: graph, sources: [source], format: .table, out: { sink.bytes += $0.utf8.count }, err: { sink.errors += $0 })
    screen.screenRows = 34
    print("on a terminal (table format, 34 rows shown; median of 5 runs):")
    time(["credentials", "credentials | select id, name, cost", "learners", "credentials where cost < 50", "credentials | sort by cost desc",
          "credentials | sort by name desc"], in: screen)
    if !sink.errors.isEmpty { print("errors:\n\(sink.errors)") }
    print("peak memory after queries: \(peakMiB()) MiB")
}
if !args.planner { exit(0) }

final class OutputSink: @unchecked Sendable {
    var bytes = 0
    var errors = ""
}

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

// MARK: - Nearest roles and learners

/// `nearest roles for LEARNER limit 5` for random learners, and `nearest learners toward ROLE
/// limit 5` for a few roles, through a session as a user types them.
@MainActor func nearest(on graph: Graph, sources: [GraphSource], label: String, learnerRuns: Int, roleRuns: Int) {
    guard !graph.learners.isEmpty, !graph.roles.isEmpty else { return }
    let sink = OutputSink()
    let session = Session(graph: graph, sources: sources, format: .tsv, out: { sink.bytes += $0.utf8.count }, err: { sink.errors += $0 })
    func time(_ runs: Int, _ query: () -> String) -> [Double] {
        var times: [Double] = []
        for _ in 0..<runs {
            let q = query()
            let t = now()
            session.run(q, name: "bench")
            times.append(now() - t)
        }
        return times.sorted()
    }
    let roles = time(learnerRuns) { "nearest roles for learner \"\(graph.learners[random(graph.learners.count)].id)\" limit 5" }
    print("nearest roles for a random learner limit 5, \(label): n=\(roles.count)  p50 \(ms(percentile(roles, 50)))  p90 \(ms(percentile(roles, 90)))  max \(ms(roles.last!))")
    let learners = time(roleRuns) { "nearest learners toward role \"\(graph.roles[random(graph.roles.count)].id)\" limit 5" }
    print("nearest learners toward a random role limit 5, \(label): n=\(learners.count)  p50 \(ms(percentile(learners, 50)))  max \(ms(learners.last!))")
    if sink.errors.contains("error") { print("errors:\n\(sink.errors)") }
}

nearest(on: graph, sources: [source], label: "this graph", learnerRuns: min(args.queries, 100), roleRuns: min(args.queries, 10))
if let catalog = try? GraphLoader.load(SourceFiles.defaultCatalogSources).graph {
    nearest(on: catalog, sources: SourceFiles.defaultCatalogSources, label: "the default catalog", learnerRuns: 200, roleRuns: 50)
}
