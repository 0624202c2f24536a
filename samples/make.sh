#!/bin/bash
# Makes arcaudit's sample captures with real TLS stacks, inside two network namespaces
# of its own. Run as root:   sudo samples/make.sh            (all samples)
#                            sudo samples/make.sh NAME...    (only these, e.g. healthy-agent)
#
# Network rule: every packet goes between the namespaces created here (a veth pair) or
# over their loopback; neither namespace has a route anywhere else, and no name is ever
# resolved outside them (dnsmasq in the "net" namespace answers; /etc/netns/<ns>/ files
# replace resolv.conf and hosts). The namespaces use test addresses (198.18.0.0/15,
# fd00::/8); tools/rewrite.py maps them offline to the addresses an Arc host would see.
#
# What is deterministic: the set of files, the flows in each, the names, addresses, MACs,
# ports of servers and the crafted hellos. What is not: keys and certificates (made fresh
# every run), TLS randoms, TCP sequence numbers and ports, timings. Timestamps are shifted
# so each capture starts at 2026-01-15T09:00:00Z.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=$HERE/tools
PY=/usr/bin/python3
H=arcs-host        # the Arc-enabled server; every capture is taken here
N=arcs-net         # everything else: "Azure" endpoints, DNS, proxy, firewall
WORK=$(mktemp -d /tmp/arcsamples.XXXXXX)
chmod 711 "$WORK"  # squid runs as user proxy and must reach its own subdirectory
PIDS=()

log() { printf '== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- install
need_pkgs() {
    local missing=()
    for c in tcpdump:tcpdump dnsmasq:dnsmasq-base squid:squid nft:nftables \
        gnutls-cli:gnutls-bin tshark:tshark editcap:tshark ethtool:ethtool ip:iproute2 \
        zstd:zstd curl:curl openssl:openssl dig:bind9-dnsutils mergecap:tshark go:golang-go; do
        command -v "${c%%:*}" >/dev/null || missing+=("${c#*:}")
    done
    [ -x /usr/lib/squid/basic_ncsa_auth ] || missing+=(squid)
    command -v htpasswd >/dev/null || missing+=(apache2-utils)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# ---------------------------------------------------------------- addresses
# in-namespace address -> address in the committed capture
declare -A IP=(
    [host]=198.18.0.4 [gw]=198.18.0.1 [dns]=198.18.0.53 [dnsup]=198.18.0.54 [proxy]=198.18.0.8
    [management.azure.com]=198.19.0.1
    [login.microsoftonline.com]=198.19.0.2
    [login.windows.net]=198.19.0.3
    [pas.windows.net]=198.19.0.4
    [westeurope.his.arc.azure.com]=198.19.0.5
    [westeurope-gas.guestconfiguration.azure.com]=198.19.0.6
    [guestnotificationservice.azure.com]=198.19.0.7
    [azgn1234.servicebus.windows.net]=198.19.0.8
    [www.microsoft.com]=198.19.0.10
    [pl-his]=198.18.2.10 [pl-gas]=198.18.2.11
    # beyond the "firewall": routed through the net namespace, never answered by it
    [fw-gas]=198.19.1.6 [fw-sb]=198.19.1.8
    # for the rule samples of issue 10 (names the first samples do not use)
    [dc.services.visualstudio.com]=198.19.0.11
    [san-af-westeurope-prod.azurewebsites.net]=198.19.0.12
    [telemetry.westeurope.arcdataservices.com]=198.19.0.13
    [eu.login.microsoft.com]=198.19.0.14
    [download.microsoft.com]=198.19.0.15
    [management.usgovcloudapi.net]=198.19.0.16
    [login.microsoftonline.us]=198.19.0.17
    [usgovvirginia.his.arc.azure.us]=198.19.0.18
    # where a DNS override sends an Arc name: outside every service tag / in another tag
    [notazure]=198.19.2.1 [othertag]=198.19.2.2
)
MAP=198.18.0.4=10.1.0.4,198.18.0.1=10.1.0.1,198.18.0.53=10.1.0.53,198.18.0.8=10.1.0.8
MAP+=,198.18.2.10=10.1.2.10,198.18.2.11=10.1.2.11
MAP+=,198.19.0.1=4.150.240.10     # management.azure.com       AzureResourceManager
MAP+=,198.19.0.2=40.126.32.74     # login.microsoftonline.com  AzureActiveDirectory
MAP+=,198.19.0.3=40.126.32.75     # login.windows.net          AzureActiveDirectory
MAP+=,198.19.0.4=40.126.32.76     # pas.windows.net            AzureActiveDirectory
MAP+=,198.19.0.5=20.50.1.197      # westeurope.his             AzureArcInfrastructure.WestEurope
MAP+=,198.19.0.6=13.69.109.180    # westeurope-gas             GuestAndHybridManagement (WE)
MAP+=,198.19.0.7=20.50.201.211    # guestnotificationservice   AzureArcInfrastructure.WestEurope
MAP+=,198.19.0.8=20.50.201.10     # azgn1234.servicebus        ServiceBus.WestEurope
MAP+=,198.19.0.10=13.107.246.40   # www.microsoft.com          AzureFrontDoor.Frontend
MAP+=,198.19.1.6=13.69.109.180,198.19.1.8=20.50.201.10  # gas, servicebus behind the firewall
MAP+=,198.19.0.11=13.69.65.20     # dc.services.visualstudio.com  AzureMonitor.WestEurope
MAP+=,198.19.0.12=13.69.68.10     # san-af-westeurope-prod.azurewebsites.net  AppService.WestEurope
MAP+=,198.19.0.13=4.175.10.20     # telemetry.westeurope.arcdataservices.com  AzureCloud.westeurope
MAP+=,198.19.0.14=40.126.32.80    # eu.login.microsoft.com     AzureActiveDirectory
MAP+=,198.19.0.15=13.107.246.41   # download.microsoft.com     AzureFrontDoor.Frontend
MAP+=,198.19.0.16=20.140.54.10    # management.usgovcloudapi.net  AzureResourceManager (Gov)
MAP+=,198.19.0.17=20.140.53.40    # login.microsoftonline.us   AzureActiveDirectory (Gov)
MAP+=,198.19.0.18=20.140.95.24    # usgovvirginia.his.arc.azure.us  AzureArcInfrastructure.USGovVirginia
MAP+=,198.19.2.1=203.0.113.5      # in no service tag (TEST-NET-3)
MAP+=,198.19.2.2=13.69.40.20      # Storage.WestEurope only
V6_HOST=fd00:a1c::4 V6_GW=fd00:a1c::1 V6_MGMT=fd00:a2e::10
ARC_NAMES=(management.azure.com login.microsoftonline.com login.windows.net pas.windows.net
    westeurope.his.arc.azure.com westeurope-gas.guestconfiguration.azure.com
    guestnotificationservice.azure.com azgn1234.servicebus.windows.net)
MORE_NAMES=(dc.services.visualstudio.com san-af-westeurope-prod.azurewebsites.net
    telemetry.westeurope.arcdataservices.com eu.login.microsoft.com download.microsoft.com
    management.usgovcloudapi.net login.microsoftonline.us usgovvirginia.his.arc.azure.us)
EPOCH=1768467600   # 2026-01-15T09:00:00Z, where every capture starts
UA="AzureConnectedMachineAgent/1.50.03017.2103"

inh() { ip netns exec $H "$@"; }
inn() { ip netns exec $N "$@"; }

# ---------------------------------------------------------------- teardown
cleanup() {
    set +e
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    sleep 0.3
    for ns in $H $N; do
        # only processes inside the namespaces this script created
        for p in $(ip netns pids $ns 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
        ip netns del $ns 2>/dev/null
        rm -rf /etc/netns/$ns
    done
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- topology
setup_net() {
    for ns in $H $N; do
        ip netns del $ns 2>/dev/null || true
        ip netns add $ns
        ip -n $ns link set lo up
    done
    ip link del arcs-h0 2>/dev/null || true  # left over from an interrupted run
    ip link add arcs-h0 type veth peer name arcs-n0
    ip link set arcs-h0 netns $H
    ip link set arcs-n0 netns $N
    inh ip link set arcs-h0 name eth0
    inn ip link set arcs-n0 name eth0
    inh ip link set eth0 address 02:00:0a:01:00:04
    inn ip link set eth0 address 02:00:0a:01:00:01
    for ns in $H $N; do
        ip netns exec $ns sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.eth0.router_solicitations=0 \
            net.ipv6.conf.all.use_tempaddr=0 net.ipv4.tcp_timestamps=1 >/dev/null
        # No offloads: the capture shows wire-sized segments (a 1.5 kB hello really is
        # two segments) and checksums already filled in.
        ip netns exec $ns ethtool -K eth0 tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
    done
    inh ip addr add ${IP[host]}/24 dev eth0
    inh ip -6 addr add $V6_HOST/64 dev eth0 nodad
    inn ip addr add ${IP[gw]}/24 dev eth0
    for a in dns dnsup proxy; do inn ip addr add ${IP[$a]}/24 dev eth0; done
    for n in "${ARC_NAMES[@]}" www.microsoft.com pl-his pl-gas "${MORE_NAMES[@]}" notazure othertag; do
        inn ip addr add ${IP[$n]}/32 dev eth0
    done
    inn ip -6 addr add $V6_GW/64 dev eth0 nodad
    inn ip -6 addr add $V6_MGMT/128 dev eth0 nodad
    inh ip link set eth0 up
    inn ip link set eth0 up
    # The net namespace also routes: 198.19.1.0/24 lies "beyond" it on a veth link whose
    # other end is unused (packets vanish there), so its forward-hook firewall rules answer
    # as a site firewall would, with ICMP from its own address (10.1.0.1 after rewriting).
    inn sysctl -qw net.ipv4.ip_forward=1
    inn ip link add far0 type veth peer name far1
    inn ip link set far0 up
    inn ip link set far1 up
    inn ip route add 198.19.1.0/24 dev far0
    inh ip route add 198.19.0.0/16 via ${IP[gw]}
    inh ip route add 198.18.2.0/24 via ${IP[gw]}
    inh ip -6 route add fd00:a2e::/64 via $V6_GW
    # Static neighbours: no ARP/NDP chatter at the start of captures.
    inh ip neigh replace ${IP[gw]} lladdr 02:00:0a:01:00:01 dev eth0 nud permanent
    for a in dns dnsup proxy; do inh ip neigh replace ${IP[$a]} lladdr 02:00:0a:01:00:01 dev eth0 nud permanent; done
    inh ip -6 neigh replace $V6_GW lladdr 02:00:0a:01:00:01 dev eth0 nud permanent
    inn ip neigh replace ${IP[host]} lladdr 02:00:0a:01:00:04 dev eth0 nud permanent
    inn ip -6 neigh replace $V6_HOST lladdr 02:00:0a:01:00:04 dev eth0 nud permanent
    mkdir -p /etc/netns/$H
    printf 'nameserver %s\noptions timeout:2 attempts:1\n' ${IP[dns]} >/etc/netns/$H/resolv.conf
    printf '127.0.0.1 localhost\n::1 localhost\n' >/etc/netns/$H/hosts
    sleep 1  # let link-up IPv6 noise (MLD) pass before any capture starts
}

# ---------------------------------------------------------------- certificates
make_certs() {
    local d=$WORK/pki
    mkdir -p $d
    cd $d
    mkca() { # name subject
        openssl req -x509 -newkey rsa:2048 -nodes -keyout $1.key -out $1.pem -days 3650 \
            -subj "$2" -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    }
    mkca root "/C=US/O=arcaudit samples/CN=Arcaudit Sample Root CA"
    mkca contoso "/C=US/O=Contoso Ltd/OU=Network Security/CN=Contoso Inspection CA"
    leaf() { # file ca subject-cn san...
        local f=$1 ca=$2 cn=$3
        shift 3
        local san
        san=$(printf 'DNS:%s,' "$@")
        openssl req -newkey rsa:2048 -nodes -keyout $f.key -out $f.csr -subj "/CN=$cn" 2>/dev/null
        printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "${san%,}" >$f.ext
        openssl x509 -req -in $f.csr -CA $ca.pem -CAkey $ca.key -CAcreateserial -days 825 \
            -extfile $f.ext -out $f.crt 2>/dev/null
        cat $f.crt $ca.pem >$f.chain.pem
    }
    for n in "${ARC_NAMES[@]}"; do
        case $n in
        *.his.arc.azure.com) leaf $n root "*.his.arc.azure.com" "*.his.arc.azure.com" ;;
        *.guestconfiguration.azure.com) leaf $n root "*.guestconfiguration.azure.com" "*.guestconfiguration.azure.com" ;;
        *.servicebus.windows.net) leaf $n root "*.servicebus.windows.net" "*.servicebus.windows.net" ;;
        *) leaf $n root $n $n ;;
        esac
    done
    for n in "${MORE_NAMES[@]}"; do leaf $n root $n $n; done
    leaf intercepted contoso management.azure.com management.azure.com
    leaf wrongsan root portal.contoso.example portal.contoso.example "*.contoso.example"
    cat root.pem contoso.pem >trust-both.pem
    # A CA and a leaf whose names carry markup, terminal escapes and Markdown: what a
    # hostile or broken middlebox could present. The reports must show them as text.
    local esc=$'\e'
    mkca hostileca "/O=<img src=x onerror=alert(2)>/OU=\`b\` &amp; ${esc}[31mred${esc}[0m/CN=<script>alert(1)<\/script> | *x* [a](javascript:alert(3))"
    leaf hostile hostileca '"><svg onload=alert(4)>' management.azure.com
    cd - >/dev/null
}
PKI() { echo $WORK/pki/$1; }

# ---------------------------------------------------------------- helpers
bgn() { # run in the net namespace in the background, remember the pid
    # ip netns exec execs the command, so $! is the server's own pid
    ip netns exec $N "$@" >>$WORK/bg.log 2>&1 &
    PIDS+=($!)
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
stop_all() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PIDS=()
}
wait_listen() { # ns proto addr:port
    for _ in $(seq 100); do
        ip netns exec $1 ss -Hln$2 2>/dev/null | grep -qF " $3 " && return 0
        sleep 0.1
    done
    log "nothing listens on $3 in $1"
    return 1
}
srv() { # name addr [tlssrv args...]; Python ssl server with the name's certificate
    local n=$1 a=$2
    shift 2
    bgn $PY $TOOLS/tlssrv.py --bind $a --cert "$(PKI $n.chain.pem)" --key "$(PKI $n.key)" --name $n "$@"
    local port=443
    [[ " $* " == *" --port "* ]] && port=$(sed -E 's/.*--port ([0-9]+).*/\1/' <<<"$*")
    if [[ $a == *:* ]]; then wait_listen $N t "[$a]:$port"; else wait_listen $N t "$a:$port"; fi
}
dns_start() { # extra dnsmasq config lines on stdin
    {
        echo "listen-address=${IP[dns]}"
        echo "bind-interfaces"
        echo "no-resolv"
        echo "no-hosts"
        echo "no-negcache"
        echo "user=root"
        echo "pid-file=$WORK/dnsmasq.pid"
        cat
    } >$WORK/dnsmasq.conf
    bgn dnsmasq -k -C $WORK/dnsmasq.conf --log-facility=$WORK/dnsmasq.log --log-queries
    wait_listen $N u "${IP[dns]}:53"
}
dns_public() { # host-record lines for every Arc name at its public address
    # local=: dnsmasq owns the name, so AAAA gets NOERROR with no records (not REFUSED)
    for n in "${ARC_NAMES[@]}" www.microsoft.com; do echo "host-record=$n,${IP[$n]}"; echo "local=/$n/"; done
}
nft_in() { # rules for the net namespace's input hook
    inn nft -f - <<EOF
table inet arcsamples
delete table inet arcsamples
table inet arcsamples {
    chain input {
        type filter hook input priority 0; policy accept;
        $1
    }
}
EOF
}
nft_fwd() { # rules for the net namespace's forward hook (it acts as the site firewall)
    inn nft -f - <<EOF
table inet arcsamples
delete table inet arcsamples
table inet arcsamples {
    chain forward {
        type filter hook forward priority 0; policy accept;
        $1
    }
}
EOF
}
nft_clear() { inn nft delete table inet arcsamples 2>/dev/null || true; }

CAP_PID=
capture() { # name [tcpdump args]; starts a capture in the host namespace
    CAP_NAME=$1
    shift
    local args=("$@")
    [ ${#args[@]} -eq 0 ] && args=(-i eth0)
    ip netns exec $H tcpdump -Z root --immediate-mode -n -U -s 0 "${args[@]}" -w $WORK/$CAP_NAME.raw >$WORK/tcpdump.log 2>&1 &
    CAP_PID=$!
    for _ in $(seq 50); do grep -q listening $WORK/tcpdump.log && break; sleep 0.1; done
    sleep 0.2
}
finish() { # stops the capture, rewrites addresses and time, writes samples/<name>.pcap
    sleep 0.5
    kill -INT $CAP_PID
    wait $CAP_PID || true
    $PY $TOOLS/rewrite.py $WORK/$CAP_NAME.raw $HERE/$CAP_NAME.pcap --map "$MAP"
    stop_all
    nft_clear
    log "$CAP_NAME.pcap: $(tshark -r $HERE/$CAP_NAME.pcap 2>/dev/null | wc -l) packets"
}
curl_h() { inh curl -sS -o /dev/null -A "$UA" --cacert "$(PKI root.pem)" "$@" || true; }
resolve() { echo "$1:${2:-443}:${IP[$1]}"; }
sclient() { # addr sni [s_client args]; one GET through openssl s_client
    local a=$1 n=$2
    shift 2
    printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' $n |
        inh timeout 10 openssl s_client -quiet -connect $a:443 -servername $n -CAfile "$(PKI root.pem)" \
            -verify_hostname $n "$@" >/dev/null 2>>$WORK/sclient.log || true
}
gnutls() { # addr sni priority
    { printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' $2; sleep 1; } |
        inh timeout 10 gnutls-cli -p 443 --sni-hostname $2 --verify-hostname $2 \
            --x509cafile "$(PKI root.pem)" --priority "$3" $1 >/dev/null 2>>$WORK/gnutls.log || true
}
ossl_srv() { # addr name [s_server args]; openssl s_server answering -www, n connections
    local a=$1 n=$2
    shift 2
    bgn openssl s_server -accept $a:443 -cert "$(PKI $n.crt)" -key "$(PKI $n.key)" \
        -cert_chain "$(PKI root.pem)" -www -no_ticket "$@"
    wait_listen $N t "$a:443"
}

# ================================================================ samples
# Issue 2: flow extraction

s_healthy-agent() {
    dns_start < <(dns_public)
    for n in "${ARC_NAMES[@]}"; do srv $n ${IP[$n]}; done
    capture healthy-agent
    local paths=(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/arc-rg/providers/Microsoft.HybridCompute/machines/arc-vm01?api-version=2024-07-10"
        "/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token"
        "/common/discovery/instance?api-version=1.1"
        "/api/agentstatus"
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/arc-rg/providers/Microsoft.HybridCompute/machines/arc-vm01/heartbeat"
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/arc-rg/providers/Microsoft.HybridCompute/machines/arc-vm01/guestConfigurationAssignments?api-version=2022-01-25"
        "/notifications/register"
        "/\$hc/arc-vm01"
    )
    local i=0
    for n in "${ARC_NAMES[@]}"; do
        curl_h --tlsv1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256 "https://$n${paths[$i]}"
        i=$((i + 1))
    done
    finish
}

s_tls13-stacks() {
    for n in management.azure.com login.microsoftonline.com westeurope.his.arc.azure.com \
        westeurope-gas.guestconfiguration.azure.com azgn1234.servicebus.windows.net; do
        srv $n ${IP[$n]}
    done
    capture tls13-stacks
    sclient ${IP[management.azure.com]} management.azure.com -tls1_3
    gnutls ${IP[login.microsoftonline.com]} login.microsoftonline.com "NORMAL:-VERS-ALL:+VERS-TLS1.3"
    inh $PY $TOOLS/tlscli.py ${IP[westeurope.his.arc.azure.com]} 443 westeurope.his.arc.azure.com \
        --cafile "$(PKI root.pem)" --min 1.3 >/dev/null
    curl_h --tlsv1.3 --resolve "$(resolve westeurope-gas.guestconfiguration.azure.com)" \
        https://westeurope-gas.guestconfiguration.azure.com/
    sclient ${IP[azgn1234.servicebus.windows.net]} azgn1234.servicebus.windows.net -tls1_3 \
        -ciphersuites TLS_AES_128_GCM_SHA256
    finish
}

s_tls12-stacks() {
    for n in management.azure.com login.microsoftonline.com westeurope.his.arc.azure.com \
        westeurope-gas.guestconfiguration.azure.com azgn1234.servicebus.windows.net; do
        srv $n ${IP[$n]} --max 1.2
    done
    capture tls12-stacks
    sclient ${IP[management.azure.com]} management.azure.com -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
    gnutls ${IP[login.microsoftonline.com]} login.microsoftonline.com \
        "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM"
    inh $PY $TOOLS/tlscli.py ${IP[westeurope.his.arc.azure.com]} 443 westeurope.his.arc.azure.com \
        --cafile "$(PKI root.pem)" --max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384 >/dev/null
    curl_h --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 \
        --resolve "$(resolve westeurope-gas.guestconfiguration.azure.com)" \
        https://westeurope-gas.guestconfiguration.azure.com/
    curl_h --tls-max 1.2 --resolve "$(resolve azgn1234.servicebus.windows.net)" \
        https://azgn1234.servicebus.windows.net/
    finish
}

s_pq-hello-split() {
    [ -x $PQ ] || { log "skipping pq-hello-split: no pq-client binary"; return 0; }
    ossl_srv ${IP[management.azure.com]} management.azure.com -naccept 1
    capture pq-hello-split
    inh timeout 10 $PQ ${IP[management.azure.com]}:443 management.azure.com 2>>$WORK/pq.log || true
    finish
}

s_syn-no-answer() {
    nft_in "ip daddr ${IP[management.azure.com]} tcp dport 443 drop"
    srv management.azure.com ${IP[management.azure.com]}
    capture syn-no-answer
    curl_h --connect-timeout 3 --resolve "$(resolve management.azure.com)" https://management.azure.com/
    finish
}

s_syn-refused() {
    dns_start < <(dns_public)
    capture syn-refused
    curl_h --connect-timeout 3 https://management.azure.com/
    finish
}

s_tls10-refused() {
    ossl_srv ${IP[management.azure.com]} management.azure.com -min_protocol TLSv1.2 -naccept 1
    capture tls10-refused
    sclient ${IP[management.azure.com]} management.azure.com -tls1 -cipher DEFAULT@SECLEVEL=0
    finish
}

s_ipv6-tls13() {
    srv management.azure.com $V6_MGMT
    capture ipv6-tls13
    curl_h -6 --resolve "management.azure.com:443:[$V6_MGMT]" https://management.azure.com/
    sclient "[$V6_MGMT]" management.azure.com -tls1_3
    finish
}

s_sll2-any() {
    srv login.microsoftonline.com ${IP[login.microsoftonline.com]}
    capture sll2-any -i any -y LINUX_SLL2
    curl_h --resolve "$(resolve login.microsoftonline.com)" https://login.microsoftonline.com/common/oauth2/token
    finish
}

s_sll-any() {
    srv login.microsoftonline.com ${IP[login.microsoftonline.com]}
    capture sll-any -i any -y LINUX_SLL
    curl_h --resolve "$(resolve login.microsoftonline.com)" https://login.microsoftonline.com/common/oauth2/token
    finish
}

variants() { # container and compression variants of one capture
    local b=$HERE/healthy-agent
    [ -f $b.pcap ] || return 0
    editcap -F pcapng $b.pcap $b.pcapng
    gzip -n -9 -c $b.pcap >$b.pcap.gz
    gzip -n -9 -c $b.pcapng >$b.pcapng.gz
    zstd -q -19 -f $b.pcap -o $b.pcap.zst
    log "healthy-agent variants: pcapng, pcap.gz, pcapng.gz, pcap.zst"
}

# Issue 4: the audit

squid_start() {
    local d=$WORK/squid
    mkdir -p $d
    printf 'arcadmin:%s\n' "$(openssl passwd -apr1 -salt arcsalt 'not-the-dummy')" >$d/passwd
    cat >$d/squid.conf <<EOF
http_port ${IP[proxy]}:3128
http_port ${IP[proxy]}:3129
pid_filename $d/squid.pid
access_log stdio:$d/access.log
cache_log $d/cache.log
cache_store_log none
coredump_dir $d
cache deny all
dns_nameservers ${IP[dns]}
dns_v4_first on
visible_hostname proxy.contoso.example
auth_param basic program /usr/lib/squid/basic_ncsa_auth $d/passwd
auth_param basic realm Contoso proxy
acl SSL_ports port 443
acl CONNECT method CONNECT
acl authport localport 3129
acl authed proxy_auth REQUIRED
acl blocked dstdomain .servicebus.windows.net
http_access deny CONNECT !SSL_ports
http_access deny authport !authed
http_access deny blocked
http_access allow all
shutdown_lifetime 0 seconds
EOF
    chown -R proxy:proxy $d
    bgn squid -N -f $d/squid.conf
    wait_listen $N t "${IP[proxy]}:3128"
}

s_proxy-connect-allowed() {
    dns_start < <(dns_public)
    srv management.azure.com ${IP[management.azure.com]}
    squid_start
    capture proxy-connect-allowed
    curl_h --proxy http://${IP[proxy]}:3128 "https://management.azure.com/subscriptions?api-version=2022-12-01"
    finish
}

s_proxy-connect-denied() {
    dns_start < <(dns_public)
    squid_start
    capture proxy-connect-denied
    curl_h --proxy http://${IP[proxy]}:3128 https://azgn1234.servicebus.windows.net/
    finish
}

s_proxy-auth-407() {
    dns_start < <(dns_public)
    srv management.azure.com ${IP[management.azure.com]}
    squid_start
    capture proxy-auth-407
    curl_h --proxy http://${IP[proxy]}:3129 https://management.azure.com/
    curl_h --proxy http://${IP[proxy]}:3129 --proxy-user dummy:dummy https://management.azure.com/
    finish
}

s_context-contradicted() {
    local names=(westeurope.his.arc.azure.com westeurope-gas.guestconfiguration.azure.com)
    dns_start < <(dns_public)
    for n in "${names[@]}"; do srv $n ${IP[$n]}; done
    squid_start
    capture context-contradicted
    # a machine registered in westeurope whose agent uses the proxy on 3128; the audit is
    # told eastus and another proxy (tests/samples_snapshots.rs given_for), which the
    # capture contradicts; given westeurope and this proxy, it is the near miss
    for n in "${names[@]}"; do
        curl_h --proxy http://${IP[proxy]}:3128 https://$n/
    done
    finish
}

s_dns-nxdomain() {
    dns_start < <(dns_public; echo "address=/gbl.his.arc.azure.com/")
    capture dns-nxdomain
    curl_h https://gbl.his.arc.azure.com/
    finish
}

s_dns-servfail() {
    bgn $PY $TOOLS/dnsrcode.py ${IP[dnsup]} 2
    wait_listen $N u "${IP[dnsup]}:53"
    dns_start < <(dns_public; echo "server=/guestconfiguration.azure.com/${IP[dnsup]}")
    capture dns-servfail
    curl_h https://agentserviceapi.guestconfiguration.azure.com/
    finish
}

s_dns-refused() {
    # no-resolv and no server line for this name: dnsmasq has nowhere to ask and refuses
    dns_start < <(dns_public | grep -v pas.windows.net)
    capture dns-refused
    curl_h https://pas.windows.net/
    finish
}

s_fw-drop() {
    dns_start < <(dns_public)
    srv login.microsoftonline.com ${IP[login.microsoftonline.com]}
    nft_in "ip daddr ${IP[login.microsoftonline.com]} tcp dport 443 drop"
    capture fw-drop
    curl_h --connect-timeout 4 https://login.microsoftonline.com/common/oauth2/v2.0/token
    finish
}

s_fw-reject-tcp-reset() {
    srv westeurope.his.arc.azure.com ${IP[westeurope.his.arc.azure.com]}
    nft_in "ip daddr ${IP[westeurope.his.arc.azure.com]} tcp dport 443 reject with tcp reset"
    dns_start < <(dns_public)
    capture fw-reject-tcp-reset
    curl_h --connect-timeout 3 https://westeurope.his.arc.azure.com/
    finish
}

s_fw-reject-icmp-admin() {
    nft_fwd "ip daddr ${IP[fw-gas]} tcp dport 443 reject with icmp type admin-prohibited"
    # The name is looked up first, as the agent does, so the capture says who was refused.
    dns_start < <(printf 'host-record=%s,%s\nlocal=/%s/\n' westeurope-gas.guestconfiguration.azure.com \
        "${IP[fw-gas]}" westeurope-gas.guestconfiguration.azure.com)
    capture fw-reject-icmp-admin
    curl_h --connect-timeout 3 https://westeurope-gas.guestconfiguration.azure.com/
    finish
}

s_fw-reject-icmp-host-unreachable() {
    nft_fwd "ip daddr ${IP[fw-sb]} tcp dport 443 reject with icmp type host-unreachable"
    dns_start < <(printf 'host-record=%s,%s\nlocal=/%s/\n' azgn1234.servicebus.windows.net \
        "${IP[fw-sb]}" azgn1234.servicebus.windows.net)
    capture fw-reject-icmp-host-unreachable
    curl_h --connect-timeout 3 https://azgn1234.servicebus.windows.net/
    finish
}

s_rst-after-clienthello() {
    srv management.azure.com ${IP[management.azure.com]} --mode rst
    capture rst-after-clienthello
    curl_h --resolve "$(resolve management.azure.com)" https://management.azure.com/
    finish
}

s_fin-after-clienthello() {
    # the heartbeat endpoint's listener reads the ClientHello and closes with a FIN 50 ms
    # later (something on port 443 that does not speak TLS, or drops it quietly): too
    # quick for a stall, no RST, no alert; only required-endpoint-never-succeeded says it
    srv westeurope.his.arc.azure.com ${IP[westeurope.his.arc.azure.com]} --mode stall --stall 0.05
    capture fin-after-clienthello
    curl_h --resolve "$(resolve westeurope.his.arc.azure.com)" https://westeurope.his.arc.azure.com/api/agentstatus
    finish
}

s_handshake-stall() {
    srv management.azure.com ${IP[management.azure.com]} --mode stall --stall 20
    capture handshake-stall
    curl_h --max-time 4 --resolve "$(resolve management.azure.com)" https://management.azure.com/
    finish
}

s_alert-handshake-failure() {
    ossl_srv ${IP[management.azure.com]} management.azure.com -tls1_2 \
        -cipher ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256 -naccept 1
    capture alert-handshake-failure
    sclient ${IP[management.azure.com]} management.azure.com -tls1_2 -cipher AES128-SHA
    finish
}

s_tls-interception() {
    bgn $PY $TOOLS/tlssrv.py --bind ${IP[management.azure.com]} --cert "$(PKI intercepted.chain.pem)" \
        --key "$(PKI intercepted.key)" --name management.azure.com --max 1.2
    wait_listen $N t "${IP[management.azure.com]}:443"
    capture tls-interception
    # the host trusts the inspection CA (as a GPO-deployed root would make it)
    inh curl -sS -o /dev/null -A "$UA" --cacert "$(PKI trust-both.pem)" --tls-max 1.2 \
        --resolve "$(resolve management.azure.com)" https://management.azure.com/ || true
    finish
}

s_tls-cert-san-mismatch() {
    bgn $PY $TOOLS/tlssrv.py --bind ${IP[management.azure.com]} --cert "$(PKI wrongsan.chain.pem)" \
        --key "$(PKI wrongsan.key)" --name management.azure.com --max 1.2
    wait_listen $N t "${IP[management.azure.com]}:443"
    capture tls-cert-san-mismatch
    curl_h --tls-max 1.2 --resolve "$(resolve management.azure.com)" https://management.azure.com/
    finish
}

s_weak-tls10() {
    ossl_srv ${IP[management.azure.com]} management.azure.com -tls1 -cipher DEFAULT@SECLEVEL=0 -naccept 1
    capture weak-tls10
    sclient ${IP[management.azure.com]} management.azure.com -tls1 -cipher DEFAULT@SECLEVEL=0
    finish
}

s_weak-cbc-tls12() {
    srv management.azure.com ${IP[management.azure.com]} --max 1.2 --ciphers ECDHE-RSA-AES128-SHA
    capture weak-cbc-tls12
    curl_h --tls-max 1.2 --resolve "$(resolve management.azure.com)" https://management.azure.com/
    finish
}

gnutls_srv() { # name priority; gnutls-serv listens on every address of the net namespace
    bgn gnutls-serv --http --disable-client-cert -p 443 --x509certfile "$(PKI $1.chain.pem)" --x509keyfile "$(PKI $1.key)" \
        --priority "$2"
    wait_listen $N t "0.0.0.0:443"
}

# Debian's OpenSSL 3.0 has no 3DES or RC4 suites at all (not even at SECLEVEL=0), so the
# legacy-suite negotiations use GnuTLS on both sides, which still implements them.
LEGACY_CLIENT="NORMAL:-VERS-TLS1.3:+3DES-CBC:+ARCFOUR-128:+RSA:+SHA1:+MD5"

s_weak-3des() {
    gnutls_srv management.azure.com "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+3DES-CBC:+RSA"
    capture weak-3des
    gnutls ${IP[management.azure.com]} management.azure.com "$LEGACY_CLIENT"
    finish
}

s_weak-rc4() {
    gnutls_srv management.azure.com "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+ARCFOUR-128:+RSA"
    capture weak-rc4
    gnutls ${IP[management.azure.com]} management.azure.com "$LEGACY_CLIENT"
    finish
}

s_weak-null-cipher() {
    # NULL encryption is still in OpenSSL 3.0 at SECLEVEL=0: the HTTP request and answer
    # travel in TLS records, but in clear text.
    ossl_srv ${IP[management.azure.com]} management.azure.com -tls1_2 -cipher 'NULL-SHA256@SECLEVEL=0' -naccept 1
    capture weak-null-cipher
    sclient ${IP[management.azure.com]} management.azure.com -tls1_2 \
        -cipher 'ECDHE-RSA-NULL-SHA:NULL-SHA256:NULL-SHA@SECLEVEL=0'
    finish
}

s_weak-legacy-offer() {
    ossl_srv ${IP[management.azure.com]} management.azure.com -naccept 1
    capture weak-legacy-offer
    # EXPORT RC4_40_MD5, EXPORT RC2_40_MD5, EXPORT DES40, DHE EXPORT DES40, RC4_128_MD5,
    # RC4_128_SHA, 3DES_EDE_CBC_SHA, NULL_MD5, NULL_SHA, NULL_SHA256
    inh $PY $TOOLS/craft_hello.py ${IP[management.azure.com]} 443 \
        --sni-hex "$(printf management.azure.com | od -An -tx1 | tr -d ' \n')" \
        --suites 0x0003,0x0006,0x0008,0x0014,0x0004,0x0005,0x000a,0x0001,0x0002,0x003b >/dev/null
    finish
}

s_private-link() {
    dns_start <<EOF
host-record=management.azure.com,${IP[management.azure.com]}
local=/management.azure.com/
local=/his.arc.azure.com/
local=/guestconfiguration.azure.com/
cname=westeurope.his.arc.azure.com,westeurope.privatelink.his.arc.azure.com
host-record=westeurope.privatelink.his.arc.azure.com,${IP[pl-his]}
cname=westeurope-gas.guestconfiguration.azure.com,westeurope-gas.privatelink.guestconfiguration.azure.com
host-record=westeurope-gas.privatelink.guestconfiguration.azure.com,${IP[pl-gas]}
EOF
    srv westeurope.his.arc.azure.com ${IP[pl-his]}
    srv westeurope-gas.guestconfiguration.azure.com ${IP[pl-gas]}
    capture private-link
    curl_h https://westeurope.his.arc.azure.com/api/agentstatus
    curl_h https://westeurope-gas.guestconfiguration.azure.com/
    finish
}

s_public-his-gas() {
    dns_start < <(dns_public)
    srv westeurope.his.arc.azure.com ${IP[westeurope.his.arc.azure.com]}
    srv westeurope-gas.guestconfiguration.azure.com ${IP[westeurope-gas.guestconfiguration.azure.com]}
    capture public-his-gas
    curl_h https://westeurope.his.arc.azure.com/api/agentstatus
    curl_h https://westeurope-gas.guestconfiguration.azure.com/
    finish
}

s_plain-http-management() {
    srv management.azure.com ${IP[management.azure.com]} --mode plain --port 80
    capture plain-http-management
    curl_h --resolve "$(resolve management.azure.com 80)" "http://management.azure.com/subscriptions?api-version=2022-12-01"
    finish
}

s_esu-cert-fetch() {
    dns_start < <(dns_public)
    srv www.microsoft.com ${IP[www.microsoft.com]} --mode plain --port 80
    capture esu-cert-fetch
    curl_h "http://www.microsoft.com/pkiops/certs/Microsoft%20Azure%20TLS%20Issuing%20CA%2001%20-%20xsign.crt"
    finish
}

hexof() { printf '%b' "$1" | od -An -tx1 | tr -d ' \n'; }

hostile_sni() { # sample sni: a crafted TLS 1.3 ClientHello whose SNI is `printf %b` of sni
    ossl_srv ${IP[management.azure.com]} management.azure.com -naccept 1
    capture $1
    inh $PY $TOOLS/craft_hello.py ${IP[management.azure.com]} 443 --tls13 \
        --sni-hex "$(hexof "$2")" >/dev/null
    finish
}
s_hostile-sni-script() { hostile_sni hostile-sni-script '<script>alert(1)</script>'; }
s_hostile-sni-ansi() { hostile_sni hostile-sni-ansi '\033[31mmanagement.azure.com\n\033[0mok'; }

s_hostile-cert-names() {
    bgn $PY $TOOLS/tlssrv.py --bind ${IP[management.azure.com]} --cert "$(PKI hostile.chain.pem)" \
        --key "$(PKI hostile.key)" --name management.azure.com --max 1.2
    wait_listen $N t "${IP[management.azure.com]}:443"
    capture hostile-cert-names
    curl_h --tls-max 1.2 --resolve "$(resolve management.azure.com)" https://management.azure.com/
    finish
}

# Issue 10: a sample for each rule no earlier sample shows firing, each with a near miss
# (a flow or a second capture that must not fire). The agent's own calls come from
# tools/agent-client (Go's crypto/tls and net/http, as the agent is a Go program).

AGENT=
agent() { # URL...: the agent's requests through tools/agent-client, one connection each
    if [ -z "$AGENT" ]; then
        AGENT=$WORK/agent-client
        log "building tools/agent-client with $(go version | cut -d' ' -f3)"
        # standard library only: GOPROXY=off proves nothing is fetched
        (cd $TOOLS/agent-client && GOPROXY=off GOFLAGS=-mod=mod go build -o $AGENT .)
    fi
    inh $AGENT -cafile "$(PKI root.pem)" "$@" >>$WORK/agent.log 2>&1 || true
}
dns_records() { # NAME...: host-record lines, each name at its own address
    for n in "$@"; do echo "host-record=$n,${IP[$n]}"; echo "local=/$n/"; done
}
urls() { for n in "$@"; do printf 'https://%s/\n' "$n"; done; }

s_legacy-endpoints() {
    local names=(dc.services.visualstudio.com san-af-westeurope-prod.azurewebsites.net
        telemetry.westeurope.arcdataservices.com)
    dns_start < <(dns_records "${names[@]}")
    for n in "${names[@]}"; do srv $n ${IP[$n]}; done
    capture legacy-endpoints
    # an agent older than 1.24 still sends its telemetry (optional endpoint)
    agent https://dc.services.visualstudio.com/v2/track
    # the SQL Server extension before March 2024 (retired endpoint), then a current one
    # (near miss); curl stands in for the extension's own HTTP client
    curl_h https://san-af-westeurope-prod.azurewebsites.net/
    curl_h https://telemetry.westeurope.arcdataservices.com/
    finish
}

# The long captures are spliced from short ones: each round of requests is captured on
# its own, shifted to its minute offset by rewrite.py --epoch, and the rounds are merged
# in time order (mergecap). Waiting 25 real minutes would show the same packets.
PARTS=()
part() { # sample offset-seconds NAME...: one round of agent calls, captured alone
    local name=$1 off=$2
    shift 2
    capture $name.part${#PARTS[@]}
    mapfile -t u < <(urls "$@")
    agent "${u[@]}"
    sleep 0.5
    kill -INT $CAP_PID
    wait $CAP_PID || true
    $PY $TOOLS/rewrite.py $WORK/$CAP_NAME.raw $WORK/$CAP_NAME.pcap --map "$MAP" --epoch $((EPOCH + off))
    PARTS+=($WORK/$CAP_NAME.pcap)
}
splice() { # sample: merges the parts in time order into samples/<sample>.pcap
    mergecap -F pcap -w $HERE/$1.pcap "${PARTS[@]}"
    PARTS=()
    stop_all
    nft_clear
    log "$1.pcap: $(tshark -r $HERE/$1.pcap 2>/dev/null | wc -l) packets"
}
# Every endpoint the agent must always reach in the public cloud (the coverage table's
# required rows): all of them are called in the first round, as when the agent starts;
# afterwards every five minutes the heartbeat (himds -> his) and the guest configuration
# service (gc_service -> gas). Tokens and the notification channel last longer than the
# captures, so later rounds leave them out (and the captures stay small).
ALWAYS=(login.microsoftonline.com eu.login.microsoft.com pas.windows.net westeurope.his.arc.azure.com
    westeurope-gas.guestconfiguration.azure.com guestnotificationservice.azure.com
    azgn1234.servicebus.windows.net)
HIS=westeurope.his.arc.azure.com
GAS=westeurope-gas.guestconfiguration.azure.com
rounds_setup() {
    dns_start < <(dns_records "${ALWAYS[@]}")
    for n in "${ALWAYS[@]}"; do srv $n ${IP[$n]}; done
}

s_heartbeat-silence() {
    rounds_setup
    # himds (the heartbeat) stops after the second round and is back for the last one,
    # while the guest configuration service keeps calling
    part heartbeat-silence 0 "${ALWAYS[@]}"
    part heartbeat-silence 300 $HIS $GAS
    for t in 600 900 1200; do part heartbeat-silence $t $GAS; done
    part heartbeat-silence 1500 $HIS $GAS
    splice heartbeat-silence
}

s_heartbeat-regular() { # near miss of heartbeat-silence and gas-not-contacted
    rounds_setup
    part heartbeat-regular 0 "${ALWAYS[@]}"
    for t in 300 600 900; do part heartbeat-regular $t $HIS $GAS; done
    splice heartbeat-regular
}

s_gas-not-contacted() {
    rounds_setup
    # everything but the guest configuration service, over five and a half minutes (as
    # when a hosts-file entry or a local firewall stops it before the capture point)
    local some=()
    for n in "${ALWAYS[@]}"; do [ $n = $GAS ] || some+=($n); done
    part gas-not-contacted 0 "${some[@]}"
    part gas-not-contacted 330 $HIS
    splice gas-not-contacted
}

s_gas-not-contacted-long() {
    rounds_setup
    # as gas-not-contacted, over ten minutes: two heartbeat periods without any call to
    # the guest configuration service, which it makes every five (overdue: medium)
    local some=()
    for n in "${ALWAYS[@]}"; do [ $n = $GAS ] || some+=($n); done
    part gas-not-contacted-long 0 "${some[@]}"
    part gas-not-contacted-long 300 $HIS
    part gas-not-contacted-long 600 $HIS
    splice gas-not-contacted-long
}

s_outside-service-tag() {
    # a DNS override: login.microsoftonline.com at an address in no service tag, and
    # management.azure.com at an Azure Storage address; the heartbeat name resolves
    # normally (near miss)
    dns_start <<EOF
host-record=login.microsoftonline.com,${IP[notazure]}
local=/login.microsoftonline.com/
host-record=management.azure.com,${IP[othertag]}
local=/management.azure.com/
$(dns_records westeurope.his.arc.azure.com)
EOF
    srv login.microsoftonline.com ${IP[notazure]}
    srv management.azure.com ${IP[othertag]}
    srv westeurope.his.arc.azure.com ${IP[westeurope.his.arc.azure.com]}
    capture outside-service-tag
    agent https://login.microsoftonline.com/common/oauth2/v2.0/token \
        "https://management.azure.com/subscriptions?api-version=2022-12-01" \
        https://westeurope.his.arc.azure.com/api/agentstatus
    finish
}

s_proxy-bypass() {
    dns_start < <(dns_records management.azure.com login.microsoftonline.com)
    srv management.azure.com ${IP[management.azure.com]}
    srv login.microsoftonline.com ${IP[login.microsoftonline.com]}
    squid_start
    capture proxy-bypass
    # proxy.url is set, and proxy.bypass sends ARM around it: the token request goes
    # through the proxy (near miss), the ARM call directly
    agent -proxy http://${IP[proxy]}:3128 -bypass management.azure.com \
        https://login.microsoftonline.com/common/oauth2/v2.0/token \
        "https://management.azure.com/subscriptions?api-version=2022-12-01"
    finish
}

s_sql-tls10() {
    local n=telemetry.westeurope.arcdataservices.com
    # the endpoint accepts TLS 1.2 and 1.3 only
    ossl_srv ${IP[$n]} $n -min_protocol TLSv1.2 -naccept 2
    capture sql-tls10
    # a SQL Server host that cannot do TLS 1.2 (as Windows Server 2012), then one that
    # can (near miss); s_client stands in for the extension's SCHANNEL client
    sclient ${IP[$n]} $n -tls1 -cipher DEFAULT@SECLEVEL=0
    sclient ${IP[$n]} $n -tls1_3
    finish
}

s_unexpected-port() {
    dns_start < <(dns_records management.azure.com)
    srv management.azure.com ${IP[management.azure.com]} --port 8443
    srv management.azure.com ${IP[management.azure.com]}
    capture unexpected-port
    # the same call to a port-mapped relay on 8443, then to 443 (near miss)
    agent "https://management.azure.com:8443/subscriptions?api-version=2022-12-01" \
        "https://management.azure.com/subscriptions?api-version=2022-12-01"
    finish
}

s_wrong-cloud() {
    local names=(login.microsoftonline.us usgovvirginia.his.arc.azure.us
        management.usgovcloudapi.net management.azure.com download.microsoft.com)
    dns_start < <(dns_records "${names[@]}")
    for n in "${names[@]}"; do srv $n ${IP[$n]}; done
    capture wrong-cloud
    # an Azure Government machine (three calls to its cloud) that also calls the public
    # ARM; download.microsoft.com serves every cloud (near miss)
    mapfile -t u < <(urls "${names[@]}")
    agent "${u[@]}"
    finish
}

# Issue 11: a healthy agent whose Go TLS stack predates Go 1.22. Its ClientHello ends in
# two 3DES suites (Go's default list before 1.22), but every server here negotiates TLS 1.3
# with AES-GCM: no connection is weak, the machine only offers more than it needs.
s_healthy-agent-go-legacy() {
    dns_start < <(dns_public)
    for n in "${ARC_NAMES[@]}"; do srv $n ${IP[$n]}; done
    capture healthy-agent-go-legacy
    # the same calls as healthy-agent, through the agent-client with the suites of the Go
    # that built it (Debian 12: Go 1.19)
    local paths=(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/arc-rg/providers/Microsoft.HybridCompute/machines/arc-vm01?api-version=2024-07-10"
        "/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token"
        "/common/discovery/instance?api-version=1.1"
        "/api/agentstatus"
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/arc-rg/providers/Microsoft.HybridCompute/machines/arc-vm01/heartbeat"
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/arc-rg/providers/Microsoft.HybridCompute/machines/arc-vm01/guestConfigurationAssignments?api-version=2022-01-25"
        "/notifications/register"
        "/\$hc/arc-vm01"
    )
    local u=() i=0
    for n in "${ARC_NAMES[@]}"; do
        u+=("https://$n${paths[$i]}")
        i=$((i + 1))
    done
    agent -go-default-suites "${u[@]}"
}

s_unattributed-failure() {
    # The agent resolved its names before the capture started (curl --resolve: no DNS in
    # it) and no SYN gets an answer, so no SNI or certificate names the flow either: only
    # the address (GuestAndHybridManagement, not a tag the catalog attributes by) is left.
    srv management.azure.com ${IP[management.azure.com]}
    nft_fwd "ip daddr ${IP[fw-gas]} tcp dport 443 drop"
    capture unattributed-failure
    curl_h --resolve "$(resolve management.azure.com)" https://management.azure.com/
    curl_h --connect-timeout 3 --resolve "westeurope-gas.guestconfiguration.azure.com:443:${IP[fw-gas]}" \
        https://westeurope-gas.guestconfiguration.azure.com/
    # Near miss: refused on another port of an address in no service tag (not the agent's).
    curl_h --connect-timeout 3 http://${IP[notazure]}:8443/
    finish
}

# Issue 14: a Windows Packet Monitor capture (pktmon etl2pcap) of a connection the host's
# own firewall (WFP) drops. Packet Monitor cannot run here: the agent's calls are captured
# as usual, then tools/pktmon_pcapng.py writes each packet once per host component with
# Packet Monitor's comments, the SYNs to westeurope.his ending in a WFP drop report (the nft
# drop only stands in for the block, so that no SYN-ACK comes). Near miss: the call to
# management.azure.com crosses the same components and succeeds.
s_pktmon-wfp-drop() {
    local names=(management.azure.com westeurope.his.arc.azure.com)
    dns_start < <(dns_records "${names[@]}")
    for n in "${names[@]}"; do srv $n ${IP[$n]}; done
    nft_in "ip daddr ${IP[westeurope.his.arc.azure.com]} tcp dport 443 drop"
    capture pktmon-wfp-drop
    agent https://management.azure.com/
    agent -timeout 4s https://westeurope.his.arc.azure.com/
    finish
    $PY $TOOLS/pktmon_pcapng.py $HERE/pktmon-wfp-drop.pcap $HERE/pktmon-wfp-drop.pcapng \
        --host 10.1.0.4 --drop-syn 443 --drop-to 20.50.1.197
    rm -f $HERE/pktmon-wfp-drop.pcap
}

ALL=(healthy-agent tls13-stacks tls12-stacks pq-hello-split syn-no-answer syn-refused
    tls10-refused ipv6-tls13 sll2-any sll-any
    proxy-connect-allowed proxy-connect-denied proxy-auth-407
    dns-nxdomain dns-servfail dns-refused
    fw-drop fw-reject-tcp-reset fw-reject-icmp-admin fw-reject-icmp-host-unreachable
    rst-after-clienthello fin-after-clienthello handshake-stall alert-handshake-failure
    tls-interception tls-cert-san-mismatch
    weak-tls10 weak-cbc-tls12 weak-3des weak-rc4 weak-null-cipher weak-legacy-offer
    private-link public-his-gas plain-http-management esu-cert-fetch
    hostile-sni-script hostile-sni-ansi hostile-cert-names
    legacy-endpoints heartbeat-silence heartbeat-regular gas-not-contacted gas-not-contacted-long
    outside-service-tag proxy-bypass sql-tls10 unexpected-port wrong-cloud
    healthy-agent-go-legacy context-contradicted unattributed-failure pktmon-wfp-drop)

main() {
    [ "$(id -u)" = 0 ] || { echo "run as root (network namespaces)" >&2; exit 1; }
    need_pkgs
    PQ=$TOOLS/pq-client/target/release/pq-client
    if [ ! -x $PQ ] && command -v cargo >/dev/null; then
        log "building tools/pq-client (rustls + aws-lc-rs)"
        (cd $TOOLS/pq-client && cargo build --release --locked -q) || log "pq-client build failed"
    fi
    setup_net
    make_certs
    local list=("$@")
    [ ${#list[@]} -eq 0 ] && list=("${ALL[@]}")
    for s in "${list[@]}"; do
        log "sample $s"
        "s_$s"
    done
    [ $# -eq 0 ] || [[ " $* " == *" healthy-agent "* ]] && variants
    log "done; work files were in $WORK (removed)"
}

main "$@"
