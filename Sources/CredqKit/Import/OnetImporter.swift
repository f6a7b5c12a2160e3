import Foundation

/// Converts the O*NET database's text release (tab-separated, CRLF, a header row) into a graph
/// in format v1: occupations become roles, with their alternate titles as aliases and their
/// O*NET-SOC code; technology skills become skills, grouped under their UNSPSC commodity as the
/// broader skill; each occupation needs the technologies O*NET links to it.
///
/// O*NET gives no proficiency for technology skills, so a need is level 1, or level 2 where
/// O*NET marks the technology "In Demand" for that occupation. Every line that cannot be read
/// is reported, with its file and line number.
public enum OnetImporter {
    public struct Result: Sendable {
        public var json: String
        public var report: [String]
        public var roles: Int
        public var skills: Int
    }

    public enum ImportError: Error, Sendable, CustomStringConvertible {
        case missingFile(String)
        case badHeader(file: String, expected: [String])
        public var description: String {
            switch self {
            case .missingFile(let f): "\(f) is missing: an O*NET text release has Occupation Data.txt, Alternate Titles.txt and Technology Skills.txt"
            case .badHeader(let f, let expected): "\(f): the header is not \(expected.joined(separator: " | "))"
            }
        }
    }

    public static func convert(directory: String) throws(ImportError) -> Result {
        var report: [String] = []
        func table(_ name: String, _ columns: [String]) throws(ImportError) -> [(line: Int, fields: [String])] {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else { throw .missingFile(name) }
            let lines = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            guard let header = lines.first, header.split(separator: "\t", omittingEmptySubsequences: false).map(String.init).prefix(columns.count).elementsEqual(columns) else {
                throw .badHeader(file: name, expected: columns)
            }
            var rows: [(Int, [String])] = []
            for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                if fields.count < columns.count {
                    report.append("\(name):\(i + 1): skipped: \(fields.count) fields, expected \(columns.count)")
                    continue
                }
                rows.append((i + 1, fields))
            }
            return rows
        }
        let occupations = try table("Occupation Data.txt", ["O*NET-SOC Code", "Title", "Description"])
        let titles = try table("Alternate Titles.txt", ["O*NET-SOC Code", "Alternate Title", "Short Title"])
        let technology = try table("Technology Skills.txt", ["O*NET-SOC Code", "Example", "Commodity Code", "Commodity Title", "Hot Technology", "In Demand"])

        var roleOrder: [String] = []
        var roleNames: [String: String] = [:]
        for (line, f) in occupations {
            guard isCode(f[0]) else { report.append("Occupation Data.txt:\(line): skipped: \"\(f[0])\" is not an O*NET-SOC code"); continue }
            if roleNames[f[0]] != nil { report.append("Occupation Data.txt:\(line): skipped: \(f[0]) listed twice"); continue }
            roleOrder.append(f[0])
            roleNames[f[0]] = f[1]
        }
        var aliases: [String: [String]] = [:]
        for (line, f) in titles {
            guard roleNames[f[0]] != nil else { report.append("Alternate Titles.txt:\(line): skipped: no occupation \(f[0])"); continue }
            for title in [f[1], f[2]] where title != "n/a" && !title.isEmpty && title != roleNames[f[0]] {
                if aliases[f[0], default: []].contains(title) == false { aliases[f[0], default: []].append(title) }
            }
        }
        var commodities: [(code: String, title: String)] = []
        var commoditySeen = Set<String>()
        var skillOrder: [String] = []
        var skills: [String: (name: String, commodity: String)] = [:]
        var techIDs: [String: String] = [:]
        var needs: [String: [(skill: String, level: Int)]] = [:]
        for (line, f) in technology {
            guard roleNames[f[0]] != nil else { report.append("Technology Skills.txt:\(line): skipped: no occupation \(f[0])"); continue }
            guard !f[1].isEmpty, !f[2].isEmpty else { report.append("Technology Skills.txt:\(line): skipped: no technology or commodity"); continue }
            let commodity = "unspsc-\(f[2])"
            if commoditySeen.insert(commodity).inserted { commodities.append((commodity, f[3])) }
            // One id per technology name: ids made from names never merge two technologies
            // (C# and C++); a collision left after `slug` gets a number, reported.
            let id: String
            if let known = techIDs[f[1]] {
                id = known
            } else {
                let base = "tech-" + slug(f[1])
                var made = base, k = 2
                while skills[made] != nil {
                    made = "\(base)-\(k)"
                    k += 1
                }
                if made != base { report.append("technologies \"\(skills[base]!.name)\" and \"\(f[1])\" share the id \(base): the second is \(made)") }
                id = made
                techIDs[f[1]] = id
                skills[id] = (f[1], commodity)
                skillOrder.append(id)
            }
            let level = f[5] == "Y" ? 2 : 1
            if let i = needs[f[0], default: []].firstIndex(where: { $0.skill == id }) {
                needs[f[0]]![i].level = max(needs[f[0]]![i].level, level)
            } else {
                needs[f[0], default: []].append((id, level))
            }
        }

        func s(_ v: String) -> JSONValue { .string(v) }
        var skillValues: [JSONValue] = commodities.map { c in
            .object(JSONObject(members: [("id", s(c.code)), ("name", s(c.title)), ("category", s("technology"))]))
        }
        skillValues += skillOrder.map { id in
            .object(JSONObject(members: [("id", s(id)), ("name", s(skills[id]!.name)), ("category", s("technology")),
                                         ("broader", s(skills[id]!.commodity))]))
        }
        let roleValues: [JSONValue] = roleOrder.map { code in
            var members: [(key: String, value: JSONValue)] = [("id", s(code)), ("name", s(roleNames[code]!))]
            if let a = aliases[code], !a.isEmpty { members.append(("aliases", .array(a.map(s)))) }
            members.append(("needs", .object(JSONObject(members: (needs[code] ?? []).map { ($0.skill, .number(Double($0.level))) }))))
            members.append(("onet", s(code)))
            return .object(JSONObject(members: members))
        }
        let root = JSONValue.object(JSONObject(members: [("credq", .number(1)), ("skills", .array(skillValues)), ("roles", .array(roleValues))]))
        return Result(json: root.serialized(indent: 1) + "\n", report: report, roles: roleValues.count, skills: skillValues.count)
    }

    private static func isCode(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return b.count == 10 && b[2] == UInt8(ascii: "-") && b[7] == UInt8(ascii: ".")
            && [0, 1, 3, 4, 5, 6, 8, 9].allSatisfy { b[$0] >= UInt8(ascii: "0") && b[$0] <= UInt8(ascii: "9") }
    }

    /// A stable id from a name: lower case letters and digits, `+` as "plus", `#` as "sharp"
    /// and `&` as "and" (C++, C#, AT&T), runs of anything else as one '-'.
    static func slug(_ name: String) -> String {
        var out = ""
        var dash = false
        let spelled = name.replacingOccurrences(of: "+", with: " plus ").replacingOccurrences(of: "#", with: " sharp ")
            .replacingOccurrences(of: "&", with: " and ")
        for scalar in spelled.lowercased().unicodeScalars {
            if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") {
                out.unicodeScalars.append(scalar)
                dash = false
            } else if !dash, !out.isEmpty {
                out += "-"
                dash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "x" : out
    }
}
