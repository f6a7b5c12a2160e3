// credq-fuzz: the libFuzzer entry point for credq's fuzz targets, and a replayer.
//
// Built for fuzzing by scripts/fuzz.sh (with -sanitize=fuzzer,address and -DCREDQ_FUZZING),
// libFuzzer calls LLVMFuzzerTestOneInput with the target named by $CREDQ_FUZZ_TARGET.
// Built normally, `credq-fuzz TARGET FILE...` runs files through a target: a crash found by
// the fuzzer is replayed the same way.

import CredqKit
import Foundation

#if CREDQ_FUZZING
let target = ProcessInfo.processInfo.environment["CREDQ_FUZZ_TARGET"] ?? ""

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard FuzzTargets.run(target, bytes) else {
        fatalError("set CREDQ_FUZZ_TARGET to one of \(FuzzTargets.names.joined(separator: ", "))")
    }
    return 0
}

/// libFuzzer's driver, from its runtime (linked by -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM makes `main` an alias of `<module>_main`, so the entry point is ours: it hands
/// the command line to libFuzzer's driver.
@_cdecl("credq_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return runDriver(&argc, &argv) { data, size in fuzzOne(data, size) }
}
#else
@main
struct Replay {
    static func main() {
        let args = CommandLine.arguments.dropFirst()
        guard let target = args.first, FuzzTargets.names.contains(target) else {
            FileHandle.standardError.write(Data("usage: credq-fuzz \(FuzzTargets.names.joined(separator: "|")) FILE...\n".utf8))
            exit(2)
        }
        for path in args.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("credq-fuzz: \(path): cannot be read\n".utf8))
                exit(5)
            }
            FuzzTargets.run(target, Array(data))
            print("\(path): ok")
        }
    }
}
#endif
