#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C: a SIGINT handler that only sets a flag, which the REPL and long queries poll.
enum Interrupt {
    nonisolated(unsafe) static var flag: sig_atomic_t = 0

    static var pending: Bool { flag != 0 }

    static func clear() { flag = 0 }

    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in Interrupt.flag = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        // A launcher may have left SIGINT blocked (threads of libdispatch block signals, and a
        // blocked mask survives exec): unblock it, or Ctrl-C would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }
}
