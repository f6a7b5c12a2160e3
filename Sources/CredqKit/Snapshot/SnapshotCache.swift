import Foundation

/// `--cache`: a snapshot of each set of JSON files loaded, kept under `$XDG_CACHE_HOME/credq`
/// (or `~/.cache/credq`), opened instead of the files while every file's identity (path,
/// size, modification time, content hash) is what the snapshot recorded.
///
/// A cache that is missing, stale, damaged or of another version is written again from the
/// files, silently and atomically; a cache that cannot be written is only a slower load.
public enum SnapshotCache {
    /// What a load through the cache did, for `CREDQ_DEBUG_LOAD` and the tests.
    public enum Outcome: Equatable, Sendable {
        /// The snapshot was opened; no file was parsed.
        case opened
        /// The files were loaded, and the snapshot written for next time.
        case written
        /// The files were loaded; the snapshot could not be written (the reason).
        case notWritten(String)
        /// The sources are not all files on disk (standard input, the built-in catalog): loaded as usual.
        case notCached
    }

    /// The folder caches go in.
    public static var folder: String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/credq" }
        return (env["HOME"] ?? NSTemporaryDirectory()) + "/.cache/credq"
    }

    /// The cache file for a list of files: named by a hash of their absolute paths, in order.
    static func path(for files: [String]) -> String {
        let key = files.map { URL(fileURLWithPath: $0).standardizedFileURL.path }.joined(separator: "\n")
        let hash = Array(key.utf8).withUnsafeBytes { SnapshotFormat.checksum($0) }
        return folder + "/" + String(hash, radix: 16) + ".cqs"
    }

    /// Loads the sources through the cache when they are all JSON files on disk.
    public static func load(_ sources: [GraphSource]) throws(GraphLoadError) -> (GraphLoader.Loaded, Outcome) {
        let paths = sources.compactMap(\.path)
        guard paths.count == sources.count, !sources.contains(where: \.isSnapshot) else {
            return (try GraphLoader.load(sources), .notCached)
        }
        let cache = path(for: paths)
        // Each file's identity now; a file that cannot be read fails the load as it would.
        guard let before = try? paths.map({ try SourceIdentity.of(path: $0) }) else {
            return (try GraphLoader.load(sources), .notCached)
        }
        if let graph = open(cache, matching: before) { return (GraphLoader.Loaded(graph: graph, warnings: []), .opened) }
        let loaded = try GraphLoader.load(sources)
        // Written only when no file changed while it was loaded.
        guard let after = try? paths.map({ try SourceIdentity.of(path: $0) }), after == before else {
            return (loaded, .notWritten("a file changed while it was loaded"))
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try SnapshotWriter.write(loaded.graph, sources: before, to: cache)
        } catch {
            return (loaded, .notWritten(SourceFiles.describe(ioError: error)))
        }
        return (loaded, .written)
    }

    /// The cached graph, when the cache is there, whole, and made from files with these identities.
    static func open(_ path: String, matching identities: [SourceIdentity]) -> Graph? {
        guard let mapped = try? MappedFile(path: path), let file = try? SnapshotFile(path: path, file: mapped),
              file.sources == identities
        else { return nil }
        // Every section's checksum and structure now, so that damage means a rebuild rather
        // than an error later.
        guard (try? file.checkSections()) != nil else { return nil }
        return Graph(snapshot: file)
    }
}
