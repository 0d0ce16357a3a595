// Package snstest stands in for AWS in tests of SNS signature verification: a certificate authority made in the
// test (a root and the intermediate it issues, as Amazon Root CA 1 and Amazon RSA 2048 M0x), signing certificates
// it issues, and TLS servers on loopback that serve them in place of sns.<region>.amazonaws.com and of Amazon
// Trust Services' issuer host. Nothing here is used outside tests.
package snstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/monhook/monhook/adapters/sns"
)

// CA is a root and the intermediate it issued; signing certificates come from the intermediate.
type CA struct {
	Root, Intermediate *x509.Certificate
	Roots              *x509.CertPool // the root alone: what a chain must reach
	interKey           crypto.Signer
	serial             atomic.Int64
}

// NewCA makes a root named name and its intermediate, valid from an hour ago for a year. CA keys are ECDSA, which
// is quick to make; the signing certificates carry the RSA keys SNS signs with.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	rootKey := newKey(t)
	c := &CA{}
	c.serial.Store(1)
	now := time.Now()
	root := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{Organization: []string{name}, CommonName: name + " Root CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	c.Root = create(t, root, root, rootKey.Public(), rootKey)
	c.interKey = newKey(t)
	inter := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{Organization: []string{name}, CommonName: name + " RSA 2048 M02"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	c.Intermediate = create(t, inter, c.Root, c.interKey.Public(), rootKey)
	c.Roots = x509.NewCertPool()
	c.Roots.AddCert(c.Root)
	return c
}

// Leaf describes a signing certificate to issue.
type Leaf struct {
	Key       crypto.PublicKey // the key SNS signs with
	Names     []string         // DNS names; sns.amazonaws.com when empty
	IssuerURL string           // its Authority Information Access: where its intermediate is
	NotBefore time.Time        // an hour ago when zero
	NotAfter  time.Time        // in 30 days when zero
}

// Issue issues l from the intermediate.
func (c *CA) Issue(t testing.TB, l Leaf) *x509.Certificate {
	t.Helper()
	if len(l.Names) == 0 {
		l.Names = []string{"sns.amazonaws.com"}
	}
	if l.NotBefore.IsZero() {
		l.NotBefore = time.Now().Add(-time.Hour)
	}
	if l.NotAfter.IsZero() {
		l.NotAfter = time.Now().AddDate(0, 0, 30)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(c.serial.Add(1) + 100), Subject: pkix.Name{CommonName: l.Names[0]}, DNSNames: l.Names,
		NotBefore: l.NotBefore, NotAfter: l.NotAfter, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, BasicConstraintsValid: true,
	}
	if l.IssuerURL != "" {
		tmpl.IssuingCertificateURL = []string{l.IssuerURL}
	}
	return create(t, tmpl, c.Intermediate, l.Key, c.interKey)
}

// PEM encodes certs as SNS serves its certificate (SNS sends the signing certificate alone).
func PEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func create(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Host is a server on loopback that serves files by path and counts every request, standing in for
// sns.<region>.amazonaws.com (TLS) or for crt.<ca>.amazontrust.com (plain HTTP, as issuer URLs are). Gate, when
// set, holds every answer until it is closed.
type Host struct {
	*httptest.Server
	Requests atomic.Int32
	Gate     chan struct{}
	mu       sync.Mutex
	files    map[string][]byte
}

// NewHost starts a TLS Host; NewPlainHost a plain HTTP one.
func NewHost(t testing.TB) *Host { return newHost(t, true) }

// NewPlainHost starts a Host that speaks plain HTTP.
func NewPlainHost(t testing.TB) *Host { return newHost(t, false) }

func newHost(t testing.TB, tls bool) *Host {
	h := &Host{files: map[string][]byte{}}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Requests.Add(1)
		if h.Gate != nil {
			<-h.Gate
		}
		h.mu.Lock()
		body, ok := h.files[r.URL.Path]
		h.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	})
	if tls {
		h.Server = httptest.NewTLSServer(handler)
	} else {
		h.Server = httptest.NewServer(handler)
	}
	t.Cleanup(h.Close)
	return h
}

// Serve makes h answer path with body.
func (h *Host) Serve(path string, body []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files[path] = body
}

// HostPort is h's host and port, as a URL names it.
func (h *Host) HostPort() string {
	return strings.TrimPrefix(strings.TrimPrefix(h.URL, "https://"), "http://")
}

// Settings are sns.CertificateSettings whose SigningCertURL host, for every region, is this TLS host, whose issuer
// host is issuers (nil: none), and whose chains must reach roots.
func (h *Host) Settings(roots *x509.CertPool, issuers *Host) sns.CertificateSettings {
	s := sns.CertificateSettings{Client: h.Client(), Hosts: []string{h.HostPort()}, Roots: roots, IssuerHosts: regexp.MustCompile(`^$`)}
	if issuers != nil {
		s.IssuerHosts = regexp.MustCompile("^" + regexp.QuoteMeta(issuers.HostPort()) + "$")
	}
	return s
}
