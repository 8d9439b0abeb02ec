import ArgumentParser
import Foundation
import Glibc
import LinuxNet

/// `--color auto|always|never`.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// The options of commands that print for a person: colour, as `ls --color` and `grep --color` take it.
struct TerminalOptions: ParsableArguments {
    @Option(
        name: .customLong("color"),
        help: ArgumentHelp(
            "Colour the text view: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always or never.",
            valueName: "when"
        )
    )
    var color: ColorChoice = .auto

    /// How standard output is written for this run.
    var terminal: Terminal { Terminal.standardOutput(color: color) }
}

/// How text reaches the person reading it: in colour or not, UTF-8 glyphs or plain ASCII, and how wide the
/// terminal is (nil when standard output is not one: pipes and files get lines as they are).
struct Terminal: Equatable {
    var colour: Bool
    var unicode: Bool
    var width: Int?

    /// Colour as `--color` and the environment say (NO_COLOR, https://no-color.org, and TERM=dumb switch `auto`
    /// off); glyphs when the locale's character set is UTF-8 (LC_ALL, else LC_CTYPE, else LANG, as setlocale reads
    /// them); the width of the terminal on standard output.
    static func standardOutput(
        color: ColorChoice,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        isTerminal: Bool = isatty(STDOUT_FILENO) == 1
    ) -> Terminal {
        let colour: Bool
        switch color {
        case .always: colour = true
        case .never: colour = false
        case .auto:
            colour = isTerminal && environment["NO_COLOR"].map(\.isEmpty) != false && environment["TERM"] != "dumb"
        }
        var width: Int?
        if isTerminal {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { width = Int(size.ws_col) }
        }
        if width == nil, isTerminal, let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 {
            width = columns
        }
        return Terminal(colour: colour, unicode: localeIsUTF8(environment), width: width)
    }

    /// Whether the locale's character set is UTF-8. An unset locale is "C", whose character set is ASCII.
    static func localeIsUTF8(_ environment: [String: String]) -> Bool {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? "C"
        let lowered = locale.lowercased()
        return lowered.contains("utf-8") || lowered.contains("utf8")
    }

    /// `text` as this terminal shows it: glyphs replaced by ASCII outside UTF-8 locales, and `fix:`/`check:` lines
    /// wrapped to the width (a wrapped fix command ends its broken lines with ` \`, so it still runs as pasted).
    func render(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        if let width { lines = lines.flatMap { Self.wrap($0, width: width) } }
        let joined = lines.joined(separator: "\n")
        return unicode ? joined : Self.ascii(joined)
    }

    /// The glyphs lxcdiag prints and their ASCII stand-ins, each as wide as the glyph so tables stay aligned.
    static let asciiGlyphs: [(String, String)] = [
        ("├─ ", "|- "), ("└─ ", "`- "), ("│  ", "|  "), ("→", ">"), ("←", "<"), ("↳", "+"), ("·", "."),
        ("✗", "x"), ("✘", "x"), ("✔", "+"), ("✓", "+"), ("—", "-"), ("–", "-"), ("…", "."), ("×", "x"),
        ("≥", ">"), ("≤", "<"), ("µ", "u"), ("“", "\""), ("”", "\""), ("’", "'"),
    ]

    /// `text` with every glyph lxcdiag prints in ASCII, and any other non-ASCII character as `?`.
    static func ascii(_ text: String) -> String {
        var result = text
        for (glyph, plain) in asciiGlyphs { result = result.replacingOccurrences(of: glyph, with: plain) }
        return String(String.UnicodeScalarView(result.unicodeScalars.map { $0.isASCII ? $0 : "?" }))
    }

    /// A `fix:` or `check:` line broken at spaces to `width` columns, continuation lines indented under the text;
    /// other lines as they are.
    static func wrap(_ line: String, width: Int) -> [String] {
        let indent = line.prefix { $0 == " " }
        let rest = line.dropFirst(indent.count)
        guard let label = ["fix: ", "check: "].first(where: { rest.hasPrefix($0) }), line.count > width else {
            return [line]
        }
        let isCommand = label == "fix: "
        let hanging = String(repeating: " ", count: indent.count + label.count)
        let room = max(20, width - hanging.count - (isCommand ? 2 : 0))
        var pieces: [String] = []
        var current = ""
        for word in rest.dropFirst(label.count).split(separator: " ", omittingEmptySubsequences: false) {
            if !current.isEmpty, current.count + 1 + word.count > room {
                pieces.append(current)
                current = String(word)
            } else {
                current = current.isEmpty ? String(word) : current + " " + word
            }
        }
        pieces.append(current)
        return pieces.enumerated().map { index, piece in
            let lead = index == 0 ? String(indent) + label : hanging
            let continued = isCommand && index < pieces.count - 1 ? " \\" : ""
            return lead + piece + continued
        }
    }
}

/// Progress for work that can take more than a second (a /16 scan): one line on standard error rewritten in
/// place, only when standard error is a terminal, at most four times a second; cleared when done.
final class ProgressLine {
    private let enabled: Bool
    private var lastNs: UInt64 = 0
    private var shown = false

    init(enabled: Bool = isatty(STDERR_FILENO) == 1) { self.enabled = enabled }

    func update(_ text: @autoclosure () -> String) {
        guard enabled else { return }
        let nowNs = monotonicNanoseconds()
        guard nowNs - lastNs >= 250_000_000 else { return }
        lastNs = nowNs
        shown = true
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text())".utf8))
    }

    /// Erases the line, so what follows on standard output or error starts clean.
    func clear() {
        guard enabled, shown else { return }
        shown = false
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
