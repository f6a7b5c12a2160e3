import Foundation

/// Which skills of an import are skills a graph already has under another name: O*NET's
/// technologies and the default catalog's skills, by default. Applied when an import joins a
/// graph (`credq import onet DIR --catalog`, or `-g GRAPH`), to the skills that graph has, so
/// that a role imported from O*NET asks for the catalog's "Cloud Computing" where O*NET says
/// "Amazon Web Services AWS software", and the catalog's credentials can meet it.
///
/// A mapping is a list of (name of the imported skill, id of the graph's skill). Several
/// imported skills may be one graph skill (AWS, Azure and Google Cloud are all cloud
/// computing); a role then needs it once, at the highest level asked.
public enum SkillMapping {
    public typealias Entry = (name: String, skill: String)

    /// O*NET 29 technology names (as `Technology Skills.txt` spells them) and the default
    /// catalog's skill each one is. A technology the catalog has no skill for stays a
    /// technology of its own.
    public static let onetToCatalog: [Entry] = [
        ("Amazon Web Services AWS software", "cloud-computing"), ("Microsoft Azure software", "cloud-computing"),
        ("Google Cloud software", "cloud-computing"),
        ("Microsoft Excel", "spreadsheets"),
        ("Python", "python"), ("R", "r"),
        ("Structured query language SQL", "sql"), ("Microsoft SQL Server", "sql"), ("MySQL", "sql"), ("PostgreSQL", "sql"),
        ("Tableau", "data-visualization"), ("Microsoft Power BI", "data-visualization"),
        ("IBM SPSS Statistics", "statistics"), ("SAS", "statistics"), ("Minitab", "statistics"),
        ("Scikit-learn", "machine-learning"), ("TensorFlow", "deep-learning"), ("PyTorch", "deep-learning"), ("Keras", "deep-learning"),
        ("OpenAI ChatGPT", "generative-ai"),
        ("Linux", "linux"), ("Red Hat Enterprise Linux", "linux"),
        ("Kubernetes", "kubernetes"), ("Docker", "kubernetes"),
        ("Ansible software", "infrastructure-as-code"), ("Amazon Web Services AWS CloudFormation", "infrastructure-as-code"),
        ("IBM Terraform", "infrastructure-as-code"),
        ("Wireshark", "network-security"), ("Snort", "network-security"), ("Splunk Enterprise", "incident-response"),
        ("Microsoft Project", "project-management"), ("Smartsheet", "project-management"), ("Atlassian JIRA", "agile"),
        ("Google Analytics", "web-analytics"), ("Adobe Analytics", "web-analytics"),
        ("Search engine optimization SEO software", "seo"), ("Hootsuite", "social-media-marketing"),
        ("Autodesk AutoCAD", "cad"), ("Dassault Systemes SolidWorks", "cad"), ("Dassault Systemes CATIA", "cad"),
        ("PTC Creo Parametric", "cad"), ("Autodesk Inventor", "cad"), ("Siemens NX", "cad"),
        ("Epic Systems", "ehr-systems"), ("Cerner Millennium", "ehr-systems"), ("MEDITECH software", "ehr-systems"),
        ("Git", "software-engineering"), ("GitHub", "software-engineering"),
    ]

    /// A mapping file: one `name<TAB>skill id` per line; `#` starts a comment line.
    public static func parse(_ text: String, file: String) -> Result<[Entry], MappingError> {
        var entries: [Entry] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                return .failure(MappingError(text: "\(file):\(i + 1): error: expected a name, a tab and a skill id"))
            }
            entries.append((String(fields[0]), String(fields[1])))
        }
        return .success(entries)
    }

    public struct MappingError: Error, Sendable { public var text: String }
}
