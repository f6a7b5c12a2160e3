import Synchronization

/// Which blocks of a section checked by block (`SnapshotSection.checkedByBlock`) have been
/// checked: each block's checksum, and the values in it, are checked the first time a value
/// in it is read. A column over such a section asks before every read; a block already
/// checked costs one load and a branch.
///
/// A flag is read without the lock and set under it once its block is checked. The bytes it
/// speaks for are the mapped file's and never change, so a flag seen late only makes a thread
/// take the lock and find the block checked.
final class SectionBlocks: @unchecked Sendable {
    let section: SnapshotSection
    let blockBytes: Int
    let count: Int
    private let flags: UnsafeMutablePointer<Atomic<UInt8>>
    private unowned let file: SnapshotFile

    init(section: SnapshotSection, size: Int, file: SnapshotFile) {
        self.section = section
        blockBytes = section.blockBytes
        count = (size + blockBytes - 1) / blockBytes
        flags = .allocate(capacity: max(count, 1))
        for b in 0..<max(count, 1) { (flags + b).initialize(to: Atomic<UInt8>(0)) }
        self.file = file
    }

    deinit {
        flags.deinitialize(count: max(count, 1))
        flags.deallocate()
    }

    /// Checks the block holding byte `offset`, if it is not yet.
    @inline(__always)
    func ensure(byte offset: Int) {
        let b = offset / blockBytes
        if b < count, flags[b].load(ordering: .relaxed) == 0 { file.checkBlock(self, b) }
    }

    /// Checks the block holding value `i` of a column whose blocks hold `1 << shift` values.
    @inline(__always)
    func ensure(value i: Int, shift: Int) {
        let b = i >> shift
        if b < count, flags[b].load(ordering: .relaxed) == 0 { file.checkBlock(self, b) }
    }

    /// Checks every block the bytes `range` touch.
    func ensure(bytes range: Range<Int>) {
        guard !range.isEmpty else { return }
        for b in (range.lowerBound / blockBytes)...((range.upperBound - 1) / blockBytes) where b < count {
            if flags[b].load(ordering: .relaxed) == 0 { file.checkBlock(self, b) }
        }
    }

    /// Checks every block not checked yet.
    func ensureAll() { file.checkAllBlocks(self) }

    func isChecked(_ b: Int) -> Bool { flags[b].load(ordering: .relaxed) != 0 }

    /// Called under the file's lock once block `b` is checked.
    func markChecked(_ b: Int) { flags[b].store(1, ordering: .relaxed) }
}
