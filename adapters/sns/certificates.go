package sns

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/monhook/monhook/adapters/cloudforet"
)

// IssuerHosts is what the host of a signing certificate's issuer URL (its Authority Information Access) must be for
// the issuer to be fetched: Amazon Trust Services' certificate hosts, crt.<ca>.amazontrust.com. SNS serves its
// certificate without the intermediate that issued it (an Amazon RSA 2048 M0x, under Amazon Root CA 1), so the
// chain can be built only by fetching that intermediate from where the certificate says; no other host is asked.
var IssuerHosts = regexp.MustCompile(`^crt\.[a-z0-9-]+\.amazontrust\.com$`)

// certPath is the path of every certificate SNS signs with: /SimpleNotificationService-<hex>.pem, where the hex is
// 32 lowercase digits in every SigningCertURL AWS has published (its documentation's examples, its SDKs' test
// messages). AWS's own validators (PHP, JavaScript) accept any path ending in .pem; holding URLs to SNS's real name
// keeps a body from making a request for any other file of SNS's hosts. The length is bounded, not pinned, so that
// a longer digest in a future name still verifies.
var certPath = regexp.MustCompile(`^/SimpleNotificationService-[0-9a-f]{1,64}\.pem$`)

const (
	// maxCertURL bounds the SigningCertURL read; SNS's are under 100 bytes.
	maxCertURL = 2048
	// maxCertBody and maxIssuerBody bound what is read of a certificate and of its issuer: a PEM certificate is about
	// 2 KiB, an intermediate in DER about 1.2 KiB.
	maxCertBody   = 32 << 10
	maxIssuerBody = 16 << 10
	// maxPEMBlocks bounds the certificates one answer may hold: the certificate and a few intermediates.
	maxPEMBlocks = 4
	// fetchBudget bounds one fetch, the certificate and its issuer together, whoever waits for it.
	fetchBudget = 2 * timeout
	// maxFetches bounds the fetches under way at once, whatever URLs bodies name.
	maxFetches = 4
	// cacheEntries bounds the cache of verified certificates: SNS has one certificate per region at a time, renewed
	// yearly. A certificate is fetched again after renewAfter, in the background: until then, and while its chain is
	// valid, the one in the cache is used, so no call waits on the renewal, nor on failing fetches it may queue behind.
	cacheEntries = 64
	renewAfter   = 24 * time.Hour
	// failureEntries and failureTTL bound the cache of failed fetches, which is kept apart: a body may name any
	// number of URLs that fail, and they must never push a verified certificate out. A certificate host that does
	// not answer costs one fetch (up to fetchBudget) per URL every 30 seconds, not one per call, and SNS's retries
	// still find it again.
	failureEntries = 32
	failureTTL     = 30 * time.Second
)

// CertificateSettings is what NewCertificatesWith takes; NewCertificates uses AWS's hosts and the system's roots.
// Tests inject a loopback server's host and their own CA here, as they do for the Confirmer.
type CertificateSettings struct {
	Client      *http.Client     // requests the certificate and its issuer; its redirects are turned off
	Hosts       []string         // what a SigningCertURL's host may be, {region} the topic's region: DefaultHosts
	IssuerHosts *regexp.Regexp   // what the host of an issuer URL may be: IssuerHosts
	Roots       *x509.CertPool   // the roots a chain must reach; nil for the system's
	Now         func() time.Time // nil for time.Now
}

// Certificates fetches the signing certificates SNS messages name, and keeps them. A SigningCertURL is requested
// only when it is SNS's for the topic's region (https, the region's SNS host with no port, no user information,
// query or fragment, the path /SimpleNotificationService-<hex>.pem); the certificate is kept only when its chain
// verifies to a root and it is issued to SNS by name. Certificates are cached by URL until their chain expires, 64
// at most, fetched again in the background after a day, and concurrent misses of one URL fetch it once; a failure
// is remembered for 30 seconds, 32 at most, apart from the certificates. Redirects are not followed, every request times out, and answers are read
// up to a bound.
type Certificates struct {
	settings CertificateSettings
	client   *http.Client
	// Plain LRUs: each entry carries its own expiry, checked on use. Failures have their own, so that no number of
	// failing URLs can evict a verified certificate.
	cache    *lru.Cache[string, cachedCertificate]
	failures *lru.Cache[string, cachedCertificate]
	group    singleflight.Group
	fetches  chan struct{}
	log      *slog.Logger
}

type cachedCertificate struct {
	cert  *x509.Certificate
	err   error     // a failed fetch's reason, remembered for failureTTL
	until time.Time // a certificate: the earliest expiry of its chain; a failure: when it is forgotten
	renew time.Time // a certificate: when it is fetched again
}

// NewCertificates returns Certificates for AWS's SNS hosts and Amazon Trust Services' issuers, verifying chains
// against the system's roots.
func NewCertificates(log *slog.Logger) *Certificates {
	return NewCertificatesWith(CertificateSettings{Client: &http.Client{Timeout: timeout}, Hosts: DefaultHosts, IssuerHosts: IssuerHosts}, log)
}

// NewCertificatesWith returns Certificates with the given settings.
func NewCertificatesWith(s CertificateSettings, log *slog.Logger) *Certificates {
	c := *s.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.Timeout == 0 {
		c.Timeout = timeout
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	return &Certificates{settings: s, client: &c, cache: newCache(cacheEntries), failures: newCache(failureEntries),
		fetches: make(chan struct{}, maxFetches), log: log}
}

func newCache(size int) *lru.Cache[string, cachedCertificate] {
	cache, err := lru.New[string, cachedCertificate](size)
	if err != nil {
		panic(err) // only a size below 1 fails, and sizes are constants above it
	}
	return cache
}

// ErrCertificateRefused says a SigningCertURL failed the checks and was not requested.
var ErrCertificateRefused = errors.New("the SigningCertURL is not SNS's certificate URL for the topic, so it was not requested")

// Certificate returns the verified certificate certURL names for topicArn's messages, from the cache or fetched.
func (c *Certificates) Certificate(ctx context.Context, certURL, topicArn string) (*x509.Certificate, error) {
	u, region, err := c.check(certURL, topicArn)
	if err != nil {
		// Debug: the call's own warning (adapters/grpc) already says why, once per call.
		c.log.DebugContext(ctx, "signing certificate URL refused", "reason", cloudforet.Clip(err.Error()), "host", cloudforet.Clip(hostOf(certURL)))
		return nil, fmt.Errorf("%w: %w", ErrCertificateRefused, err)
	}
	key := u.String()
	now := c.settings.Now()
	if got, ok := c.cache.Get(key); ok && now.Before(got.until) {
		if !now.Before(got.renew) {
			c.renew(key, region, now)
		}
		return got.cert, nil
	}
	if err := c.failed(key, now); err != nil {
		return nil, err
	}
	// The fetch runs on its own deadline, not the first caller's: a caller that gives up does not fail the others.
	ch := c.group.DoChan(key, func() (any, error) { return c.fetch(key, region) })
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*x509.Certificate), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// failed is the reason the last fetch of key failed, while it is remembered.
func (c *Certificates) failed(key string, now time.Time) error {
	if got, ok := c.failures.Get(key); ok && now.Before(got.until) {
		return got.err
	}
	return nil
}

// renew fetches key again in the background, once at a time, unless its last fetch failed a moment ago; the
// certificate in the cache is used meanwhile.
func (c *Certificates) renew(key, region string, now time.Time) {
	if c.failed(key, now) != nil {
		return
	}
	c.group.DoChan(key, func() (any, error) { return c.fetch(key, region) }) // its result is cached, not awaited
}

// check returns the URL to request and the topic's region, or why the URL must not be requested.
func (c *Certificates) check(raw, topicArn string) (*url.URL, string, error) {
	if len(raw) > maxCertURL {
		return nil, "", fmt.Errorf("it is longer than %d bytes", maxCertURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", errors.New("it is not a URL")
	}
	switch {
	case u.Scheme != "https":
		return nil, "", fmt.Errorf("its scheme is %q, not https", cloudforet.Clip(u.Scheme))
	case u.User != nil:
		return nil, "", errors.New("it carries user information")
	case u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, "", errors.New("it has a query or a fragment")
	case !certPath.MatchString(u.EscapedPath()): // the escaped path: no percent-encoding passes
		return nil, "", errors.New("its path is not /SimpleNotificationService-<hex>.pem")
	}
	region, ok := topicRegion(topicArn)
	if !ok {
		return nil, "", errors.New("its TopicArn is not an SNS topic ARN in an AWS region")
	}
	if !allowedHost(u.Host, region, c.settings.Hosts) {
		return nil, "", fmt.Errorf("its host %s is not SNS's for region %s", cloudforet.Clip(u.Host), region)
	}
	return u, region, nil
}

// fetch requests the certificate at key, verifies it and caches it.
func (c *Certificates) fetch(key, region string) (*x509.Certificate, error) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchBudget)
	defer cancel()
	select {
	case c.fetches <- struct{}{}:
		defer func() { <-c.fetches }()
	case <-ctx.Done():
		return nil, fmt.Errorf("no fetch could start within %s: %d are under way", fetchBudget, maxFetches)
	}
	body, err := c.get(ctx, key, maxCertBody)
	if err != nil {
		return nil, c.refuse("signing certificate not fetched", key, err)
	}
	leaf, more, err := parseCertificates(body)
	if err != nil {
		return nil, c.refuse("signing certificate not accepted", key, err)
	}
	expires, err := c.verify(ctx, leaf, more, region)
	if err != nil {
		return nil, c.refuse("signing certificate not accepted", key, err)
	}
	c.cache.Add(key, cachedCertificate{cert: leaf, until: expires, renew: c.settings.Now().Add(renewAfter)})
	c.log.Info("signing certificate fetched", "url", cloudforet.Clip(key), "expires", leaf.NotAfter)
	return leaf, nil
}

// refuse logs why the certificate at key was not kept and remembers it for failureTTL, and returns that reason.
func (c *Certificates) refuse(msg, key string, err error) error {
	c.log.Warn(msg, "url", cloudforet.Clip(key), "reason", cloudforet.Clip(err.Error()))
	c.failures.Add(key, cachedCertificate{err: err, until: c.settings.Now().Add(failureTTL)})
	return err
}

// verify checks that leaf chains to a root, through the certificates that came with it or the issuer its
// Authority Information Access names at an allowed host, and that it is issued to SNS by name. It returns the
// earliest expiry of the chain: the certificate is not used past it.
func (c *Certificates) verify(ctx context.Context, leaf *x509.Certificate, more []*x509.Certificate, region string) (time.Time, error) {
	now := c.settings.Now()
	pool := x509.NewCertPool()
	for _, m := range more {
		pool.AddCert(m)
	}
	opts := x509.VerifyOptions{Roots: c.settings.Roots, Intermediates: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	chains, err := leaf.Verify(opts)
	if unknown := (x509.UnknownAuthorityError{}); errors.As(err, &unknown) && len(leaf.IssuingCertificateURL) > 0 {
		issuer, ierr := c.issuer(ctx, leaf.IssuingCertificateURL)
		if ierr != nil {
			return time.Time{}, fmt.Errorf("its chain reaches no trusted root, and its issuer was not fetched: %w", ierr)
		}
		pool.AddCert(issuer)
		chains, err = leaf.Verify(opts)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("its chain does not verify: %s", cloudforet.Clip(err.Error()))
	}
	if !issuedToSNS(leaf, region) {
		return time.Time{}, fmt.Errorf("it is not issued to SNS: its names are %s, none of %s", cloudforet.Clip(strings.Join(leaf.DNSNames, ", ")), strings.Join(snsNames(region), ", "))
	}
	expires := leaf.NotAfter
	for _, cert := range chains[0] {
		if cert.NotAfter.Before(expires) {
			expires = cert.NotAfter
		}
	}
	return expires, nil
}

// issuer fetches the first issuer URL at an allowed host: a CA certificate, in DER or PEM.
func (c *Certificates) issuer(ctx context.Context, urls []string) (*x509.Certificate, error) {
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || !isASCII(u.Host) ||
			c.settings.IssuerHosts == nil || !c.settings.IssuerHosts.MatchString(strings.ToLower(u.Host)) {
			continue
		}
		body, err := c.get(ctx, u.String(), maxIssuerBody)
		if err != nil {
			return nil, err
		}
		cert, err := x509.ParseCertificate(body)
		if err != nil {
			var more []*x509.Certificate
			if cert, more, err = parseCertificates(body); err == nil && len(more) > 0 {
				err = errors.New("it holds more than one certificate")
			}
		}
		if err != nil {
			return nil, fmt.Errorf("the issuer at %s is not a certificate: %w", cloudforet.Clip(u.Host), err)
		}
		if !cert.IsCA {
			return nil, fmt.Errorf("the issuer at %s is not a CA certificate", cloudforet.Clip(u.Host))
		}
		return cert, nil
	}
	return nil, errors.New("it names no issuer at an allowed host")
}

// get requests url and returns its answer, refusing one that is not 200 or is longer than maxBytes.
func (c *Certificates) get(ctx context.Context, url string, maxBytes int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the request to %s failed: %s", cloudforet.Clip(req.URL.Host), cloudforet.Clip(err.Error()))
	}
	defer func() { _ = resp.Body.Close() }() // read below; closing loses nothing
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", cloudforet.Clip(req.URL.Host), cloudforet.Clip(resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer of %s failed: %s", cloudforet.Clip(req.URL.Host), cloudforet.Clip(err.Error()))
	}
	if int64(len(body)) > maxBytes {
		return nil, fmt.Errorf("%s answered more than %d bytes", cloudforet.Clip(req.URL.Host), maxBytes)
	}
	return body, nil
}

var pemCertificate = []byte("-----BEGIN CERTIFICATE-----")

// parseCertificates reads an answer that is PEM certificates and nothing else (white space between them aside):
// the first is the signing certificate, the others intermediates that may build its chain.
func parseCertificates(body []byte) (*x509.Certificate, []*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := bytes.TrimSpace(body); len(rest) > 0; rest = bytes.TrimSpace(rest) {
		if !bytes.HasPrefix(rest, pemCertificate) || len(certs) == maxPEMBlocks {
			return nil, nil, fmt.Errorf("it is not one to %d PEM certificates and nothing else", maxPEMBlocks)
		}
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil || len(block.Headers) > 0 {
			return nil, nil, errors.New("it holds a PEM block that cannot be read")
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("it holds a certificate that cannot be read: %s", cloudforet.Clip(err.Error()))
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, nil, errors.New("it holds no certificate")
	}
	return certs[0], certs[1:], nil
}

// snsNames are the names an SNS signing certificate may be issued to for region: sns.amazonaws.com, which SNS's
// certificates have named since 2011 in every commercial region, and the regional forms AWS's Java SDK expects in
// China and GovCloud (sns-cn-north-1.amazonaws.com.cn, sns-us-gov-west-1.amazonaws.com).
func snsNames(region string) []string {
	return []string{"sns.amazonaws.com", "sns." + region + ".amazonaws.com", "sns-" + region + ".amazonaws.com",
		"sns." + region + ".amazonaws.com.cn", "sns-" + region + ".amazonaws.com.cn"}
}

// issuedToSNS reports whether one of leaf's DNS names is exactly an SNS name for region: a wildcard name, which
// would also cover another AWS service's hosts, does not count.
func issuedToSNS(leaf *x509.Certificate, region string) bool {
	names := snsNames(region)
	return slices.ContainsFunc(leaf.DNSNames, func(n string) bool {
		return slices.ContainsFunc(names, func(want string) bool { return strings.EqualFold(n, want) })
	})
}

// allowedHost reports whether host (with its port, if any) is one of hosts, {region} filled in. The host must be
// ASCII, so that no Unicode case folding can make another name look like SNS's.
func allowedHost(host, region string, hosts []string) bool {
	if !isASCII(host) {
		return false
	}
	return slices.ContainsFunc(hosts, func(h string) bool { return strings.EqualFold(host, strings.ReplaceAll(h, "{region}", region)) })
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
