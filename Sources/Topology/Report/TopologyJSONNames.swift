internal import JSONConvention

// `lxcdiag.topo/1` names a link's fields as `ip -j link` does, so iproute2 users read them at once.

extension Link: JSONKeyNaming {
    package static var jsonKeyNames: [String: String] {
        [
            "index": "ifindex", "name": "ifname", "mac": "address", "operState": "operstate",
            "linkIndex": "link_index", "linkNetnsID": "link_netnsid",
        ]
    }
}

extension LinkReference: JSONKeyNaming {
    package static var jsonKeyNames: [String: String] { ["index": "ifindex", "name": "ifname"] }
}
