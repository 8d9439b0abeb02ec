import Foundation
import Testing

@testable import lxcdiag

@Suite("terminal: --color, NO_COLOR, ASCII outside UTF-8 locales, fix: lines wrapped to the width")
struct TerminalTests {
    @Test("--color always and never win; auto colours a terminal unless NO_COLOR (non-empty) or TERM=dumb")
    func colour() {
        func colour(_ choice: ColorChoice, _ environment: [String: String], tty: Bool) -> Bool {
            Terminal.standardOutput(color: choice, environment: environment, isTerminal: tty).colour
        }
        #expect(colour(.always, ["NO_COLOR": "1"], tty: false))
        #expect(!colour(.never, [:], tty: true))
        #expect(colour(.auto, ["TERM": "xterm"], tty: true))
        #expect(!colour(.auto, ["TERM": "xterm"], tty: false))
        #expect(!colour(.auto, ["NO_COLOR": "1"], tty: true))
        #expect(colour(.auto, ["NO_COLOR": ""], tty: true))
        #expect(!colour(.auto, ["TERM": "dumb"], tty: true))
        #expect(Terminal.standardOutput(color: .auto, environment: ["COLUMNS": "80"], isTerminal: false).width == nil)
    }

    @Test("the locale's character set decides glyphs: LC_ALL, then LC_CTYPE, then LANG; unset is C")
    func locale() {
        #expect(Terminal.localeIsUTF8(["LANG": "en_US.UTF-8"]))
        #expect(Terminal.localeIsUTF8(["LC_CTYPE": "C.utf8", "LANG": "C"]))
        #expect(!Terminal.localeIsUTF8(["LC_ALL": "C", "LANG": "en_US.UTF-8"]))
        #expect(!Terminal.localeIsUTF8(["LC_ALL": "", "LANG": "POSIX"]))
        #expect(!Terminal.localeIsUTF8([:]))
    }

    @Test("ASCII: tree branches, arrows and marks have ASCII stand-ins, nothing else non-ASCII survives")
    func ascii() {
        let tree = "host\n├─ br0 → ct1  eth0\n│  └─ ↳ em1.211\n· ✗ ← — é"
        let plain = Terminal(colour: false, unicode: false, width: nil).render(tree)
        #expect(plain == "host\n|- br0 > ct1  eth0\n|  `- + em1.211\n. x < - ?")
        let allASCII = plain.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(allASCII)
        #expect(Terminal(colour: false, unicode: true, width: nil).render(tree) == tree)
        // Each stand-in is as wide as its glyph: the trace table's columns stay aligned.
        for (glyph, stand) in Terminal.asciiGlyphs { #expect(glyph.count == stand.count, "\(glyph)") }
    }

    @Test("a long fix: line wraps at spaces with ` \\` so it still runs when pasted; check: wraps plainly")
    func wrap() {
        let fix = "        fix: ip netns exec lab-host bridge link set dev veth-ct1 state 3 && ip -n lab-host link show"
        let lines = Terminal.wrap(fix, width: 50)
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 50 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix(" \\") })
        #expect(lines[0].hasPrefix("        fix: ip netns exec"))
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("             ") })
        let command = lines.map { $0.hasSuffix(" \\") ? String($0.dropLast(2)) : $0 }
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(
            command == "fix: ip netns exec lab-host bridge link set dev veth-ct1 state 3 && ip -n lab-host link show"
        )
        let check = Terminal.wrap("  check: " + String(repeating: "word ", count: 20), width: 40)
        #expect(check.count > 1 && !check.contains { $0.hasSuffix("\\") })
        #expect(Terminal.wrap("a line that is not a fix line but is long enough to wrap", width: 20).count == 1)
        #expect(Terminal(colour: false, unicode: true, width: nil).render(fix) == fix)
    }
}
