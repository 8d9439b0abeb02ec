import KernelDrops
import Testing

@Suite("Naming raw drop locations through kallsyms")
struct KernelSymbolsTests {
    @Test("an address inside a function is named symbol+offset, from a recorded kallsyms excerpt")
    func resolvesExcerpt() throws {
        let symbols = KernelSymbols(kallsyms: try fixture("kallsyms-excerpt.txt"))
        // nft_do_chain starts at ffffffff81f653d0 on the recording machine; the kernel printed +0x3e8.
        #expect(symbols.name(of: 0xffff_ffff_81f6_57b8) == "nft_do_chain+0x3e8")
        #expect(symbols.resolve(location: "ffffffff81f657b8") == "nft_do_chain+0x3e8")
        #expect(symbols.resolve(location: "0xffffffff82048c10") == "__udp4_lib_rcv+0x0")
        // Already symbolic, or below every symbol: left as the kernel printed it.
        #expect(symbols.resolve(location: "nft_do_chain+0x3e8/0x610") == "nft_do_chain+0x3e8/0x610")
        #expect(symbols.name(of: 0x1000) == nil)
    }

    @Test("data symbols and zeroed (unprivileged) tables are ignored")
    func zeroedTable() {
        let symbols = KernelSymbols(kallsyms: "0000000000000000 T nft_do_chain\n0000000000000000 t ip_rcv\n")
        #expect(symbols.isEmpty)
        #expect(symbols.resolve(location: "ffffffff81f657b8") == "ffffffff81f657b8")
    }
}
