/// Recomputes a snapshot's checksums after its bytes were changed, as a crafted file would
/// carry them: the fuzzer and the tests use it to reach the checks behind the checksums.
enum SnapshotSeal {
    /// The bytes with every section's checksum and the header's made to fit, or nil when
    /// the header cannot be read far enough to find them.
    static func resealed(_ original: [UInt8]) -> [UInt8]? {
        var bytes = original
        guard bytes.count >= SnapshotFormat.fixedHeaderSize else { return nil }
        return bytes.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) -> Bool in
            let all = UnsafeRawBufferPointer(raw)
            var r = ByteReader(all, from: 12, what: "the header")
            guard let size = try? r.u32(), Int(size) >= SnapshotFormat.fixedHeaderSize, Int(size) <= all.count else { return false }
            r = ByteReader(all, from: SnapshotFormat.fixedHeaderSize, to: Int(size), what: "the header")
            do {
                _ = try r.string()
                _ = try r.u64()
                for _ in EntityKind.allCases { _ = try r.u64() }
                for _ in 0..<(try r.count(each: 28)) {
                    _ = try r.string()
                    _ = try r.u64(); _ = try r.i64(); _ = try r.u64()
                }
                for _ in 0..<(try r.count(each: 28)) {
                    _ = try r.string()
                    let offset = try r.u64(), length = try r.u64()
                    let at = r.at
                    _ = try r.u64()
                    guard offset <= UInt64(all.count), length <= UInt64(all.count) - offset else { continue }
                    let sum = SnapshotFormat.sectionChecksum(UnsafeRawBufferPointer(rebasing: all[Int(offset)..<Int(offset + length)]))
                    raw.storeBytes(of: sum.littleEndian, toByteOffset: at, as: UInt64.self)
                }
            } catch {
                return false
            }
            let sum = SnapshotWriter.headerChecksum(fixed: Array(all.prefix(24)), rest: Array(all[SnapshotFormat.fixedHeaderSize..<Int(size)]))
            raw.storeBytes(of: sum.littleEndian, toByteOffset: 24, as: UInt64.self)
            return true
        } ? bytes : nil
    }
}
