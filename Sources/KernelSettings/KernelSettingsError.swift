/// A sysctl or netfilter ruleset that could not be read.
package struct KernelSettingsError: Error, Sendable, CustomStringConvertible {
    /// What was being read, such as `/proc/sys/net/ipv4/conf/br0/rp_filter in netns ct1`.
    package var subject: String
    package var reason: String

    package init(subject: String, reason: String) {
        self.subject = subject
        self.reason = reason
    }

    package var description: String { "cannot read \(subject): \(reason)" }
}
