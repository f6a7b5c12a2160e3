/// Where the engine's debugging traces go: nowhere unless the program running it says so.
/// The engine never writes to standard output or error itself; `credq` points these at
/// standard error when `CREDQ_DEBUG_LOAD` or `CREDQ_DEBUG_PLANNER` is set.
public enum DebugTrace {
    /// Time and memory per phase of a load.
    nonisolated(unsafe) public static var load: (@Sendable (String) -> Void)?
    /// How much searching each plan took.
    nonisolated(unsafe) public static var planner: (@Sendable (String) -> Void)?
}
