#!/bin/bash
# Builds (lab_up) and removes (lab_down) the ARP lab: namespace $P-br holds bridge br0; $P-scan (198.51.100.1/24)
# and responders $P-r1..$P-rN (198.51.100.11..) hang off it by veth pairs, plus $P-dup claiming r1's address.
# Source it; set P (namespace prefix) and N (responder count) first. Only namespaces are touched.
lab_up() {
    ip netns add "$P-br"
    ip -n "$P-br" link add br0 type bridge
    ip -n "$P-br" link set br0 up
    ip -n "$P-br" link set lo up
    lab_port scan 198.51.100.1
    for i in $(seq 1 "$N"); do lab_port "r$i" "198.51.100.$((10 + i))"; done
    lab_port dup 198.51.100.11
}

# lab_port NAME ADDRESS: a namespace $P-NAME with eth0 at ADDRESS/24 on the bridge.
lab_port() {
    local ns="$P-$1" port="p-$1"
    ip netns add "$ns"
    ip -n "$P-br" link add "$port" type veth peer name eth0 netns "$ns"
    ip -n "$P-br" link set "$port" master br0 up
    [ -n "$2" ] && ip -n "$ns" addr add "$2/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
}

lab_down() {
    for ns in $(ip netns list | awk '{print $1}' | grep "^$P-"); do ip netns del "$ns"; done
}
