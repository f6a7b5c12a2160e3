import ArgumentParser
import CredqKit
import Foundation

/// `credq snapshot GRAPH... -o FILE.cqs`: the loaded graph as a binary snapshot.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Write the loaded graph as a binary snapshot that -g opens without parsing.",
        discussion: "The graph files are loaded and merged as -g loads them, then written to the output at once or not at all.")

    @Argument(help: ArgumentHelp("Graph files, merged in order (default: the built-in catalog).", valueName: "graph"))
    var files: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("The snapshot to write.", valueName: "file.cqs"))
    var output: String

    @Flag(name: .long, help: "Load the default catalog first, then the graph files.")
    var catalog = false

    mutating func run() throws {
        let target = URL(fileURLWithPath: output).standardizedFileURL.path
        if let same = files.first(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == target }) {
            throw ValidationError("the output \(output) is the graph file \(same); write the snapshot elsewhere")
        }
        let loaded: GraphLoader.Loaded
        let sources: [GraphSource]
        do {
            sources = try SourceFiles.read(files, catalog: catalog)
            loaded = try GraphLoader.load(sources)
        } catch {
            throw ExitWith(reporting: error)
        }
        for w in loaded.warnings { Terminal.writeErr("\(w)\n") }
        do {
            // The identity of each file on disk, for --cache to tell whether it changed.
            let identities = try files.filter { $0 != "-" }.map { try SourceIdentity.of(path: $0) }
            DebugTrace.load?("snapshot: identity of \(identities.count) files\n")
            try SnapshotWriter.write(loaded.graph, sources: identities, to: output)
            DebugTrace.load?("snapshot: written\n")
        } catch {
            Terminal.writeErr("\(output): error: \(SourceFiles.describe(ioError: error))\n")
            throw ExitWith(status: .io)
        }
        let g = loaded.graph
        Terminal.writeErr("wrote \(output): \(g.credentials.count) credentials, \(g.learners.count) learners\n")
    }
}
