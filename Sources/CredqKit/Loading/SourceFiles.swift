import Foundation

/// Graph files from disk, standard input or the built-in catalog, and the words for what
/// went wrong reading them. The engine's one place of file input: the loaders and the session
/// read through it, never the other way round.
public enum SourceFiles {
    /// The built-in default catalog's files.
    public static var defaultCatalogSources: [GraphSource] {
        DefaultCatalog.files.map { GraphSource(name: "<catalog>/\($0.name)", bytes: Array($0.json.utf8)) }
    }

    /// Reads graph files from disk (`-` is stdin), or the default catalog when there are none;
    /// with `catalog`, the default catalog first and the files after it (`--catalog`).
    public static func read(_ paths: [String], catalog: Bool = false) throws(GraphLoadError) -> [GraphSource] {
        if paths.isEmpty { return defaultCatalogSources }
        var sources: [GraphSource] = catalog ? defaultCatalogSources : []
        for path in paths {
            do {
                if path == "-" {
                    sources.append(GraphSource(name: path, bytes: Array(FileHandle.standardInput.readDataToEndOfFile())))
                } else {
                    try checkReadable(path)
                    sources.append(.file(path))
                }
            } catch {
                throw GraphLoadError(diagnostics: [GraphDiagnostic(severity: .error, file: path, path: "", message: describe(ioError: error))], isIOError: true)
            }
        }
        LoadTrace.mark("file")
        return sources
    }

    /// Fails as reading would (no such file, no permission, a folder), without reading.
    static func checkReadable(_ path: String) throws {
        close(try openForReading(path).fd)
    }

    /// A file opened to read, with its size; a folder or an unreadable file throws.
    private static func openForReading(_ path: String) throws -> (fd: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        guard (info.st_mode & S_IFMT) != S_IFDIR else {
            close(fd)
            throw POSIXError(.EISDIR)
        }
        return (fd, Int(info.st_size))
    }

    /// A whole file's bytes, read once into one array (no intermediate `Data` copy).
    static func readBytes(_ path: String) throws -> [UInt8] {
        let (fd, size) = try openForReading(path)
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = max(size, 0) + 1  // +1 sees the end of the file in the same read
        while true {
            var failure: Int32 = 0
            let part = [UInt8](unsafeUninitializedCapacity: chunk) { buffer, count in
                count = 0
                while count < chunk {
                    let r = Glibc.read(fd, buffer.baseAddress! + count, chunk - count)
                    if r < 0, errno == EINTR { continue }
                    if r < 0 { failure = errno; return }
                    if r == 0 { break }
                    count += r
                }
            }
            if failure != 0 { throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO) }
            if bytes.isEmpty { bytes = part } else { bytes += part }
            if part.count < chunk { return bytes }
            chunk = max(chunk, 1 << 20)  // the file grew while being read
        }
    }

    public static func describe(ioError error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case NSFileReadNoSuchFileError, NSFileNoSuchFileError: return "No such file or directory"
            case NSFileReadNoPermissionError: return "Permission denied"
            default: break
            }
        }
        return ns.localizedDescription
    }
}
