import ArgumentParser
import CredqKit
import Foundation

/// `credq import ...`: real data into a graph in format v1.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Convert real data into a graph in format v1.",
        subcommands: [ImportOpenBadges.self, ImportCTDL.self, ImportOnet.self])
}

/// A file's bytes; when it cannot be read, says so and leaves with the I/O status.
func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        Terminal.writeErr("credq: \(path): cannot be read\n")
        throw ExitWith(status: .io)
    }
    return Array(data)
}

/// Where an importer writes its graph: stdout, or atomically to `-o FILE`, never over one of
/// the files being read unless `--force` says so.
struct ImportDestination: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the graph here, atomically, instead of stdout.", valueName: "file"))
    var output: String?

    @Flag(name: .long, help: "Let -o replace one of the files being imported.")
    var force = false

    /// The graph an import joins (`-g`, `--catalog`), when one is named.
    func write(_ imported: String, inputs: [String], joining options: GlobalOptions, mapping: [SkillMapping.Entry] = []) throws {
        var json = imported
        let into = options.graph, catalog = options.catalog
        if catalog || !into.isEmpty {
            // The graph to join: loaded as -g would load it, and refused as -g would refuse it.
            let loaded: GraphLoader.Loaded
            do {
                loaded = try GraphLoader.load(try SourceFiles.read(into, catalog: catalog))
            } catch {
                for d in error.diagnostics { Terminal.writeErr("\(d)\n") }
                throw ExitWith(status: error.isIOError ? .io : .invalidGraph)
            }
            let joined = ImportJoin.join(imported, into: loaded.graph, mapping: mapping)
            for line in joined.report { Terminal.writeErr("credq: \(line)\n") }
            json = joined.json
        }
        // What is written must load: a graph that would not (a cycle the records make, an id
        // they repeat) is refused here, with the loader's located errors, and not written.
        do {
            _ = try GraphLoader.load([GraphSource(name: output ?? "<import>", bytes: Array(json.utf8))])
        } catch {
            for d in error.diagnostics { Terminal.writeErr("\(d)\n") }
            Terminal.writeErr("credq: the imported graph does not load; nothing written\n")
            throw ExitWith(status: .invalidGraph)
        }
        guard let output else {
            Terminal.writeOut(json)
            return
        }
        if !force, (inputs + into).map(Session.absolute).contains(Session.absolute(output)) {
            Terminal.writeErr("credq: \(output): is one of the files being imported; write elsewhere, or add --force to replace it\n")
            throw ExitWith(status: .io)
        }
        do {
            try AtomicFile.write(json, to: output)
        } catch {
            Terminal.writeErr("credq: \(output): cannot write: \(error)\n")
            throw ExitWith(status: .io)
        }
    }
}

/// `credq import onet DIR`: O*NET's text release.
struct ImportOnet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onet",
        abstract: "O*NET occupations as roles (alternate titles as aliases), technology skills as skills and needs.")

    @Argument(help: ArgumentHelp("The folder of O*NET's text release (Occupation Data.txt, Alternate Titles.txt, Technology Skills.txt, and Related Occupations.txt when it has it).", valueName: "dir"))
    var directory: String

    @Option(name: .long, help: ArgumentHelp("""
        When joining a graph (-g, --catalog): which technologies are which of its skills, one \
        'technology<TAB>skill id' per line (default: the built-in mapping to the default catalog's skills).
        """, valueName: "file"))
    var map: String?

    @OptionGroup var destination: ImportDestination
    @OptionGroup var options: GlobalOptions

    mutating func run() throws {
        // The mapping first: a file that is not one stops before anything is read.
        var mapping = SkillMapping.onetToCatalog
        if let map {
            switch SkillMapping.parse(String(decoding: try readFile(map), as: UTF8.self), file: map) {
            case .success(let entries): mapping = entries
            case .failure(let error):
                Terminal.writeErr("\(error.text)\n")
                throw ExitWith(status: .usage)
            }
        }
        let result: OnetImporter.Result
        do {
            result = try OnetImporter.convert(directory: directory)
        } catch {
            Terminal.writeErr("credq: \(error.description)\n")
            throw ExitWith(status: .io)
        }
        for line in result.report { Terminal.writeErr("credq: \(line)\n") }
        guard result.roles > 0 else {
            Terminal.writeErr("credq: no occupation imported; nothing written\n")
            throw ExitWith(status: .invalidGraph)
        }
        let read = OnetImporter.files.map { directory + "/" + $0 } + (map.map { [$0] } ?? [])
        try destination.write(result.json, inputs: read, joining: options, mapping: mapping)
        Terminal.writeErr("imported \(result.roles) occupations and \(result.skills) skills\(notes(result.report))\n")
    }
}

/// The end of an import's summary line: how many notes (what was left out or read
/// another way) it printed above.
private func notes(_ report: [String]) -> String {
    report.isEmpty ? "" : ", \(report.count) note\(report.count == 1 ? "" : "s") above"
}

/// `credq import openbadges FILE...`: Open Badges 3.0 credentials.
struct ImportOpenBadges: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openbadges",
        abstract: "Open Badges 3.0 credentials (JSON or VC-JWT): achievements, issuers, alignments, and the holdings with their proofs.")

    @Argument(help: ArgumentHelp("Credential files.", valueName: "file"))
    var files: [String]

    @Option(name: .long, help: ArgumentHelp("The learner who holds them (default: each credential subject's id).", valueName: "id"))
    var learner: String?

    @OptionGroup var destination: ImportDestination
    @OptionGroup var options: GlobalOptions

    mutating func run() throws {
        let inputs = try files.map { (name: $0, bytes: try readFile($0)) }
        let result = OpenBadgesImporter.convert(inputs, learner: learner)
        for line in result.refused { Terminal.writeErr("\(line)\n") }
        for line in result.report { Terminal.writeErr("credq: \(line)\n") }
        guard result.credentials > 0 else {
            Terminal.writeErr("credq: no achievement imported; nothing written\n")
            throw ExitWith(status: .invalidGraph)
        }
        try destination.write(result.json, inputs: files, joining: options)
        Terminal.writeErr("imported \(result.credentials) achievements and \(result.holdings) holdings\(notes(result.report))\n")
        if !result.refused.isEmpty { throw ExitWith(status: .invalidGraph) }
    }
}

/// `credq import ctdl FILE...`: Credential Engine's CTDL records.
struct ImportCTDL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctdl",
        abstract: "CTDL records (JSON-LD, single or @graph): credentials, organizations, requirements, parts and pathway conditions.")

    @Argument(help: ArgumentHelp("CTDL JSON-LD files.", valueName: "file"))
    var files: [String]

    @OptionGroup var destination: ImportDestination
    @OptionGroup var options: GlobalOptions

    mutating func run() throws {
        let inputs = try files.map { (name: $0, bytes: try readFile($0)) }
        let result = CTDLImporter.convert(inputs)
        for line in result.refused { Terminal.writeErr("\(line)\n") }
        for line in result.report { Terminal.writeErr("credq: \(line)\n") }
        // Nothing imported (an organizations-only file still imports): no graph written, and a failure.
        guard result.credentials > 0 || result.organizations > 0 else {
            Terminal.writeErr("credq: nothing imported\(result.refused.isEmpty ? "" : " (\(result.refused.count) file\(result.refused.count == 1 ? "" : "s") refused)"); nothing written\n")
            throw ExitWith(status: .invalidGraph)
        }
        try destination.write(result.json, inputs: files, joining: options)
        Terminal.writeErr("imported \(result.credentials) credentials and \(result.organizations) organizations\(notes(result.report))\n")
        // The other files imported, but one that was refused makes the import fail.
        if !result.refused.isEmpty { throw ExitWith(status: .invalidGraph) }
    }
}
