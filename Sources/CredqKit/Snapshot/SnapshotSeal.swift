/// Recomputes a snapshot's checksums after its bytes were changed, as a crafted file would
/// carry them: the fuzzer and the tests use it to reach the checks behind the checksums.
enum SnapshotSeal {
    /// The bytes with every block sum, section checksum and the header's checksum made to
    /// fit, or nil when the header cannot be read far enough to find them.
    static func resealed(_ original: [UInt8]) -> [UInt8]? {
        var bytes = original
        guard bytes.count >= SnapshotFormat.fixedHeaderSize else { return nil }
        return bytes.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) -> Bool in
            let all = UnsafeRawBufferPointer(raw)
            var r = ByteReader(all, from: 12, what: "the header")
            guard let size = try? r.u32(), Int(size) >= SnapshotFormat.fixedHeaderSize, Int(size) <= all.count else { return false }
            r = ByteReader(all, from: SnapshotFormat.fixedHeaderSize, to: Int(size), what: "the header")
            // Each section in the file: its bytes and where its checksum is in the header.
            var found: [SnapshotSection: (bytes: Range<Int>, sumAt: Int)] = [:]
            do {
                _ = try r.string()
                _ = try r.u64()
                for _ in EntityKind.allCases { _ = try r.u64() }
                for _ in 0..<(try r.count(each: 28)) {
                    _ = try r.string()
                    _ = try r.u64(); _ = try r.i64(); _ = try r.u64()
                }
                for _ in 0..<(try r.count(each: 28)) {
                    let name = try r.string()
                    let offset = try r.u64(), length = try r.u64()
                    let at = r.at
                    _ = try r.u64()
                    guard offset <= UInt64(all.count), length <= UInt64(all.count) - offset, let section = SnapshotSection(rawValue: name) else { continue }
                    found[section] = (Int(offset)..<Int(offset + length), at)
                }
            } catch {
                return false
            }
            func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: all[range]) }
            var blockSums: [UInt64] = []
            for name in SnapshotSection.allCases where name != .blockSums {
                guard let (range, at) = found[name] else { continue }
                let sums = SnapshotFormat.blockSums(bytes(range), blockBytes: name.blockBytes)
                blockSums += sums
                raw.storeBytes(of: SnapshotFormat.sectionChecksum(sums: sums, size: range.count).littleEndian, toByteOffset: at, as: UInt64.self)
            }
            if let (range, at) = found[.blockSums] {
                if range.count == blockSums.count * 8 {
                    for (i, sum) in blockSums.enumerated() { raw.storeBytes(of: sum.littleEndian, toByteOffset: range.lowerBound + 8 * i, as: UInt64.self) }
                }
                let sum = SnapshotFormat.sectionChecksum(bytes(range), blockBytes: SnapshotSection.blockSums.blockBytes)
                raw.storeBytes(of: sum.littleEndian, toByteOffset: at, as: UInt64.self)
            }
            let sum = SnapshotWriter.headerChecksum(fixed: Array(all.prefix(24)), rest: Array(all[SnapshotFormat.fixedHeaderSize..<Int(size)]))
            raw.storeBytes(of: sum.littleEndian, toByteOffset: 24, as: UInt64.self)
            return true
        } ? bytes : nil
    }
}
