import CredqKit
import Foundation

/// `credq-bench --verify FILE... [--key KEY]... [--runs N]`: the time `credq verify` spends on
/// each credential file, in this process: the first call (which processes the contexts the
/// file needs), then the median and 90th percentile of N warm calls, and N calls in a row.
func runVerifySuite(files: [String], keys keyTexts: [String], runs: Int) {
    func print(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    var keys: [CredentialFiles.Key] = []
    for text in keyTexts {
        if FileManager.default.fileExists(atPath: text), let data = FileManager.default.contents(atPath: text),
           let read = try? CredentialFiles.keys(from: Array(data), name: text) {
            keys += read
        } else if let key = CredentialFiles.key(fromText: text) {
            keys.append(key)
        } else {
            print("\(text): not a key")
            exit(2)
        }
    }
    let day = Day.today
    print("credq verify, in process (first call, then median and p90 of \(runs) warm calls, and \(runs) in a row):")
    for path in files {
        guard let data = FileManager.default.contents(atPath: path) else {
            print("\(path): cannot be read")
            continue
        }
        let bytes = Array(data)
        var t = now()
        let first = CredentialFiles.verify(bytes, name: path, keys: keys, on: day)
        let cold = now() - t
        var samples: [Double] = []
        t = now()
        for _ in 0..<runs {
            let s = now()
            _ = CredentialFiles.verify(bytes, name: path, keys: keys, on: day)
            samples.append(now() - s)
        }
        let total = now() - t
        samples.sort()
        print("\(path): \(first.status.rawValue); first \(ms(cold)), median \(ms(percentile(samples, 50))), p90 \(ms(percentile(samples, 90))), \(runs) in \(String(format: "%.3f", total)) s")
    }
}
