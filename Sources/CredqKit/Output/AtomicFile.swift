import Foundation

/// Writes files so that a crash or a kill mid-write never leaves a half-written file: the text
/// goes to a temporary file in the same folder, is flushed to disk, then renamed over the target.
public enum AtomicFile {
    public static func write(_ text: String, to path: String) throws {
        try write(parts: [Array(text.utf8)], to: path)
    }

    /// Writes the parts one after another as the file's new contents, all or nothing.
    public static func write(parts: [[UInt8]], to path: String) throws {
        let file = try Writing(to: path)
        do {
            var offset = 0
            for bytes in parts {
                try bytes.withUnsafeBytes { try file.write($0, at: offset) }
                offset += bytes.count
            }
            try file.commit()
        } catch {
            file.abandon()
            throw error
        }
    }

    /// A file's new contents being written, in any order, to a temporary file beside it;
    /// `commit` puts it in the file's place, `abandon` removes it. Writes may come from
    /// several threads at once, each to its own bytes.
    public final class Writing: @unchecked Sendable {
        let path: String
        let temp: String
        private let fd: Int32
        private var closed = false

        public init(to path: String) throws {
            self.path = path
            let url = URL(fileURLWithPath: path)
            temp = url.deletingLastPathComponent().path + "/.\(url.lastPathComponent).credq-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
            fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }

        /// Writes `bytes` at `offset` of the new contents.
        public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
            var written = 0
            while written < bytes.count {
                let n = pwrite(fd, bytes.baseAddress! + written, bytes.count - written, off_t(offset + written))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                written += n
            }
        }

        /// Makes the new contents `size` bytes long (what was never written reads as zeros).
        public func resize(to size: Int) throws {
            guard ftruncate(fd, off_t(size)) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }

        /// Puts the new contents in the file's place. `durable: false` skips flushing them to
        /// disk before the rename, for files that carry their own checksums (a snapshot): a
        /// crash may then leave a damaged file, which is refused when read, never a
        /// half-written one taken for whole.
        public func commit(durable: Bool = true) throws {
            closed = true
            guard !durable || fsync(fd) == 0 else {
                let code = errno
                close(fd)
                throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
            }
            guard close(fd) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            guard rename(temp, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }

        /// Removes the temporary file; the file itself is untouched.
        public func abandon() {
            if !closed { close(fd) }
            closed = true
            unlink(temp)
        }
    }
}
