import Foundation
import Testing

/// The REPL driven through a pseudo-terminal, keystroke by keystroke, as a person uses it.
@Suite(.serialized) struct REPLTests {
    static func environment(history: URL) -> [String: String] {
        ["CREDQ_HISTORY": history.path, "HOME": history.deletingLastPathComponent().path]
    }

    @Test func answersAQueryAndLeavesOnCtrlD() throws {
        let folder = try Harness.temporaryFolder()
        let term = try Terminal(environment: Self.environment(history: folder.appendingPathComponent("history")))
        #expect(term.waitFor("credq> "))
        term.type("count roles\r")
        #expect(term.waitFor("   10"))
        #expect(term.waitFor("(1 row)"))
        term.expectPrompt()
        term.type("\u{4}")
        #expect(term.exitStatus() == 0)
    }

    /// On a terminal (this one is 40 lines high) a long table shows what fits the screen, its
    /// first and last rows, and says how many there were; `.maxrows` changes how many.
    @Test func aLongTableShowsWhatFitsTheScreen() throws {
        let folder = try Harness.temporaryFolder()
        let term = try Terminal(environment: Self.environment(history: folder.appendingPathComponent("history")))
        #expect(term.waitFor("credq> "))
        term.type(".maxrows\r")
        #expect(term.waitFor("maxrows: 34 (what fits the screen)"))
        term.type("credentials | select id\r")
        #expect(term.waitFor(" rows, 34 shown: .maxrows 0 or -f tsv for all)"))
        term.expectPrompt()
        term.type(".maxrows 4\r")
        term.type("skills | select id\r")
        #expect(term.waitFor(" rows, 4 shown: .maxrows 0 or -f tsv for all)"))
        term.expectPrompt()
        term.type("\u{4}")
        #expect(term.exitStatus() == 0)
    }

    /// readline's editing keys: Ctrl-A to the start, arrows, Ctrl-U to clear, Up for history.
    @Test func editingKeysChangeTheLineBeforeItRuns() throws {
        let folder = try Harness.temporaryFolder()
        let term = try Terminal(environment: Self.environment(history: folder.appendingPathComponent("history")))
        #expect(term.waitFor("credq> "))
        term.type("ount roles")
        term.type("\u{1}c\r")  // Ctrl-A, then the missing first letter
        #expect(term.waitFor("   10"))
        term.expectPrompt()
        term.type("count rxles")
        term.type("\u{1B}[D\u{1B}[D\u{1B}[D\u{7F}o\u{1B}[C\r")  // Left ×3, Backspace, "o", Right: "roles"
        #expect(term.waitFor("   10"))
        term.expectPrompt()
        term.type("garbage that is never run\u{15}count learners\r")  // Ctrl-U clears the line
        #expect(term.waitFor("    4"))
        term.expectPrompt()
        term.type("\u{1B}[A\u{1B}[A\r")  // Up twice: the statement before last again
        #expect(term.waitFor("   10"))
        term.expectPrompt()
        term.type("\u{4}")
        #expect(term.exitStatus() == 0)
        let history = try String(contentsOf: folder.appendingPathComponent("history"), encoding: .utf8)
        #expect(!history.contains("garbage"))
    }

    @Test func tabCompletesANameFromItsFirstLetters() throws {
        let folder = try Harness.temporaryFolder()
        let term = try Terminal(environment: Self.environment(history: folder.appendingPathComponent("history")))
        #expect(term.waitFor("credq> "))
        term.type("skills of jan\t")
        // readline writes only what the completion adds to the line.
        #expect(term.waitFor("e Okafor"))
        term.type("\r")
        #expect(term.waitFor("content-strategy"))
        term.expectPrompt()
        term.type("credentials | so\t")
        #expect(term.waitFor("rt by"))
        term.type(" name | limit 1 | select name\r")
        #expect(term.waitFor("Agile Foundations"))
        term.expectPrompt()
        term.type("roles rel\t")
        #expect(term.waitFor("ated to"))
        term.type(" data analyst | limit 1 | select id\r")
        #expect(term.waitFor("health-informatics-specialist"))
        term.expectPrompt()
        term.type(".fo\t")
        #expect(term.waitFor("rmat"))
        term.type(" json\r")
        term.expectPrompt()
        term.type("count roles\r")
        #expect(term.waitFor("[\r\n  {\"count\":10}\r\n]"))
        term.expectPrompt()
        term.type("\u{4}")
        #expect(term.exitStatus() == 0)
    }

    /// Names that bare words cannot hold are completed in quotes, inside an open quote too;
    /// fields complete after sort by.
    @Test func tabQuotesNamesThatNeedItAndCompletesFields() throws {
        let folder = try Harness.temporaryFolder()
        let term = try Terminal(environment: Self.environment(history: folder.appendingPathComponent("history")))
        #expect(term.waitFor("credq> "))
        term.type("skills of \"Foun\t")
        #expect(term.waitFor("dations: Data, Data, Everywhere\""))
        term.type("\r")
        #expect(term.waitFor("data-analysis"))
        term.expectPrompt()
        term.type("parts of google data analytics cap\t")
        #expect(term.waitFor("\"Google Data Analytics Capstone: Complete a Case Study\""))
        term.type("\r")
        #expect(term.waitFor("is not a composite credential"))
        term.expectPrompt()
        term.type("credentials | sort by total_w\t")
        #expect(term.waitFor("eeks"))
        term.type(" desc | limit 1 | select id\r")
        #expect(term.waitFor("bs-mechanical-engineering"))
        term.expectPrompt()
        term.type("\u{4}")
        #expect(term.exitStatus() == 0)
    }

    /// The statements for asking more complete as the others do: their words, then names.
    @Test func tabCompletesTheStatementsForAskingMore() throws {
        let folder = try Harness.temporaryFolder()
        let term = try Terminal(environment: Self.environment(history: folder.appendingPathComponent("history")))
        #expect(term.waitFor("credq> "))
        term.type("nearest ro\t")
        #expect(term.waitFor("les for"))
        term.type(" cla\t")
        #expect(term.waitFor("ire Dubois"))
        term.type(" limit 1 | select role\r")
        #expect(term.waitFor("Data Analyst"))
        term.expectPrompt()
        term.type("assume mi\t")
        #expect(term.waitFor("ke Brennan"))
        term.type(" holds aws certified solutions architect - as\t")
        // The name has a '-' standing alone: it is completed in quotes.
        #expect(term.waitFor("\"AWS Certified Solutions Architect - Associate\""))
        term.type("\r")
        #expect(term.waitFor("note: assuming Mike Brennan holds"))
        term.expectPrompt()
        term.type(".assumptions\r")
        #expect(term.waitFor("aws-solutions-architect-associate"))
        term.expectPrompt()
        term.type("\u{4}")
        #expect(term.exitStatus() == 0)
    }

    @Test func ctrlCClearsTheLineAndTheREPLCarriesOn() throws {
        let folder = try Harness.temporaryFolder()
        let term = try Terminal(environment: Self.environment(history: folder.appendingPathComponent("history")))
        #expect(term.waitFor("credq> "))
        term.type("credentials wh")
        #expect(term.waitFor("credentials wh"))
        term.type("\u{3}")
        term.clear()
        term.type("count learners\r")
        #expect(term.waitFor("    4"))
        #expect(!term.screen.contains("error"))
        term.expectPrompt()
        // Ctrl-C in a statement continued over lines drops the whole statement.
        term.type("credentials |\r")
        #expect(term.waitFor("...> "))
        term.type("\u{3}")
        term.clear()
        term.type("count roles\r")
        #expect(term.waitFor("   10"))
        #expect(!term.screen.contains("error"))
        term.expectPrompt()
        term.type("\u{4}")
        #expect(term.exitStatus() == 0)
    }

    @Test func continuationPromptForAnUnfinishedStatement() throws {
        let folder = try Harness.temporaryFolder()
        let term = try Terminal(environment: Self.environment(history: folder.appendingPathComponent("history")))
        #expect(term.waitFor("credq> "))
        term.type("credentials where cost < 45 and\r")
        #expect(term.waitFor("  ...> "))
        term.type("kind = course |\r")
        #expect(term.waitFor("  ...> "))
        term.type("count\r")
        #expect(term.waitFor("   11"))
        term.expectPrompt()
        term.type("\u{4}")
        #expect(term.exitStatus() == 0)
    }

    @Test func historySurvivesARestart() throws {
        let folder = try Harness.temporaryFolder()
        let history = folder.appendingPathComponent("history")
        do {
            let term = try Terminal(environment: Self.environment(history: history))
            #expect(term.waitFor("credq> "))
            term.type("credentials |\r")
            #expect(term.waitFor("...> "))
            term.type("count\r")
            #expect(term.waitFor("  104"))
            term.expectPrompt()
            term.type("\u{4}")
            #expect(term.exitStatus() == 0)
        }
        // One entry per statement, even one typed over two lines.
        #expect(try String(contentsOf: history, encoding: .utf8) == "credentials | count\n")
        let again = try Terminal(environment: Self.environment(history: history))
        #expect(again.waitFor("credq> "))
        again.type("\u{1B}[A")
        #expect(again.waitFor("credentials | count"))
        again.type("\r")
        #expect(again.waitFor("  104"))
        again.expectPrompt()
        again.type("\u{4}")
        #expect(again.exitStatus() == 0)
    }

    @Test func unwritableHistoryWarnsAndCarriesOn() throws {
        let term = try Terminal(environment: ["CREDQ_HISTORY": "/nonexistent-folder/credq/history"])
        #expect(term.waitFor("credq> "))
        term.type("count roles\r")
        #expect(term.waitFor("warning: cannot write history"))
        #expect(term.waitFor("   10"))
        term.expectPrompt()
        term.type("count learners\r")
        #expect(term.waitFor("    4"))
        term.expectPrompt()
        term.type("\u{4}")
        #expect(term.exitStatus() == 0)
    }

    @Test func errorsInTheREPLAreReportedAndItCarriesOn() throws {
        let folder = try Harness.temporaryFolder()
        let term = try Terminal(environment: Self.environment(history: folder.appendingPathComponent("history")))
        #expect(term.waitFor("credq> "))
        term.type("skills of cloud archtect\r")
        #expect(term.waitFor("did you mean \"Cloud Solutions Architect\""))
        // On a terminal, errors are in colour.
        #expect(term.screen.contains("\u{1B}[1;31merror:"))
        term.expectPrompt()
        term.type(".quit\r")
        #expect(term.exitStatus() == 0)
    }

    @Test func colourOnATerminalUnlessNoColor() throws {
        let folder = try Harness.temporaryFolder()
        let coloured = try Terminal(environment: Self.environment(history: folder.appendingPathComponent("h1")))
        #expect(coloured.waitFor("credq> "))
        coloured.type("count roles\r")
        #expect(coloured.waitFor("(1 row)"))
        #expect(coloured.screen.contains("\u{1B}[1mcount"))
        var env = Self.environment(history: folder.appendingPathComponent("h2"))
        env["NO_COLOR"] = "1"
        let plain = try Terminal(environment: env)
        #expect(plain.waitFor("credq> "))
        plain.type("count roles\r")
        #expect(plain.waitFor("(1 row)"))
        #expect(!plain.screen.contains("\u{1B}[1m"))
        #expect(!plain.screen.contains("\u{1B}[2m"))
        let flag = try Terminal(arguments: ["--no-color"], environment: Self.environment(history: folder.appendingPathComponent("h3")))
        #expect(flag.waitFor("credq> "))
        flag.type("count roles\r")
        #expect(flag.waitFor("(1 row)"))
        #expect(!flag.screen.contains("\u{1B}[1m"))
    }

    /// A graph where a role has a vast number of minimal stacks: every one of 80 equal-priced
    /// credentials teaches three of the twelve skills the role needs.
    static func vastGraph() -> String {
        let skills = (0..<12).map { "{\"id\": \"s\($0)\", \"name\": \"S\($0)\"}" }.joined(separator: ", ")
        let credentials = (0..<80).map { i in
            let taught = Set([i % 12, (i * 5 + 1) % 12, (i * 7 + 3) % 12]).sorted().map { "\"s\($0)\": 1" }
            return "{\"id\": \"c\(i)\", \"name\": \"C\(i)\", \"kind\": \"course\", \"provider\": \"o\", \"cost\": 10, \"weeks\": 1, "
                + "\"teaches\": {\(taught.joined(separator: ", "))}}"
        }.joined(separator: ", ")
        let needs = (0..<12).map { "\"s\($0)\": 1" }.joined(separator: ", ")
        return "{\"credq\": 1, \"organizations\": [{\"id\": \"o\", \"name\": \"O\", \"kind\": \"platform\"}], "
            + "\"skills\": [\(skills)], \"credentials\": [\(credentials)], "
            + "\"roles\": [{\"id\": \"r\", \"name\": \"Everything\", \"needs\": {\(needs)}}]}"
    }

    /// The REPL on `vastGraph`, asked for every stack: a search that runs for many seconds.
    static func askTheVastQuestion() throws -> Terminal {
        let folder = try Harness.temporaryFolder()
        let graph = folder.appendingPathComponent("vast.json")
        try vastGraph().write(to: graph, atomically: true, encoding: .utf8)
        let term = try Terminal(arguments: ["-g", graph.path], environment: environment(history: folder.appendingPathComponent("h")))
        #expect(term.waitFor("credq> "))
        term.clear()
        term.type("stacks toward everything limit 10000000 | count\r")
        return term
    }

    @Test func ctrlCStopsALongSearchAndTheREPLCarriesOn() throws {
        let term = try Self.askTheVastQuestion()
        #expect(term.waitFor("| count"))
        Thread.sleep(forTimeInterval: 1.0)
        #expect(!term.screen.contains("credq> "), "the search ended before Ctrl-C: the test graph is too small")
        term.type("\u{3}")
        #expect(term.waitFor("interrupted"))
        term.expectPrompt()
        term.type("count credentials\r")
        #expect(term.waitFor("   80"))
        term.expectPrompt()
        term.type("\u{4}")
        #expect(term.exitStatus() == 0)
    }

    @Test func aLongPlanShowsItsProgressOnOneLineAndClearsIt() throws {
        let term = try Self.askTheVastQuestion()
        #expect(term.waitFor("planning (Ctrl-C stops): ", seconds: 30))
        term.type("\u{3}")
        #expect(term.waitFor("interrupted"))
        let screen = term.screen
        if let line = screen.range(of: "planning (Ctrl-C stops): ", options: .backwards) {
            // Rewritten in place, and erased (before anything else is written) when the plan ends.
            let rest = screen[line.lowerBound...]
            let erased = rest.range(of: "\r\u{1B}[K")
            #expect(erased != nil)
            if let erased { #expect(!rest[..<erased.lowerBound].contains("\n")) }
            #expect(rest.contains(" states, ") && rest.contains(" s; "))
        }
        term.expectPrompt()
        term.type("\u{4}")
        #expect(term.exitStatus() == 0)
    }
}
