// Shared by every fuzz target (run.sh stages it into each module).
import Glibc

/// `precondition` that still says which invariant broke in the -O builds the fuzzers run (the standard one drops
/// its message there): prints the place and the message, then aborts, which libFuzzer reports as a crash.
func require(
    _ condition: @autoclosure () -> Bool,
    _ message: @autoclosure () -> String = "",
    file: StaticString = #fileID,
    line: UInt = #line
) {
    guard !condition() else { return }
    fputs("fuzz: invariant broken at \(file):\(line): \(message())\n", stderr)
    abort()
}
