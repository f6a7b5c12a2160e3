/// The text of `.help`: a short course in the language, with examples that run on the default catalog.
public enum Help {
    static let topics: [(name: String, summary: String, text: String)] = [
        ("queries", "listing, filtering, counting", """
        A query starts with a source and chains stages with '|':

          credentials
          credentials where provider = coursera and cost < 300 and weeks <= 12
          credentials where teaches python >= 2 | sort by cost | limit 5
          credentials | where kind in (badge, certificate) | select name, provider, cost
          roles where needs cloud computing
          learners where holds google analytics
          organizations where kind = employer
          count credentials where cost < 100
          holdings where expires < 2027-07-01     one row per holding: learner, credential,
          holdings where status = revoked           provider, issued, expires, status, counted

        Sources: credentials, skills, roles, learners, organizations, holdings, a walk
        (.help walks), a plan (.help planning), or a name bound with let. See .help stages and
        .help conditions. holdings lists every holding whatever .trust says; its column counted
        says whether the setting counts it.
        """),
        ("stages", "where, select, sort by, limit, count, group by, distinct", """
        Stages transform the rows before them:

          | where CONDITION                 keep the rows that match
          | select FIELD [as NAME], ...     choose and rename columns
          | sort by FIELD [asc|desc], ...   order the rows (missing values last)
          | limit N                         keep the first N rows
          | count                           one row: how many
          | group by FIELD                  then count, sum F, avg F, min F or max F per group
          | sum F | avg F | min F | max F   one row over all rows
          | count, avg F, max F ...         several aggregates, one column each
          | distinct                        drop repeated rows

        Example:  credentials | group by provider | count | sort by count desc | limit 5
                  credentials | group by kind | count, avg cost, max weeks
        group by a list field (recognized_by, teaches) puts a row in the group of each item;
        a row whose list is empty goes in the group with no value.
        Fields come from the answer's columns and from the entity behind each row (.schema).

        Arithmetic: + - * / on numbers, with parentheses, in select, where and sort by:
          credentials | select name, cost / weeks as cost_per_week | sort by cost_per_week
          credentials where cost > 100 * weeks
        A missing operand or a division by zero gives no value; text or a date is an error.
        Put spaces around - and + next to a name (cost-5 is one word).
        """),
        ("conditions", "comparisons and relations in where", """
        Comparisons:   cost < 300   kind = badge   name ~ python   kind in (badge, course)
                       provider != coursera   kind not in (degree)   issued >= 2024-01-01
        Combine:       and, or, not, ( ... )
        Relations:     teaches SKILL [op LEVEL]    credentials (or learners, through their holdings)
                       needs SKILL [op LEVEL]      roles
                       uses SKILL                  roles that need it or use it (O*NET's technologies)
                       holds CREDENTIAL            learners
                       holds any of (C, ...)       learners holding at least one of them
                       holds all of (C, ...)       learners holding every one of them
                       holds from ORG              learners holding a credential ORG provides or hosts
                       requires CREDENTIAL         credentials (directly or through prerequisites)
                       recognized by ORG           credentials
                       recognized                  credentials some organisation recognizes
                       accredited [by ORG]         credentials
        Empty:         recognized_by is empty   valid_months is not empty   (a missing value or an
                       empty list)
        Text compares without case; a list matches when any item does. Levels run from
        1 (foundational) to 4 (expert).
        Values are checked before any row is read:
          provider = coursera         an entity field's value resolves as a name does (id, name,
                                      alias, the words typed); an unknown one is an error
          kind = badge                a value no credential has is an error listing those that exist
          cost < 300   name ~ data    numbers with numbers, text with text, ~ only on text
        """),
        ("walks", "skills of, credentials of, credentials teaching, holders of, prerequisites of, parts of, roles related to", """
        Walking the graph:

          skills of aws cloud practitioner        what a credential teaches, with levels
          skills of cloud architect               what a role needs
          skills of mike                          what mike's holdings teach (best level per skill)
          credentials of jane                     what jane holds: each credential with its holding,
                                                  issued, expires and verification status
          credentials teaching python             with the level each teaches
          holders of google data analytics certificate    who holds it, issued and expiry dates
          prerequisites of aws solutions architect professional   in a valid study order
          parts of google data analytics certificate              its stack rule as a tree
          roles related to data analyst           the role's related roles, nearest first
        """),
        ("planning", "stacks toward, nearest, gaps, compare, assume", """
          stacks toward cloud architect                   the 5 cheapest ways to a role
          stacks toward cloud architect for mike by weeks limit 3
          stacks toward google data analytics certificate for jane max cost 500
          stacks toward cloud architect using aws, microsoft, hashicorp, edx
          stacks toward skill python 3 for mike           a skill at a level (1 by default)
          nearest roles for claire limit 3                each role with her best stack, nearest first
          nearest learners toward cloud architect         each learner with their best stack toward it
          gaps for mike toward cloud architect            what is missing, and the cheapest fixes
          gaps for rahul toward mitx-sds-micromasters     each rule's missing parts, "held 2 of 3"
          assume mike holds aws solutions architect associate    what if: plan as if he held it
          forget assumptions                              drop every assumption (.assumptions lists them)
          compare google data analytics certificate, bsc computer science
          compare cloud architect, data analyst           roles: the level each needs of each skill
          compare mike, rahul                             learners: the level each holds, their counts and goals

        A stack is a set of credentials, none already held, that meets the target (every skill
        a role needs at its level, or the credential itself), with every prerequisite and every
        stack rule met, and nothing in it that could be left out. Stacks rank by total cost,
        then count, then weeks (by weeks: weeks first; by count: count first). The answer is
        the true best, proven by the search; max cost and max weeks drop stacks over a bound;
        using keeps only credentials whose provider or platform is one of those; equal stacks
        go by their sorted ids. compare shows each credential's total cost and weeks: its
        cheapest stack from nothing (also the fields total_cost and total_weeks).
        nearest ranks each role (learner) by the best stack stacks toward would give, with the
        same options (equal ones by name); roles already reached come first at cost 0, and
        roles no stack reaches are left out with a note; without limit, every one is listed. assume adds hypothetical holdings (status assumed, always
        counted) that every answer sees until forget assumptions.
        A search that would take more than .maxstates states (2000000; --max-states on the
        command line) stops with an error instead of guessing. Ctrl-C stops a long search; on a
        terminal, one that runs past a second shows its progress on one line.
        """),
        ("trust", "verify signed holdings, and which ones count", """
          verify                          every holding
          verify mike                     one learner's holdings
          verify jane-hubspot             one holding, by its id
          verify as of 2027-06-30         on another day (today by default)
          verify | where status != valid | select learner, credential, status, reason

        Each holding's proof is a compact JWS signed by the credential's provider, or the whole
        signed credential with a Data Integrity proof (eddsa-rdfc-2022, Ed25519Signature2020); it
        is checked against the keys the provider publishes (JWKs, Multikeys), the holding's own
        facts, the provider's revocations and the day. Statuses: valid, tampered, unknown-key, untrusted-key, expired,
        not-yet-valid, revoked, suspended, unsigned, unsupported, malformed.

        Which holdings count in skills of LEARNER, credentials of LEARNER, holds, holders of, gaps
        and stacks ... for:
          .trust unrefuted    all but tampered, revoked, suspended, expired, not-yet-valid,
                              malformed (default)
          .trust verified     only valid ones
          .trust any          every holding
        (--trust on the command line). An answer that left holdings out says so on stderr.
        """),
        ("names", "how names resolve", """
        Write names as bare words or in quotes: stacks toward cloud architect is the same as
        stacks toward "Cloud Solutions Architect". A name resolves to an exact id, else an
        exact name or alias (ignoring case), else the one entity whose name contains every word
        typed. Put role, credential, skill, learner or org before a name to pick the kind:
          skills of role data analyst
        $NAME is a parameter (--param NAME=VALUE) or a variable (let NAME = query).
        """),
        ("formats", "output formats", """
        .format NAME, or --format NAME on the command line:
          table     aligned columns (the default on a terminal)
          tsv       tab-separated with a header (the default in a pipe)
          csv       RFC 4180          json      one array per statement
          ndjson    one object a line markdown  a GitHub table
          dot       Graphviz, for prerequisites of and parts of
        """),
        ("meta", "meta-commands", """
          .help [TOPIC]      this help          .format NAME     output format
          .load FILE         add a graph file   .save FILE       write the graph (v1) atomically
                             (JSON, or a .cqs snapshot from credq snapshot)
          .load --catalog    add the built-in catalog (--catalog on the command line)
          .schema            every field        .stats           counts
          .timer on|off      time statements    .output [FILE]   results to a file, or back
          .read FILE         run a script       .params          parameters and variables
          .maxstates [N]     the planner's budget for one question (default 2000000)
          .maxrows [N]       table rows shown, the first and last (default: what fits the
                             screen, on a terminal); .maxrows 0 shows every row
          .trust [any|unrefuted|verified]   which holdings count (.help trust)
          .assumptions       the holdings assumed with assume (.save never writes them)
          .quit              leave (or Ctrl-D)
        """),
        ("bindings", "let and parameters", """
          let cheap = credentials where cost < 100
          cheap | count
          cheap | where provider = linkedin learning | select name, cost
          credentials where cost < $budget          (credq --param budget=300)
          stacks toward $role max cost $budget limit $n
        A parameter stands wherever a literal may: a value, a name, limit, max cost, max weeks,
        as of. Its value is checked when the statement runs.
        """),
    ]

    public static var topicNames: [String] { topics.map(\.name) }

    static func text(topic: String?) -> String {
        if let topic = topic?.lowercased(), let t = topics.first(where: { $0.name == topic || $0.name.hasPrefix(topic) }) {
            return t.text + "\n"
        }
        // A statement's keyword finds the topic that lists it (.help verify is the trust topic).
        if let topic = topic?.lowercased(), let t = topics.first(where: { t in
            t.summary.lowercased().split(whereSeparator: { !$0.isLetter }).contains { $0 == topic }
        }) {
            return t.text + "\n"
        }
        var out = ""
        if let topic { out += "no help topic \"\(topic)\".\n\n" }
        out += """
        credq answers questions about micro-credentials: what they teach, how they stack, who
        holds them, and which ones lead to a role. Try:

          credentials where teaches python >= 2 | sort by cost | limit 5
          skills of cloud architect
          parts of google data analytics certificate
          learners where holds google analytics

        Statements end at ';' or a new line; a line ending in '|', ',', 'and' or 'or' goes on.
        Help topics (.help TOPIC):

        """
        for t in topics { out += "  \(t.name.padding(12))\(t.summary)\n" }
        return out
    }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
