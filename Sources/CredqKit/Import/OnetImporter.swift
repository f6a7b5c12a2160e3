import Foundation

/// Converts the O*NET database's text release (tab-separated, CRLF, a header row) into a graph
/// in format v1: occupations become roles, with their alternate titles as aliases, their
/// O*NET-SOC code and (from `Related Occupations.txt`, when the release has it) their related
/// occupations, nearest first; technology skills become skills, grouped under their UNSPSC
/// commodity as the broader skill.
///
/// An occupation needs, at level 2, the technologies O*NET marks "In Demand" for it (its own
/// signal of what matters for hiring; O*NET gives no proficiency); every other technology it
/// links is in the role's `uses` list, which `roles where uses SKILL` reads and no plan aims at.
/// Lines that cannot be read are reported once per file and reason, with their count and the
/// first line numbers.
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
        case badMapping(String)
        public var description: String {
            switch self {
            case .badMapping(let why): why
            case .missingFile(let f): "\(f) is missing: an O*NET text release has Occupation Data.txt, Alternate Titles.txt and Technology Skills.txt"
            case .badHeader(let f, let expected): "\(f): the header is not \(expected.joined(separator: " | "))"
            }
        }
    }

    /// The files read, in the order they are read; the last is optional.
    public static let files = ["Occupation Data.txt", "Alternate Titles.txt", "Technology Skills.txt", "Related Occupations.txt"]

    public static func convert(directory: String) throws(ImportError) -> Result {
        var report: [String] = []
        // Lines left out, by file and reason: counted, with the first few line numbers.
        var skippedLines: [(file: String, reason: String, lines: [Int])] = []
        func skip(_ file: String, _ line: Int, _ reason: String) {
            if let i = skippedLines.firstIndex(where: { $0.file == file && $0.reason == reason }) {
                skippedLines[i].lines.append(line)
            } else {
                skippedLines.append((file, reason, [line]))
            }
        }
        /// The rows of a file, as the named columns (found by their header, in any order).
        func table(_ name: String, _ columns: [String], optional: Bool = false) throws(ImportError) -> [(line: Int, fields: [String])]? {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                if optional { return nil }
                throw .missingFile(name)
            }
            let lines = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            let header = lines.first.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) } ?? []
            let positions = columns.compactMap { header.firstIndex(of: $0) }
            guard positions.count == columns.count else { throw .badHeader(file: name, expected: columns) }
            let width = (positions.max() ?? 0) + 1
            var rows: [(Int, [String])] = []
            for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                if fields.count < width {
                    skip(name, i + 1, "\(fields.count) fields, expected \(header.count)")
                    continue
                }
                rows.append((i + 1, positions.map { fields[$0] }))
            }
            return rows
        }
        let occupations = try table(files[0], ["O*NET-SOC Code", "Title", "Description"])!
        let titles = try table(files[1], ["O*NET-SOC Code", "Alternate Title", "Short Title"])!
        let technology = try table(files[2], ["O*NET-SOC Code", "Example", "Commodity Code", "Commodity Title", "Hot Technology", "In Demand"])!
        let relatedRows = try table(files[3], ["O*NET-SOC Code", "Related O*NET-SOC Code", "Index"], optional: true)

        var roleOrder: [String] = []
        var roleNames: [String: String] = [:]
        for (line, f) in occupations {
            guard isCode(f[0]) else { skip(files[0], line, "not an O*NET-SOC code"); continue }
            if roleNames[f[0]] != nil { skip(files[0], line, "an occupation listed twice"); continue }
            roleOrder.append(f[0])
            roleNames[f[0]] = f[1]
        }
        var aliases: [String: [String]] = [:]
        for (line, f) in titles {
            guard roleNames[f[0]] != nil else { skip(files[1], line, "no such occupation"); continue }
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
            guard roleNames[f[0]] != nil else { skip(files[2], line, "no such occupation"); continue }
            guard !f[1].isEmpty, !f[2].isEmpty else { skip(files[2], line, "no technology or commodity"); continue }
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

        // Related occupations, nearest (lowest index) first.
        var related: [String: [(index: Double, code: String)]] = [:]
        if let relatedRows {
            for (line, f) in relatedRows {
                guard roleNames[f[0]] != nil, roleNames[f[1]] != nil else { skip(files[3], line, "no such occupation"); continue }
                guard f[0] != f[1] else { skip(files[3], line, "an occupation related to itself"); continue }
                guard !(related[f[0]] ?? []).contains(where: { $0.code == f[1] }) else { skip(files[3], line, "a relation listed twice"); continue }
                related[f[0], default: []].append((Double(f[2]) ?? .infinity, f[1]))
            }
        } else {
            report.append("\(files[3]) is not in the folder: roles have no related roles")
        }
        for (file, reason, lines) in skippedLines {
            let shown = lines.prefix(5).map(String.init).joined(separator: ", ") + (lines.count > 5 ? ", ..." : "")
            report.append("\(file): \(lines.count) line\(lines.count == 1 ? "" : "s") left out: \(reason) (line\(lines.count == 1 ? "" : "s") \(shown))")
        }

        func s(_ v: String) -> JSONValue { .string(v) }
        var skillValues: [JSONValue] = commodities.map { c in
            .object(JSONObject([(Format.Skill.id, s(c.code)), (.name, s(c.title)), (.category, s("technology"))]))
        }
        skillValues += skillOrder.map { id in
            .object(JSONObject([(Format.Skill.id, s(id)), (.name, s(skills[id]!.name)), (.category, s("technology")),
                                (.broader, s(skills[id]!.commodity))]))
        }
        let roleValues: [JSONValue] = roleOrder.map { code in
            // In Demand technologies are needs; the others are what the role uses.
            let links = needs[code] ?? []
            let used = links.filter { $0.level < 2 }
            let relatedCodes = (related[code] ?? []).enumerated().sorted { ($0.element.index, $0.offset) < ($1.element.index, $1.offset) }.map { $0.element.code }
            return .object(JSONObject([
                (Format.Role.id, s(code)), (.name, s(roleNames[code]!)),
                (.aliases, aliases[code].flatMap { $0.isEmpty ? nil : .array($0.map(s)) }),
                (.needs, .object(JSONObject(members: links.filter { $0.level == 2 }.map { ($0.skill, .number(2)) }))),
                (.onet, s(code)),
                (.related, relatedCodes.isEmpty ? nil : .array(relatedCodes.map(s))),
                (.uses, used.isEmpty ? nil : .array(used.map { s($0.skill) })),
            ]))
        }
        let needless = roleOrder.filter { code in !(needs[code] ?? []).contains { $0.level == 2 } }.count
        if needless > 0 {
            report.append("\(needless) occupation\(needless == 1 ? " has" : "s have") no In Demand technology: \(needless == 1 ? "it needs" : "they need") no skill, so a plan toward \(needless == 1 ? "it" : "one") is empty (\(needless == 1 ? "its" : "their") technologies are in uses)")
        }
        let root = JSONValue.object(JSONObject([(Format.Top.credq, .number(Double(Format.version))), (.skills, .array(skillValues)), (.roles, .array(roleValues))]))
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
