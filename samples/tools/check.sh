#!/bin/bash
# Summarises every sample capture with tshark: packets, link type, and the facts each one
# is meant to show (TLS versions, suites, SNI, alerts, DNS rcodes, HTTP lines, ICMP, TCP
# flags), plus a count of frames with bad IP/TCP/UDP checksums (must be 0).
# usage: samples/tools/check.sh [FILE...]
cd "$(dirname "$0")/.." || exit 1
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(*.pcap *.pcapng *.gz *.zst)
T() { tshark -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE "$@" 2>/dev/null; }
for f in "${files[@]}"; do
    in=$f
    if [[ $f == *.zst ]]; then in=$(mktemp); zstd -q -d -c "$f" >"$in"; fi
    n=$(T -r "$in" | wc -l)
    enc=$(capinfos -E "$in" 2>/dev/null | sed -n 's/^File encapsulation: *//p')
    bad=$(T -r "$in" -Y 'ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0' | wc -l)
    echo "### $f  packets=$n  encap=$enc  bad_checksums=$bad"
    T -r "$in" -Y 'tls.handshake.type==1' -T fields -e ip.dst -e ipv6.dst -e tcp.dstport \
        -e tls.handshake.extensions_server_name -e tls.handshake.ciphersuite |
        awk -F'\t' '{ n=split($5,c,","); printf "  ClientHello -> %s%s:%s sni=%s suites=%d\n", $1,$2,$3,$4,n }'
    T -r "$in" -Y 'tls.handshake.type==2' -T fields -e ip.src -e ipv6.src -e tls.handshake.version \
        -e tls.handshake.extensions.supported_version -e tls.handshake.ciphersuite |
        awk -F'\t' '{ v=($4!="")?$4:$3; printf "  ServerHello <- %s%s version=%s suite=%s\n", $1,$2,v,$5 }'
    # leaf certificate of each Certificate message: first issuer/subject, its SANs
    T -r "$in" -Y 'tls.handshake.type==11' -V | awk '
        /Handshake Type: Certificate \(11\)/ { if (n) print line; n=1; is=""; su=""; san="" ; line="" }
        /issuer: rdnSequence/ && is=="" { getline; sub(/.*items? \(/,""); sub(/\)$/,""); is=$0 }
        /subject: rdnSequence/ && su=="" { getline; sub(/.*items? \(/,""); sub(/\)$/,""); su=$0 }
        /dNSName: / && su!="" && done_san=="" { sub(/.*dNSName: /,""); san=san $0 " " }
        { line="  Certificate leaf subject=[" su "] issuer=[" is "] SAN=[" san "]" }
        END { if (n) print line }' | sed 's/ \]$/]/'
    T -r "$in" -Y 'tls.alert_message.desc' -T fields -e ip.src -e tls.alert_message.level -e tls.alert_message.desc |
        awk -F'\t' '{ printf "  Alert from %s level=%s desc=%s\n", $1,$2,$3 }'
    T -r "$in" -Y 'dns.flags.response==1' -T fields -e dns.qry.name -e dns.qry.type -e dns.flags.rcode -e dns.cname -e dns.a |
        awk -F'\t' '{ printf "  DNS answer %s type=%s rcode=%s cname=%s a=%s\n", $1,$2,$3,$4,$5 }'
    T -r "$in" -Y 'http.request || http.response' -T fields -e http.request.line -e http.request.method \
        -e http.request.uri -e http.response.code -e http.proxy_authorization |
        awk -F'\t' '{ printf "  HTTP %s%s %s pauth=%s\n", $2,$4,$3,$5 }'
    T -r "$in" -Y 'icmp' -T fields -e ip.src -e icmp.type -e icmp.code |
        awk -F'\t' '{ printf "  ICMP from %s type=%s code=%s\n", $1,$2,$3 }'
    echo "  TCP: SYN=$(T -r "$in" -Y 'tcp.flags==0x002' | wc -l) SYNACK=$(T -r "$in" -Y 'tcp.flags==0x012' | wc -l)" \
        "RST=$(T -r "$in" -Y 'tcp.flags.reset==1' | wc -l) FIN=$(T -r "$in" -Y 'tcp.flags.fin==1' | wc -l)" \
        "segments_of_split_hello=$(T -r "$in" -Y 'tls.handshake.type==1' -T fields -e tcp.segment.count | sort -u | tr '\n' ' ')"
    [[ $f == *.zst ]] && rm -f "$in"
done
