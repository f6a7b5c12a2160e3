/// Writes synthetic credential graphs in format v1, deterministic for a seed and a size, with
/// the shape of a real catalog: skills in categories; credentials teaching a few skills of one
/// category at levels skewed low; prerequisites on earlier credentials of the same category;
/// composites whose stack rules (all, n of, credits, nested) name earlier credentials of the
/// category; roles needing 5-12 skills from 2-4 categories, almost always teachable; learners
/// holding credentials together with their prerequisites.
struct SyntheticGraph {
    var credentials: Int
    var learners: Int
    var seed: UInt64

    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + int(range.count) }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func weighted<T>(_ pairs: [(T, Int)]) -> T {
            var x = int(pairs.reduce(0) { $0 + $1.1 })
            for (value, weight) in pairs {
                if x < weight { return value }
                x -= weight
            }
            return pairs[pairs.count - 1].0
        }
        mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
        mutating func sample<T>(_ items: [T], _ k: Int) -> [T] {
            var pool = items
            var out: [T] = []
            for _ in 0..<min(k, pool.count) { out.append(pool.remove(at: int(pool.count))) }
            return out
        }
    }

    func json() -> String {
        var r = Random(state: seed)
        let nSkills = max(50, credentials / 5)
        let nCategories = max(5, nSkills / 40)
        let nRoles = max(10, credentials / 100)
        let nOrgs = max(10, credentials / 50)
        var out = "{\"credq\":1,\"organizations\":["
        let orgKinds = [("university", 25), ("platform", 10), ("industry", 35), ("employer", 25), ("accreditor", 5)]
        var issuers: [Int] = [], employers: [Int] = []
        for i in 0..<nOrgs {
            let kind = r.weighted(orgKinds)
            if kind != "accreditor" { issuers.append(i) }
            if kind == "employer" { employers.append(i) }
            out += (i > 0 ? "," : "") + "{\"id\":\"o\(i)\",\"name\":\"Organization \(i)\",\"kind\":\"\(kind)\"}"
        }
        if employers.isEmpty { employers = issuers }
        out += "],\"skills\":["
        var categorySkills = [[Int]](repeating: [], count: nCategories)
        for i in 0..<nSkills {
            let c = i % nCategories
            out += (i > 0 ? "," : "") + "{\"id\":\"s\(i)\",\"name\":\"Skill \(i) of area \(c)\",\"category\":\"area-\(c)\""
            if !categorySkills[c].isEmpty, r.int(10) < 3 { out += ",\"broader\":\"s\(r.pick(Array(categorySkills[c].prefix(8))))\"" }
            out += "}"
            categorySkills[c].append(i)
        }
        out += "],\"credentials\":["
        let kinds = [("badge", 30), ("course", 25), ("microcredential", 20), ("certificate", 10), ("certification", 10), ("degree", 5)]
        var plainByCategory = [[Int]](repeating: [], count: nCategories)
        var requires = [[Int]](repeating: [], count: credentials)
        var taught = [Int: Int]()
        for i in 0..<credentials {
            let kind = r.weighted(kinds)
            let c = r.int(nCategories)
            var teaches: [String] = []
            for s in r.sample(categorySkills[c], r.pick([1, 1, 2, 2, 3, 3, 4, 5])) {
                let level = r.weighted([(1, 50), (2, 30), (3, 15), (4, 5)])
                teaches.append("\"s\(s)\":\(level)")
                taught[s] = max(taught[s] ?? 0, level)
            }
            let weeks: ClosedRange<Int> = switch kind {
            case "badge": 1...4
            case "course": 2...12
            case "microcredential": 4...16
            case "certificate": 8...40
            case "certification": 2...12
            default: 104...208
            }
            // A log-normal price around 150, as real prices spread.
            let cost = kind == "degree" ? r.int(10_000...60_000)
                : Int((5.0 + 1.1 * normal(&r)).exp.rounded())
            out += (i > 0 ? "," : "") + "{\"id\":\"c\(i)\",\"name\":\"Credential \(i) (\(kind), area \(c))\",\"kind\":\"\(kind)\""
            out += ",\"provider\":\"o\(r.pick(issuers))\",\"teaches\":{\(teaches.joined(separator: ","))}"
            out += ",\"weeks\":\(r.int(weeks)),\"cost\":\(cost)"
            if ["course", "microcredential", "certificate"].contains(kind) { out += ",\"credits\":\(r.pick([1, 2, 3, 4, 5, 6, 10, 15]))" }
            let recent = Array(plainByCategory[c].suffix(200))
            if !recent.isEmpty, r.int(100) < 35 {
                requires[i] = Array(Set(r.sample(recent, r.pick([1, 1, 2])))).sorted()
                out += ",\"requires\":[\(requires[i].map { "\"c\($0)\"" }.joined(separator: ","))]"
            }
            if r.int(100) < 25 { out += ",\"recognized_by\":[\"o\(r.pick(employers))\"]" }
            let pool = Array(plainByCategory[c].suffix(300))
            if ["certificate", "degree", "microcredential"].contains(kind), pool.count >= 8, r.int(2) == 0 {
                let parts = r.sample(pool, 10).map { "\"c\($0)\"" }
                let rule: String
                switch r.int(4) {
                case 0: rule = "{\"all\":[\(parts.prefix(r.int(3...6)).joined(separator: ","))]}"
                case 1:
                    let items = Array(parts.prefix(r.int(4...8)))
                    rule = "{\"n\":\(r.int(2...(items.count - 1))),\"of\":[\(items.joined(separator: ","))]}"
                case 2: rule = "{\"credits\":\(r.pick([6, 10, 15, 20])),\"of\":[\(parts.joined(separator: ","))]}"
                default:
                    rule = "{\"all\":[\(parts[0]),{\"any\":[\(parts[1...2].joined(separator: ","))]},{\"n\":2,\"of\":[\(parts[3...6].joined(separator: ","))]}]}"
                }
                out += ",\"stack\":\(rule)"
            } else {
                plainByCategory[c].append(i)
            }
            out += "}"
        }
        out += "],\"roles\":["
        for i in 0..<nRoles {
            let categories = r.sample(Array(0..<nCategories), r.int(2...4))
            var needs: [Int: Int] = [:]
            let want = r.int(5...12)
            var tries = 0
            while needs.count < want, tries < 1000 {
                tries += 1
                let s = r.pick(categorySkills[r.pick(categories)])
                let level = r.weighted([(1, 45), (2, 40), (3, 15)])
                if (taught[s] ?? 0) >= level || r.int(100) < 2 { needs[s] = level }
            }
            let list = needs.sorted { $0.key < $1.key }.map { "\"s\($0.key)\":\($0.value)" }
            out += (i > 0 ? "," : "") + "{\"id\":\"r\(i)\",\"name\":\"Role \(i)\",\"needs\":{\(list.joined(separator: ","))}}"
        }
        out += "],\"learners\":["
        let plain = plainByCategory.flatMap { $0 }
        var holding = 0
        for i in 0..<learners {
            var held: [Int] = []
            var have = Set<Int>()
            for _ in 0..<r.pick([0, 1, 2, 3, 5, 8, 15]) {
                let j = r.pick(plain)
                guard !have.contains(j) else { continue }
                for p in requires[j] where have.insert(p).inserted { held.append(p) }
                have.insert(j)
                held.append(j)
            }
            let holds = held.map { j -> String in
                defer { holding += 1 }
                return "{\"id\":\"h\(holding)\",\"credential\":\"c\(j)\",\"issued\":\"20\(r.int(18...26))-\(pad(r.int(1...12)))-\(pad(r.int(1...28)))\"}"
            }
            out += (i > 0 ? "," : "") + "{\"id\":\"l\(i)\",\"name\":\"Learner \(i)\",\"holds\":[\(holds.joined(separator: ","))]}"
        }
        return out + "]}\n"
    }

    private func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// A standard normal draw (Box-Muller).
    private func normal(_ r: inout Random) -> Double {
        let u = max(r.unit(), 1e-12), v = r.unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension Double {
    var exp: Double { Glibc.exp(self) }
}
