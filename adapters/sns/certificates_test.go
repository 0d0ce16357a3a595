package sns_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/monhook/monhook/adapters/sns"
	"github.com/monhook/monhook/adapters/sns/snstest"
	"github.com/monhook/monhook/domain/trust/trusttest"
)

const certPath = "/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem"

// pemPath is the i-th path of SNS's form, /SimpleNotificationService-<32 hex digits>.pem, other than certPath's.
func pemPath(i int) string { return fmt.Sprintf("/SimpleNotificationService-%032x.pem", 1<<20+i) }

// aws is a test's stand-in for AWS: its CA, the host serving SNS's certificates and the host serving the
// intermediate (as Amazon Trust Services does at crt.<ca>.amazontrust.com).
type aws struct {
	ca      *snstest.CA
	sns     *snstest.Host
	issuers *snstest.Host
	leaf    *x509.Certificate
}

// newAWS serves a signing certificate for sns.amazonaws.com alone, as SNS does, with its intermediate at the
// issuer host its Authority Information Access names.
func newAWS(t *testing.T) *aws {
	a := &aws{ca: snstest.NewCA(t, "Test Amazon"), sns: snstest.NewHost(t), issuers: snstest.NewPlainHost(t)}
	a.issuers.Serve("/r2m02.cer", a.ca.Intermediate.Raw)
	a.leaf = a.ca.Issue(t, snstest.Leaf{Key: &trusttest.Key(t).PublicKey, IssuerURL: a.issuers.URL + "/r2m02.cer"})
	a.sns.Serve(certPath, snstest.PEM(a.leaf))
	return a
}

func (a *aws) certificates() *sns.Certificates {
	return sns.NewCertificatesWith(a.sns.Settings(a.ca.Roots, a.issuers), quiet())
}

func (a *aws) url(path string) string { return a.sns.URL + path }

func TestFetchesVerifiesAndCachesTheCertificate(t *testing.T) {
	a := newAWS(t)
	c := a.certificates()
	for range 3 {
		got, err := c.Certificate(context.Background(), a.url(certPath), trusttest.Topic)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(a.leaf) {
			t.Fatalf("got %s, want the served certificate", got.Subject)
		}
	}
	if n, m := a.sns.Requests.Load(), a.issuers.Requests.Load(); n != 1 || m != 1 {
		t.Errorf("%d certificate and %d issuer requests for three calls, want one each", n, m)
	}
	// A certificate served with its intermediate needs no issuer request.
	a.sns.Serve(pemPath(0), snstest.PEM(a.leaf, a.ca.Intermediate))
	if _, err := c.Certificate(context.Background(), a.url(pemPath(0)), trusttest.Topic); err != nil {
		t.Fatal(err)
	}
	if m := a.issuers.Requests.Load(); m != 1 {
		t.Errorf("%d issuer requests, want none more", m)
	}
}

// TestConcurrentMissesFetchOnce: many calls for a certificate not yet cached wait for one request; whichever comes
// after it finds the cache.
func TestConcurrentMissesFetchOnce(t *testing.T) {
	a := newAWS(t)
	a.sns.Gate = make(chan struct{})
	c := a.certificates()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 32 {
		wg.Go(func() {
			if _, err := c.Certificate(context.Background(), a.url(certPath), trusttest.Topic); err != nil {
				failed.Add(1)
			}
		})
	}
	for a.sns.Requests.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the other callers reach the fetch in flight
	close(a.sns.Gate)
	wg.Wait()
	if n := a.sns.Requests.Load(); n != 1 || failed.Load() != 0 {
		t.Errorf("%d requests, %d failures for 32 concurrent calls; want 1 and 0", n, failed.Load())
	}
}

// TestACallerThatGivesUpDoesNotFailTheOthers: the fetch runs on its own deadline.
func TestACallerThatGivesUpDoesNotFailTheOthers(t *testing.T) {
	a := newAWS(t)
	a.sns.Gate = make(chan struct{})
	c := a.certificates()
	ctx, cancel := context.WithCancel(context.Background())
	impatient := make(chan error, 1)
	go func() {
		_, err := c.Certificate(ctx, a.url(certPath), trusttest.Topic)
		impatient <- err
	}()
	for a.sns.Requests.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	patient := make(chan error, 1)
	go func() {
		_, err := c.Certificate(context.Background(), a.url(certPath), trusttest.Topic)
		patient <- err
	}()
	cancel()
	if err := <-impatient; !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that gave up got %v", err)
	}
	close(a.sns.Gate)
	if err := <-patient; err != nil {
		t.Errorf("the patient caller got %v", err)
	}
}

// TestHostileCertURLsAreNeverRequested sends SigningCertURLs an attacker would write: none may reach any server.
func TestHostileCertURLsAreNeverRequested(t *testing.T) {
	a := newAWS(t)
	c := a.certificates()
	host := a.sns.HostPort()
	port := host[strings.LastIndex(host, ":")+1:]
	hostile := []struct{ url, topic string }{
		{"http://" + host + certPath, trusttest.Topic},            // not https
		{"https://169.254.169.254" + certPath, trusttest.Topic},   // cloud metadata
		{"https://127.0.0.1:1" + certPath, trusttest.Topic},       // loopback, another port
		{"https://localhost:" + port + certPath, trusttest.Topic}, // the same port, another name
		{"https://evil.example.com" + certPath, trusttest.Topic},  // another host
		{"https://user:pw@" + host + certPath, trusttest.Topic},   // user information
		{"https://" + host + certPath + "?x=1", trusttest.Topic},  // a query
		{"https://" + host + certPath + "?", trusttest.Topic},     // an empty query
		{"https://" + host + certPath + "#f", trusttest.Topic},    // a fragment
		{"https://" + host + "/cert.txt", trusttest.Topic},        // not .pem
		{"https://" + host + "/cert.PEM", trusttest.Topic},        // not .pem
		{"https://" + host + "/", trusttest.Topic},                // no file
		// Paths other than SNS's /SimpleNotificationService-<hex>.pem, though they end in .pem.
		{"https://" + host + "/x.pem", trusttest.Topic},
		{"https://" + host + "/SimpleNotificationService-.pem", trusttest.Topic},
		{"https://" + host + "/SimpleNotificationService-0123abcg.pem", trusttest.Topic},
		{"https://" + host + "/SimpleNotificationService-0123ABCD.pem", trusttest.Topic},
		{"https://" + host + "/SimpleNotificationService-" + strings.Repeat("0", 65) + ".pem", trusttest.Topic},
		{"https://" + host + "/SimpleNotificationService-%30123.pem", trusttest.Topic}, // percent-encoded
		{"https://" + host + "/a" + certPath, trusttest.Topic},
		{"https://" + host + certPath + "/../x.pem", trusttest.Topic},
		{"https://" + host + "/simplenotificationservice-0123.pem", trusttest.Topic},
		{"https://" + host + certPath, "arn:aws:sns:s3:123456789012:alerts"}, // a region that is none
		{"https://" + host + certPath, "arn:aws:sqs:us-east-1:123456789012:q"},
		{"https://" + host + certPath, ""},
		{"https://" + host + "/SimpleNotificationService-" + strings.Repeat("a", 4096) + ".pem", trusttest.Topic},
		{"https://" + strings.Replace(host, "1", "\u0661", 1) + certPath, trusttest.Topic}, // not ASCII
		{"::not a url", trusttest.Topic},
		{"", trusttest.Topic},
	}
	for _, h := range hostile {
		_, err := c.Certificate(context.Background(), h.url, h.topic)
		if !errors.Is(err, sns.ErrCertificateRefused) {
			t.Errorf("%.80q for %q: %v, want ErrCertificateRefused", h.url, h.topic, err)
		}
		if err != nil && len(err.Error()) > 512 {
			t.Errorf("%.40q: the error echoes %d bytes", h.url, len(err.Error()))
		}
	}
	if n := a.sns.Requests.Load() + a.issuers.Requests.Load(); n != 0 {
		t.Errorf("%d requests reached a server", n)
	}
}

// TestProductionCertHostsFollowTheTopicsRegion checks AWS's own host rule: a transport that answers in place of
// the network records where a request would have gone; refused URLs never get that far.
func TestProductionCertHostsFollowTheTopicsRegion(t *testing.T) {
	var asked []string
	client := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		asked = append(asked, r.URL.Host)
		return &http.Response{StatusCode: http.StatusNotFound, Status: "404 Not Found", Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})}
	c := sns.NewCertificatesWith(sns.CertificateSettings{Client: client, Hosts: sns.DefaultHosts, IssuerHosts: sns.IssuerHosts}, quiet())
	allowed := []struct{ url, topic string }{
		{"https://sns.us-east-1.amazonaws.com" + certPath, "arn:aws:sns:us-east-1:123456789012:a"},
		{"https://SNS.US-EAST-1.amazonaws.com" + certPath, "arn:aws:sns:us-east-1:123456789012:a"},
		{"https://sns.cn-north-1.amazonaws.com.cn" + certPath, "arn:aws-cn:sns:cn-north-1:123456789012:a"},
		{"https://sns.us-gov-west-1.amazonaws.com" + certPath, "arn:aws-us-gov:sns:us-gov-west-1:123456789012:a"},
	}
	for _, a := range allowed {
		if _, err := c.Certificate(context.Background(), a.url, a.topic); err == nil || errors.Is(err, sns.ErrCertificateRefused) {
			t.Errorf("%s: %v, want the 404 of a request", a.url, err)
		}
	}
	refused := []string{
		"https://sns.eu-west-1.amazonaws.com" + certPath,          // another region than the topic's
		"https://sns.us-east-1.amazonaws.com.evil.com" + certPath, // a suffix
		"https://evilsns.us-east-1.amazonaws.com" + certPath,
		"https://sns.us-east-1.amazonaws.com:443" + certPath, // any port
		"https://sns.us-east-1.amazonaws.com:8443" + certPath,
		"https://sns.us-east-1.amazonaw\u017f.com" + certPath, // ſ folds to s, but is not ASCII
		"https://s3.amazonaws.com" + certPath,
	}
	for _, u := range refused {
		if _, err := c.Certificate(context.Background(), u, "arn:aws:sns:us-east-1:123456789012:a"); !errors.Is(err, sns.ErrCertificateRefused) {
			t.Errorf("%s: %v, want ErrCertificateRefused", u, err)
		}
	}
	if len(asked) != len(allowed) {
		t.Errorf("requests went to %v", asked)
	}
}

// TestCertificatesThatDoNotPassAreRefused: a certificate from another CA, for another name, expired, not yet
// valid, or an answer that is no certificate at all, is never returned (nor cached).
func TestCertificatesThatDoNotPassAreRefused(t *testing.T) {
	a := newAWS(t)
	key := &trusttest.Key(t).PublicKey
	issuer := a.issuers.URL + "/r2m02.cer"
	other := snstest.NewCA(t, "Other")
	a.issuers.Serve("/other.cer", other.Intermediate.Raw)
	tests := []struct {
		name   string
		body   []byte
		reason string
	}{
		{"another CA", snstest.PEM(other.Issue(t, snstest.Leaf{Key: key, IssuerURL: a.issuers.URL + "/other.cer"})), "its chain does not verify"},
		{"another CA, its chain served", snstest.PEM(other.Issue(t, snstest.Leaf{Key: key}), other.Intermediate), "its chain does not verify"},
		{"another CA's root served as an intermediate", snstest.PEM(other.Issue(t, snstest.Leaf{Key: key}), other.Intermediate, other.Root), "its chain does not verify"},
		{"another name", snstest.PEM(a.ca.Issue(t, snstest.Leaf{Key: key, IssuerURL: issuer, Names: []string{"sns.evil.example"}})), "it is not issued to SNS"},
		{"a wildcard name", snstest.PEM(a.ca.Issue(t, snstest.Leaf{Key: key, IssuerURL: issuer, Names: []string{"*.amazonaws.com"}})), "it is not issued to SNS"},
		{"another region's name", snstest.PEM(a.ca.Issue(t, snstest.Leaf{Key: key, IssuerURL: issuer, Names: []string{"sns.eu-west-1.amazonaws.com"}})), "it is not issued to SNS"},
		{"expired", snstest.PEM(a.ca.Issue(t, snstest.Leaf{Key: key, IssuerURL: issuer, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})), "its chain does not verify"},
		{"not yet valid", snstest.PEM(a.ca.Issue(t, snstest.Leaf{Key: key, IssuerURL: issuer, NotBefore: time.Now().Add(time.Hour)})), "its chain does not verify"},
		{"no issuer URL", snstest.PEM(a.ca.Issue(t, snstest.Leaf{Key: key})), "its chain does not verify"},
		{"an issuer at another host", snstest.PEM(a.ca.Issue(t, snstest.Leaf{Key: key, IssuerURL: "http://127.0.0.1:1/r2m02.cer"})), "names no issuer at an allowed host"},
		{"an issuer that is no CA", snstest.PEM(a.ca.Issue(t, snstest.Leaf{Key: key, IssuerURL: a.issuers.URL + "/leaf.cer"})), "is not a CA certificate"},
		{"garbage before the PEM", append([]byte("<xml>\n"), snstest.PEM(a.leaf)...), "not one to 4 PEM certificates"},
		{"garbage after the PEM", append(snstest.PEM(a.leaf), []byte("<xml>")...), "not one to 4 PEM certificates"},
		{"five certificates", snstest.PEM(a.leaf, a.leaf, a.leaf, a.leaf, a.leaf), "not one to 4 PEM certificates"},
		{"a private key", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "not one to 4 PEM certificates"},
		{"an empty answer", nil, "holds no certificate"},
		{"a broken certificate", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), "cannot be read"},
		{"too large", append(snstest.PEM(a.leaf), []byte(strings.Repeat(" ", 40<<10))...), "answered more than 32768 bytes"},
	}
	a.issuers.Serve("/leaf.cer", a.leaf.Raw)
	c := a.certificates()
	for i, tt := range tests {
		path := pemPath(i)
		a.sns.Serve(path, tt.body)
		for range 2 { // the second call is answered with the remembered refusal
			_, err := c.Certificate(context.Background(), a.url(path), trusttest.Topic)
			if err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("%s: %v, want a refusal saying %q", tt.name, err, tt.reason)
			}
		}
	}
	if _, err := c.Certificate(context.Background(), a.url(pemPath(len(tests))), trusttest.Topic); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a missing certificate: %v", err)
	}
}

// TestRegionalNamesAreSNSs: the names SNS's certificates may carry besides sns.amazonaws.com, for the topic's region.
func TestRegionalNamesAreSNSs(t *testing.T) {
	a := newAWS(t)
	c := a.certificates()
	for i, name := range []string{"sns-us-east-1.amazonaws.com", "sns.us-east-1.amazonaws.com", "SNS.amazonaws.com"} {
		path := pemPath(i)
		a.sns.Serve(path, snstest.PEM(a.ca.Issue(t, snstest.Leaf{Key: &trusttest.Key(t).PublicKey, Names: []string{"other.example", name}}), a.ca.Intermediate))
		if _, err := c.Certificate(context.Background(), a.url(path), trusttest.Topic); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestACachedCertificateIsNotUsedPastItsExpiry: the cache keeps a certificate until the earliest expiry of its chain.
func TestACachedCertificateIsNotUsedPastItsExpiry(t *testing.T) {
	a := newAWS(t)
	now := time.Now()
	a.sns.Serve(pemPath(0), snstest.PEM(a.ca.Issue(t, snstest.Leaf{Key: &trusttest.Key(t).PublicKey, NotAfter: now.Add(2 * time.Hour)}), a.ca.Intermediate))
	clock := now
	s := a.sns.Settings(a.ca.Roots, a.issuers)
	s.Now = func() time.Time { return clock }
	c := sns.NewCertificatesWith(s, quiet())
	if _, err := c.Certificate(context.Background(), a.url(pemPath(0)), trusttest.Topic); err != nil {
		t.Fatal(err)
	}
	clock = now.Add(time.Hour)
	if _, err := c.Certificate(context.Background(), a.url(pemPath(0)), trusttest.Topic); err != nil || a.sns.Requests.Load() != 1 {
		t.Fatalf("an hour later: %v after %d requests, want the cached certificate", err, a.sns.Requests.Load())
	}
	clock = now.Add(3 * time.Hour)
	if _, err := c.Certificate(context.Background(), a.url(pemPath(0)), trusttest.Topic); err == nil || a.sns.Requests.Load() != 2 {
		t.Errorf("past its expiry: %v after %d requests, want a new request refused", err, a.sns.Requests.Load())
	}
}

func TestCertificateRedirectsAreNotFollowed(t *testing.T) {
	a := newAWS(t)
	redirect := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, a.url(certPath), http.StatusFound)
	}))
	t.Cleanup(redirect.Close)
	s := a.sns.Settings(a.ca.Roots, a.issuers)
	s.Client = redirect.Client()
	s.Hosts = []string{strings.TrimPrefix(redirect.URL, "https://")}
	c := sns.NewCertificatesWith(s, quiet())
	if _, err := c.Certificate(context.Background(), redirect.URL+certPath, trusttest.Topic); err == nil || !strings.Contains(err.Error(), "302") {
		t.Errorf("a redirect: %v, want it reported", err)
	}
	if a.sns.Requests.Load() != 0 {
		t.Error("the redirect was followed")
	}
}

// TestAFailureIsRememberedBriefly: a host that fails costs one fetch per URL every 30 seconds, not one per call;
// after that the URL is asked again, and a certificate that has appeared is used.
func TestAFailureIsRememberedBriefly(t *testing.T) {
	a := newAWS(t)
	clock := time.Now()
	s := a.sns.Settings(a.ca.Roots, a.issuers)
	s.Now = func() time.Time { return clock }
	c := sns.NewCertificatesWith(s, quiet())
	for range 3 {
		if _, err := c.Certificate(context.Background(), a.url(pemPath(0)), trusttest.Topic); err == nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("a missing certificate: %v", err)
		}
	}
	if n := a.sns.Requests.Load(); n != 1 {
		t.Errorf("%d requests for three calls within 30 s, want 1", n)
	}
	a.sns.Serve(pemPath(0), snstest.PEM(a.leaf))
	clock = clock.Add(31 * time.Second)
	if _, err := c.Certificate(context.Background(), a.url(pemPath(0)), trusttest.Topic); err != nil || a.sns.Requests.Load() != 2 {
		t.Errorf("31 s later: %v after %d requests, want the certificate from a second request", err, a.sns.Requests.Load())
	}
}

// TestFailuresNeverEvictACertificate: bodies naming more failing URLs than any cache holds (here 404s on SNS's own
// host, as an attacker holding the webhook URL can name) leave the verified certificate cached: it is not fetched
// again, so enforce keeps reading AWS's messages.
func TestFailuresNeverEvictACertificate(t *testing.T) {
	a := newAWS(t)
	c := a.certificates()
	if _, err := c.Certificate(context.Background(), a.url(certPath), trusttest.Topic); err != nil {
		t.Fatal(err)
	}
	const failing = 200
	for i := range failing {
		if _, err := c.Certificate(context.Background(), a.url(pemPath(i)), trusttest.Topic); err == nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("failing URL %d: %v", i, err)
		}
	}
	if _, err := c.Certificate(context.Background(), a.url(certPath), trusttest.Topic); err != nil {
		t.Fatal(err)
	}
	if n := a.sns.Requests.Load(); n != 1+failing {
		t.Errorf("%d requests, want %d: the certificate was fetched again after the failures", n, 1+failing)
	}
}

// TestACertificateIsRenewedInTheBackground: a day after its fetch, a certificate is fetched again while calls go
// on using the one kept, even when that fetch waits or fails; a failed renewal is retried after failureTTL, not on
// every call.
func TestACertificateIsRenewedInTheBackground(t *testing.T) {
	a := newAWS(t)
	now := time.Now()
	clock := now
	s := a.sns.Settings(a.ca.Roots, a.issuers)
	s.Now = func() time.Time { return clock }
	c := sns.NewCertificatesWith(s, quiet())
	first, err := c.Certificate(context.Background(), a.url(certPath), trusttest.Topic)
	if err != nil {
		t.Fatal(err)
	}
	a.sns.Gate = make(chan struct{}) // the renewal's request waits until the gate opens
	a.sns.Serve(certPath, []byte("not a certificate any more"))
	clock = now.Add(25 * time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for range 3 {
		if got, err := c.Certificate(ctx, a.url(certPath), trusttest.Topic); err != nil || got != first {
			t.Fatalf("during the renewal: %v, want the certificate kept", err)
		}
	}
	close(a.sns.Gate)
	waitFor(t, func() bool { return a.sns.Requests.Load() == 2 })
	// The renewal failed: the kept certificate still serves, and no call asks again for failureTTL.
	waitFor(t, func() bool {
		got, err := c.Certificate(context.Background(), a.url(certPath), trusttest.Topic)
		return err == nil && got == first
	})
	if n := a.sns.Requests.Load(); n != 2 {
		t.Errorf("%d requests after a failed renewal, want 2", n)
	}
}

// waitFor polls cond until it holds, or fails the test after 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
	}
}
