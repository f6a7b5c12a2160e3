#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CredqKit

/// Facts about the terminal, and the writers for stdout and stderr.
enum Terminal {
    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Whether colour is allowed at all: not with --no-color, nor with NO_COLOR set to anything.
    static func colorAllowed(noColorFlag: Bool) -> Bool {
        if noColorFlag { return false }
        if let v = getenv("NO_COLOR"), v.pointee != 0 { return false }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
        return true
    }

    /// The width of the terminal on stdout, when it is one.
    static var width: Int? {
        guard stdoutIsTerminal else { return nil }
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// The height of the terminal on stdout, in lines, when it is one.
    static var height: Int? {
        guard stdoutIsTerminal else { return nil }
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return nil }
        return Int(size.ws_row)
    }

    static func writeOut(_ text: String) {
        write(text, to: STDOUT_FILENO)
    }

    static func writeErr(_ text: String) {
        write(text, to: STDERR_FILENO)
    }

    /// Writes all of the text; a closed pipe on stdout ends the program quietly, as `cat` does.
    private static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE, fd == STDOUT_FILENO { exit(0) }
                return
            }
            offset += n
        }
    }
}
