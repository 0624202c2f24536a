// agent-client: HTTPS GETs with Go's crypto/tls and net/http, so the ClientHello on the
// wire is the one the Connected Machine agent (a Go program) sends. Used by make.sh for
// the samples whose traffic stands for the agent's own. Standard library only.
//
// usage: agent-client [-cafile F] [-resolve NAME:PORT:ADDR]... [-proxy URL] URL...
//
// Without -resolve the name is looked up through the namespace's resolv.conf (dnsmasq),
// as the agent does. -proxy sends requests through an HTTP proxy (CONNECT), like
// `azcmagent config set proxy.url`; -bypass lists hosts that go direct anyway, like
// `proxy.bypass`. Each URL is one connection (no keep-alive), requested in order.
// -go-default-suites leaves the cipher suites to the Go toolchain that built the binary:
// built with Debian 12's Go 1.19 it sends the list agents built before Go 1.22 send
// (ending in TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA and TLS_RSA_WITH_3DES_EDE_CBC_SHA).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

// The suites Go 1.23 and later offer by default (ECDHE only, no 3DES, no RSA key
// exchange), which current agents are built with. Debian 12's Go 1.19 would also offer
// 3DES and RSA-key-exchange suites that today's agent no longer sends.
var modernSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
}

func main() {
	var resolve, bypass list
	cafile := flag.String("cafile", "", "PEM file of trusted roots")
	proxy := flag.String("proxy", "", "HTTP proxy URL (CONNECT for https)")
	goDefault := flag.Bool("go-default-suites", false, "offer the building Go's default cipher suites")
	ua := flag.String("ua", "AzureConnectedMachineAgent/1.50.03017.2103", "User-Agent")
	timeout := flag.Duration("timeout", 5*time.Second, "per-request timeout")
	flag.Var(&resolve, "resolve", "NAME:PORT:ADDR, like curl --resolve (repeatable)")
	flag.Var(&bypass, "bypass", "host sent around the proxy (repeatable)")
	flag.Parse()

	roots := x509.NewCertPool()
	if *cafile != "" {
		pem, err := os.ReadFile(*cafile)
		if err != nil || !roots.AppendCertsFromPEM(pem) {
			fmt.Fprintf(os.Stderr, "agent-client: cannot use %s: %v\n", *cafile, err)
			os.Exit(2)
		}
	}
	fixed := map[string]string{}
	for _, r := range resolve {
		parts := strings.SplitN(r, ":", 3)
		if len(parts) != 3 {
			fmt.Fprintf(os.Stderr, "agent-client: bad -resolve %q\n", r)
			os.Exit(2)
		}
		fixed[parts[0]+":"+parts[1]] = net.JoinHostPort(parts[2], parts[1])
	}
	dialer := &net.Dialer{Timeout: *timeout}
	suites := modernSuites
	if *goDefault {
		suites = nil // crypto/tls's own default list
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if a, ok := fixed[addr]; ok {
				addr = a
			}
			return dialer.DialContext(ctx, network, addr)
		},
		TLSClientConfig:   &tls.Config{RootCAs: roots, CipherSuites: suites},
		ForceAttemptHTTP2: true,
		DisableKeepAlives: true,
	}
	if *proxy != "" {
		pu, err := url.Parse(*proxy)
		if err != nil {
			fmt.Fprintf(os.Stderr, "agent-client: bad -proxy: %v\n", err)
			os.Exit(2)
		}
		tr.Proxy = func(r *http.Request) (*url.URL, error) {
			for _, b := range bypass {
				if strings.EqualFold(r.URL.Hostname(), b) {
					return nil, nil
				}
			}
			return pu, nil
		}
	}
	client := &http.Client{Transport: tr, Timeout: *timeout}
	status := 0
	for _, u := range flag.Args() {
		req, err := http.NewRequest("GET", u, nil)
		if err != nil {
			fmt.Fprintf(os.Stderr, "agent-client: %s: %v\n", u, err)
			status = 1
			continue
		}
		req.Header.Set("User-Agent", *ua)
		resp, err := client.Do(req)
		if err != nil {
			fmt.Fprintf(os.Stderr, "agent-client: %s: %v\n", u, err)
			status = 1
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Printf("%s %s\n", resp.Status, u)
	}
	os.Exit(status)
}
