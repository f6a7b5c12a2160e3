import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `credq` binary as a user would: as a process with arguments, stdin, and
/// separate stdout and stderr, or on a pseudo-terminal for the REPL.
enum Harness {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `credq` executable built beside the test bundle ($CREDQ_BINARY overrides it).
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["CREDQ_BINARY"] { return path }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("credq").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/credq").path
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs credq with arguments and stdin, in the repository's folder unless told otherwise.
    static func run(_ arguments: [String], stdin: String = "", environment: [String: String] = [:], in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? root
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outBox = DataBox(), errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outBox.data = output.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errBox.data = errors.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outBox.data, as: UTF8.self),
                      stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    /// Runs a program (such as jq or python3) if it is installed; nil when it is not.
    static func tool(_ name: String, _ arguments: [String], stdin: String) throws -> Result? {
        guard let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map({ "\($0)/\(name)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: "")
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("credq-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// credq on a pseudo-terminal, as its own session leader with the terminal as its controlling
/// terminal, so Ctrl-C reaches it as SIGINT the way it does for a person.
final class Terminal {
    let master: Int32
    let pid: pid_t
    private(set) var screen = ""

    init(arguments: [String] = [], environment: [String: String]) throws {
        // posix_openpt and friends are not in Swift's Glibc module: the Linux ioctls do the same.
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, 0x4004_5431 /* TIOCSPTLCK */, &unlock) == 0,
              ioctl(master, 0x8004_5430 /* TIOCGPTN */, &number) == 0 else {
            throw POSIXError(.ENXIO)
        }
        let slavePath = "/dev/pts/\(number)"
        var size = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)

        // The child opens the terminal itself after `setsid -c` makes it a session leader
        // with this terminal as its controlling one, so Ctrl-C reaches it as SIGINT.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addclose(&actions, master)
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)

        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm"
        env["INPUTRC"] = "/dev/null"
        env["NO_COLOR"] = nil
        for (k, v) in environment { env[k] = v }
        let argv = (["/usr/bin/setsid", "--ctty", Harness.binary] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/usr/bin/setsid", &actions, nil, argv, envp)
        posix_spawn_file_actions_destroy(&actions)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        pid = child
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(master)
    }

    func type(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Reads the terminal until its output (since `from`) contains `text`, or `seconds` pass.
    @discardableResult
    func waitFor(_ text: String, seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if screen.contains(text) { return true }
            var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&fds, 1, 100) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = read(master, &buffer, buffer.count)
                if n <= 0 { break }
                screen += String(decoding: buffer[0..<n], as: UTF8.self)
            }
        }
        return screen.contains(text)
    }

    /// Forgets what was read so far, so the next wait looks only at new output.
    func clear() { screen = "" }

    /// Waits for the process to end; its exit status, or nil if it is still running.
    func exitStatus(seconds: Double = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
            _ = waitFor("\u{0}", seconds: 0.1)
        }
        return nil
    }
}

extension Terminal {
    /// Waits for a fresh `credq> ` prompt after what was read so far, then forgets the output,
    /// so keys are typed only once readline is reading them.
    func expectPrompt(seconds: Double = 20) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let r = screen.range(of: "credq> ", options: .backwards), screen[r.upperBound...].isEmpty || !screen[r.upperBound...].contains("\n") {
                clear()
                return
            }
            waitFor("\u{0}", seconds: 0.05)
        }
    }
}
