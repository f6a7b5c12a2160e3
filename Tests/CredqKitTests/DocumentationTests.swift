import Foundation
import Testing
@testable import CredqKit

/// What the documentation shows must be what credq does: every `credq>` example in the README
/// gives the answer printed under it (a line `...` stands for lines left out), and every
/// example in `.help` runs without an error.
@Suite struct DocumentationTests {
    static let readme = Support.root.appendingPathComponent("README.md")
    /// The width the README's tables are drawn at.
    static let width = 120

    /// A session as the README's examples run: the catalog, a table for people, holdings
    /// verified on the day the examples were written.
    static func session(_ box: OutputBox) -> Session {
        let session = Session(graph: Support.catalog, sources: SourceFiles.defaultCatalogSources, format: .table,
                              style: Renderer.Style(color: false, width: width),
                              parameters: ["budget": "300", "n": "2", "role": "data analyst"],
                              out: { box.text += $0 }, err: { box.text += $0 })
        session.verificationDay = Day("2026-11-30")
        return session
    }

    /// Whether an answer is the one shown, where a line `...` stands for lines left out.
    static func matches(_ answer: [String], _ shown: [String]) -> Bool {
        guard let gap = shown.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "..." }) else { return answer == shown }
        let head = Array(shown[..<gap]), tail = Array(shown[(gap + 1)...])
        return answer.count >= head.count + tail.count && Array(answer.prefix(head.count)) == head
            && (tail.isEmpty || matches(Array(answer.suffix(tail.count)), tail))
    }

    @Test func readmeExamplesGiveTheAnswersShown() throws {
        let lines = try String(contentsOf: Self.readme, encoding: .utf8).components(separatedBy: "\n")
        var examples = 0
        var i = 0
        while i < lines.count {
            // A block of `credq> STATEMENT` lines, each followed by its answer.
            guard lines[i].hasPrefix("credq> ") else {
                i += 1
                continue
            }
            let statement = String(lines[i].dropFirst("credq> ".count))
            var end = i + 1
            while end < lines.count, lines[end] != "```", !lines[end].hasPrefix("credq> ") { end += 1 }
            let shown = Array(lines[(i + 1)..<end])
            let box = OutputBox()
            Self.session(box).run(statement, name: "README")
            let answer = box.text.components(separatedBy: "\n").dropLast(box.text.hasSuffix("\n") ? 1 : 0)
            #expect(Self.matches(Array(answer), shown), "README: \(statement)\n\(box.text)")
            examples += 1
            i = end
        }
        #expect(examples >= 8)
    }

    /// The statements `.help` shows as examples: indented lines that start with a statement,
    /// up to the two spaces before their description.
    static var helpExamples: [String] {
        let starts = ["credentials", "skills", "roles", "learners", "organizations", "count", "stacks", "gaps", "compare",
                      "verify", "holders", "prerequisites", "parts", "let", "cheap", "holdings", "nearest", "assume", "forget"]
        var out: [String] = []
        for topic in Help.topics {
            for line in topic.text.components(separatedBy: "\n") where line.hasPrefix("  ") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard let first = trimmed.split(separator: " ").first, starts.contains(String(first)) else { continue }
                let statement = trimmed.components(separatedBy: "   ").first!.components(separatedBy: "  (").first!
                out.append(statement.trimmingCharacters(in: .whitespaces))
            }
        }
        return out
    }

    @Test func helpExamplesRun() {
        let examples = Self.helpExamples
        #expect(examples.count >= 30)
        let box = OutputBox()
        let session = Self.session(box)
        session.run("let cheap = credentials where cost < 100", name: "help")
        for statement in examples {
            box.text = ""
            let outcome = session.run(statement, name: "help")
            #expect(outcome.failures == 0, "\(statement): \(box.text)")
        }
    }
}

extension DocumentationTests {
    /// `.help` speaks of every word of the language that `Keywords` lists (the one table the
    /// parser, completion and suggestions read).
    @Test func helpCoversEveryKeyword() {
        let all = ([nil] + Help.topicNames).map { Help.text(topic: $0) }.joined(separator: "\n")
        for word in Keywords.sources + Keywords.stages + Keywords.relations {
            #expect(all.contains(word), "\(word) is not in .help")
        }
        for command in Keywords.metaCommands where command != "quit" {
            #expect(all.contains("." + command), ".\(command) is not in .help")
        }
    }

    /// `.help` of a statement's keyword is the topic that lists it.
    @Test func helpOfAStatementsKeyword() {
        #expect(Help.text(topic: "verify") == Help.text(topic: "trust"))
        #expect(Help.text(topic: "nearest") == Help.text(topic: "planning"))
        #expect(Help.text(topic: "VERIFY") == Help.text(topic: "trust"))
        #expect(Help.text(topic: "nothing-like-it").hasPrefix("no help topic \"nothing-like-it\"."))
    }
}
