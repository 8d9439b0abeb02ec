/// A sysctl or netfilter ruleset that could not be read.
public struct KernelSettingsError: Error, Sendable, CustomStringConvertible {
    /// What was being read, such as `/proc/sys/net/ipv4/conf/br0/rp_filter in netns ct1`.
    public var subject: String
    public var reason: String

    public init(subject: String, reason: String) {
        self.subject = subject
        self.reason = reason
    }

    public var description: String { "cannot read \(subject): \(reason)" }
}
