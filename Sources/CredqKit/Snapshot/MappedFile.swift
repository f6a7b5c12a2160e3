import Foundation

/// A file mapped read-only into memory, unmapped when the last reference goes.
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer
    /// Whether the bytes are a copy in memory (`init(copying:)`) rather than a mapping.
    private var copied = false

    /// Bytes held in memory as if they were a mapped file (the fuzzer, the tests).
    init(copying source: [UInt8], path: String = "<memory>") {
        self.path = path
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 16)
        source.withUnsafeBytes { buffer.copyMemory(from: $0) }
        bytes = UnsafeRawBufferPointer(buffer)
        copied = true
    }

    /// Maps the whole file; an empty file maps to no bytes.
    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw POSIXError(.EISDIR) }
        let size = Int(info.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if copied {
            bytes.deallocate()
            return
        }
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// `SnapshotFormat.checksum` of a whole file, read through a window of 64 MiB mapped at a
    /// time, so that hashing a large file does not keep it all resident.
    static func checksum(path: String) throws -> UInt64 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let size = Int(info.st_size)
        let window = 64 << 20
        var h: UInt64 = 0
        var at = 0
        repeat {
            let n = min(window, size - at)
            if n == 0 { return SnapshotFormat.checksum(UnsafeRawBufferPointer(start: nil, count: 0), seed: h) }
            guard let base = mmap(nil, n, PROT_READ, MAP_PRIVATE, fd, off_t(at)), base != MAP_FAILED else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            madvise(base, n, MADV_SEQUENTIAL)
            h = SnapshotFormat.checksum(UnsafeRawBufferPointer(start: base, count: n), seed: h)
            munmap(base, n)
            at += n
        } while at < size
        return h
    }
}
