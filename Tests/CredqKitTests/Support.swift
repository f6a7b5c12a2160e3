import Foundation
@testable import CredqKit

/// Helpers shared by the engine's tests.
enum Support {
    /// The repository's root folder, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The default catalog, loaded once.
    static let catalog: Graph = {
        try! GraphLoader.load(SourceFiles.defaultCatalogSources).graph
    }()

    /// Runs a script on the default catalog and returns what it wrote to stdout and stderr,
    /// in order, with the session's outcome.
    static func run(_ script: String, name: String = "test.cq", format: OutputFormat = .table,
                    parameters: [String: String] = [:], keepGoing: Bool = false, graph: Graph? = nil) -> (output: String, outcome: Session.Outcome) {
        let box = OutputBox()
        let session = Session(graph: graph ?? catalog, sources: SourceFiles.defaultCatalogSources, format: format,
                              parameters: parameters, out: { box.text += $0 }, err: { box.text += $0 })
        // Holdings are verified on one fixed day, so that answers do not change as the days pass.
        session.verificationDay = Day("2026-11-30")
        let outcome = session.run(script, name: name, keepGoing: keepGoing)
        return (box.text, outcome)
    }

    /// Loads graph files given as (name, JSON text).
    static func load(_ files: [(String, String)]) throws(GraphLoadError) -> GraphLoader.Loaded {
        try GraphLoader.load(files.map { GraphSource(name: $0.0, bytes: Array($0.1.utf8)) })
    }
}

final class OutputBox: @unchecked Sendable {
    var text = ""
}
