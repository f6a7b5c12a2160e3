import Foundation

/// Writes files so that a crash or a kill mid-write never leaves a half-written file: the text
/// goes to a temporary file in the same folder, is flushed to disk, then renamed over the target.
public enum AtomicFile {
    public static func write(_ text: String, to path: String) throws {
        try write(parts: [Array(text.utf8)], to: path)
    }

    /// Writes the parts one after another as the file's new contents, all or nothing.
    /// `durable: false` skips flushing to disk before the rename, for files that carry their
    /// own checksums (a snapshot): a crash may then leave a damaged file, which is refused
    /// when read, never a half-written one taken for whole.
    public static func write(parts: [[UInt8]], to path: String, durable: Bool = true) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temp = folder + "/.\(url.lastPathComponent).credq-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        for bytes in parts {
            var written = 0
            while written < bytes.count {
                let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    close(fd)
                    throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
                }
                written += n
            }
        }
        guard !durable || fsync(fd) == 0, close(fd) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        guard rename(temp, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        ok = true
    }
}
