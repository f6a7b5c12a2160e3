import Foundation
import Synchronization

/// Lets go of `value` on another thread: freeing millions of objects, or arrays of hundreds
/// of megabytes, takes the kernel and the allocator a while that the load need not wait for.
func discardLater<T>(_ value: T) {
    let doomed = Doomed(value)
    DispatchQueue.global(qos: .utility).async { doomed.value = nil }
}

/// A value on its way to be let go of by `discardLater`.
private final class Doomed<T>: @unchecked Sendable {
    var value: T?
    init(_ value: T) { self.value = value }
}

/// Runs `first` on this thread and `second` on another (when the machine has more than one
/// core), and returns once both are done. The two must touch different state.
func together(_ first: () -> Void, _ second: () -> Void) {
    guard ProcessInfo.processInfo.activeProcessorCount > 1 else {
        first()
        second()
        return
    }
    /// The second task, handed to the other thread, which lets go of it before it says it is
    /// done; `together` waits for that, so the task never outlives what it captures.
    final class Handoff: @unchecked Sendable {
        var run: (() -> Void)?
        let done = DispatchSemaphore(value: 0)
        init(_ run: @escaping () -> Void) { self.run = run }
    }
    withoutActuallyEscaping(second) { second in
        let handoff = Handoff(second)
        DispatchQueue.global().async {
            handoff.run?()
            handoff.run = nil
            handoff.done.signal()
        }
        first()
        handoff.done.wait()
    }
}

/// A second thread that reads the learners in the second half of a large file while the
/// first thread reads up to them.
///
/// The helper starts in the middle of the file, takes the first object there that reads as a
/// learner, reads learners to the end of their list, and tells where its first learner began
/// (the first thread waits for that when it reaches the learners list). The first thread
/// takes the helper's work only if it arrives at exactly that place as the start of an
/// element of the learners list: then the helper read the same bytes with the same code,
/// and (ids being resolved only once everything is read) built what the first thread would
/// have. Otherwise the helper's work is dropped and the first thread reads on alone. Large
/// graphs are mostly learners and their holdings, which sit at the end of generated files;
/// a file whose second half holds no learners is read by one thread.
final class LearnerSplit: @unchecked Sendable {
    /// Files from 8 MiB are split, on machines with more than one core.
    static let defaultThreshold: Int? = ProcessInfo.processInfo.activeProcessorCount > 1 ? 8 << 20 : nil

    /// An in-memory text the helper reads while the first thread keeps it alive.
    struct Text: @unchecked Sendable { let buffer: UnsafeBufferPointer<UInt8> }

    /// Where the helper's first learner begins, once it has read it.
    private var start: Int?
    /// Signalled once the helper knows `start` or has given up finding it.
    private let startKnown = DispatchSemaphore(value: 0)
    private var startTold = false
    private let stop = Atomic<Bool>(false)
    /// Where the helper found the learners' list to begin; -1 until then, or if it did not.
    private let learners = Atomic<Int>(-1)

    /// Where the learners' list begins, if the helper has found it yet.
    var learnersAt: Int? {
        let at = learners.load(ordering: .acquiring)
        return at >= 0 ? at : nil
    }
    private let done = DispatchSemaphore(value: 0)
    /// Written by the helper before it signals `done`, read only after waiting for it.
    private var result: (reader: FastGraphReader, end: Int)?
    private var ended = false
    /// How long the helper took, in milliseconds, and where it started looking (for `LoadTrace`).
    private(set) var took: UInt64 = 0, from = 0

    /// Starts the helper on a text of `size` bytes, at `point(size)` or else where the two
    /// threads' shares balance. `open(start, window)` makes a cursor from `start` on,
    /// reading a file through a window of at most `window` bytes when one is given.
    init(size: Int, point: (@Sendable (Int) -> Int)?, open: @escaping @Sendable (Int, Int?) -> Cursor?) {
        Thread.detachNewThread { [self] in
            let began = DispatchTime.now().uptimeNanoseconds
            var start = point?(size) ?? 0
            if point == nil {
                let found = FastGraphReader.balancedStart(size: size, open: { open($0, 256 << 10) }, unless: { self.stopped })
                start = found.start
                if let at = found.learners { learners.store(at, ordering: .releasing) }
            }
            from = start
            if var cursor = open(start, nil) { result = FastGraphReader.readLearners(&cursor, for: self, size: size) }
            took = (DispatchTime.now().uptimeNanoseconds - began) / 1_000_000
            if !startTold { startKnown.signal() }
            done.signal()
        }
    }

    /// The helper's: its first learner begins at `position`.
    func found(_ position: Int) {
        start = position
        startTold = true
        startKnown.signal()
    }

    /// Waits until the helper has found its first learner, and returns where it begins; nil
    /// when it found none.
    func located() -> Int? {
        startKnown.wait()
        startKnown.signal()  // for a second call
        return start
    }

    var stopped: Bool { stop.load(ordering: .relaxed) }

    /// Waits for the helper and returns its learners and where they end.
    func take() -> (reader: FastGraphReader, end: Int)? {
        guard !ended else { return nil }
        ended = true
        done.wait()
        return result.take()
    }

    /// Tells the helper to stop, and waits until it has.
    func cancel() {
        guard !ended else { return }
        stop.store(true, ordering: .relaxed)
        _ = take()
    }
}
