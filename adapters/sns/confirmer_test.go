package sns_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/monhook/monhook/adapters/sns"
	"github.com/monhook/monhook/domain/source/sourcekit"
)

const topic = "arn:aws:sns:us-east-1:123456789012:alerts"

// snsStub stands in for SNS: a TLS server on loopback that counts every request it gets.
type snsStub struct {
	*httptest.Server
	requests atomic.Int32
}

func newStub(t *testing.T, h http.HandlerFunc) *snsStub {
	s := &snsStub{}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *snsStub) host() string { return strings.TrimPrefix(s.URL, "https://") }

func (s *snsStub) port() string { return s.URL[strings.LastIndex(s.URL, ":")+1:] }

func confirmURL(host, topicArn string) string {
	return "https://" + host + "/?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(topicArn) + "&Token=abc"
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestConfirmsTheTopicsOwnURL(t *testing.T) {
	var got *http.Request
	stub := newStub(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		_, _ = io.WriteString(w, "<ConfirmSubscriptionResponse/>")
	})
	c := sns.NewConfirmerFor(stub.Client(), []string{stub.host()}, quiet())
	if err := c.Confirm(context.Background(), sourcekit.Subscription{URL: confirmURL(stub.host(), topic), TopicArn: topic}); err != nil {
		t.Fatal(err)
	}
	if stub.requests.Load() != 1 || got.Method != http.MethodGet || got.URL.Query().Get("Token") != "abc" {
		t.Errorf("requests %d, last %v", stub.requests.Load(), got)
	}
}

// TestHostileURLsAreNeverRequested sends URLs an attacker would put in a body: none may reach any server.
func TestHostileURLsAreNeverRequested(t *testing.T) {
	stub := newStub(t, func(http.ResponseWriter, *http.Request) {})
	c := sns.NewConfirmerFor(stub.Client(), []string{stub.host()}, quiet())
	plain := strings.Replace(confirmURL(stub.host(), topic), "https://", "http://", 1)
	hostile := []sourcekit.Subscription{
		{URL: plain, TopicArn: topic},                                                               // http
		{URL: confirmURL("169.254.169.254", topic), TopicArn: topic},                                // cloud metadata address
		{URL: confirmURL("127.0.0.1:1", topic), TopicArn: topic},                                    // loopback, other port
		{URL: confirmURL("localhost:"+stub.port(), topic), TopicArn: topic},                         // same port, other name
		{URL: confirmURL("evil.example.com", topic), TopicArn: topic},                               // other host
		{URL: confirmURL(stub.host(), "arn:aws:sns:us-east-1:999999999999:other"), TopicArn: topic}, // other topic
		{URL: "https://" + stub.host() + "/?Action=Unsubscribe&TopicArn=" + topic, TopicArn: topic}, // other action
		{URL: "https://" + stub.host() + "/?Action=ConfirmSubscription", TopicArn: topic},           // no topic
		{URL: confirmURL(stub.host(), "arn:aws:s3:::bucket")},                                       // not an SNS topic
		{URL: "https://user:pw@" + stub.host() + "/?Action=ConfirmSubscription&TopicArn=" + topic, TopicArn: topic},
		{URL: "::not a url", TopicArn: topic},
	}
	for _, sub := range hostile {
		if err := c.Confirm(context.Background(), sub); !errors.Is(err, sns.ErrRefused) {
			t.Errorf("%q: error %v, want ErrRefused", sub.URL, err)
		}
	}
	if n := stub.requests.Load(); n != 0 {
		t.Errorf("%d requests reached a server", n)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	elsewhere := newStub(t, func(http.ResponseWriter, *http.Request) {})
	stub := newStub(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/latest/meta-data", http.StatusFound)
	})
	c := sns.NewConfirmerFor(stub.Client(), []string{stub.host()}, quiet())
	err := c.Confirm(context.Background(), sourcekit.Subscription{URL: confirmURL(stub.host(), topic), TopicArn: topic})
	if err == nil || !strings.Contains(err.Error(), "302") {
		t.Errorf("error %v, want the redirect reported as a failure", err)
	}
	if elsewhere.requests.Load() != 0 {
		t.Error("the redirect was followed")
	}
}

func TestProductionHostsFollowTheTopicsRegion(t *testing.T) {
	// The default client would go to AWS; a refused URL never gets that far, and an allowed one is seen to try
	// the expected host by the transport below, which answers instead of the network.
	var asked []string
	client := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		asked = append(asked, r.URL.Host)
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})}
	c := sns.NewConfirmerFor(client, sns.DefaultHosts, quiet())
	ok := []sourcekit.Subscription{
		{URL: confirmURL("sns.us-east-1.amazonaws.com", topic), TopicArn: topic},
		{URL: confirmURL("sns.cn-north-1.amazonaws.com.cn", "arn:aws-cn:sns:cn-north-1:123456789012:t"), TopicArn: "arn:aws-cn:sns:cn-north-1:123456789012:t"},
		{URL: confirmURL("sns.eu-west-1.amazonaws.com", "arn:aws:sns:eu-west-1:123456789012:t")}, // confirm_url: topic from the query
	}
	for _, sub := range ok {
		if err := c.Confirm(context.Background(), sub); err != nil {
			t.Errorf("%s: %v", sub.URL, err)
		}
	}
	refused := []sourcekit.Subscription{
		{URL: confirmURL("sns.eu-west-1.amazonaws.com", topic), TopicArn: topic}, // region of another topic
		{URL: confirmURL("sns.us-east-1.amazonaws.com.evil.com", topic), TopicArn: topic},
		{URL: confirmURL("sns.us-east-1.amazonaws.com:8443", topic), TopicArn: topic},
	}
	for _, sub := range refused {
		if err := c.Confirm(context.Background(), sub); !errors.Is(err, sns.ErrRefused) {
			t.Errorf("%s: error %v, want ErrRefused", sub.URL, err)
		}
	}
	if len(asked) != len(ok) {
		t.Errorf("requests went to %v", asked)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestTopicRegionsMustLookLikeAWSRegions checks no URL is built, let alone requested, from an ARN whose region is
// not one: "s3" would make sns.s3.amazonaws.com, which is not SNS.
func TestTopicRegionsMustLookLikeAWSRegions(t *testing.T) {
	stub := newStub(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	// The stub stands in for sns.<region>.amazonaws.com: the host template accepts any region the check lets by.
	c := sns.NewConfirmerFor(stub.Client(), []string{stub.host()}, quiet())
	arn := func(region string) string { return "arn:aws:sns:" + region + ":123456789012:alerts" }
	for _, region := range []string{"us-east-1", "ap-northeast-2", "cn-north-1", "us-gov-west-1", "us-iso-east-1"} {
		if err := c.Confirm(context.Background(), sourcekit.Subscription{URL: confirmURL(stub.host(), arn(region)), TopicArn: arn(region)}); err != nil {
			t.Errorf("region %s: %v", region, err)
		}
	}
	before := stub.requests.Load()
	long := strings.Repeat("a", 1<<20) + "-east-1"
	for _, region := range []string{"s3", "s3-website-us-east-1", "us-east", "US-EAST-1", "us_east_1", "us-east-1a", long} {
		err := c.Confirm(context.Background(), sourcekit.Subscription{URL: confirmURL(stub.host(), arn(region)), TopicArn: arn(region)})
		if !errors.Is(err, sns.ErrRefused) {
			t.Errorf("region %.20q: %v, want a refusal", region, err)
		}
		if err != nil && len(err.Error()) > 512 {
			t.Errorf("region %.20q: the error echoes %d bytes", region, len(err.Error()))
		}
	}
	if n := stub.requests.Load(); n != before {
		t.Errorf("%d requests for refused regions", n-before)
	}
}

// ociURL is a ConfirmationURL of OCI Notifications' form on host.
func ociURL(host string) string {
	return "https://" + host + "/20181201/subscriptions/ocid1.onssubscription.oc1.iad.aaaaaaaaxzky/confirmation?token=MDAw&protocol=CUSTOM_HTTPS"
}

// TestOCIConfirmationURLs checks the rules for OCI Notifications: only its hosts in oraclecloud.com, only the
// confirmation path with a token; everything else is refused before any request.
func TestOCIConfirmationURLs(t *testing.T) {
	var got *http.Request
	stub := newStub(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		_, _ = io.WriteString(w, `{"message": "subscribed"}`)
	})
	// Every OCI host resolves to the stub, so the real URL forms can be requested on loopback.
	client := stub.Client()
	tr := client.Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, stub.Listener.Addr().String())
	}
	tr.TLSClientConfig.InsecureSkipVerify = true // the stub stands in for Oracle's host on loopback
	client.Transport = tr
	c := sns.NewConfirmerFor(client, sns.DefaultHosts, quiet())
	for _, host := range []string{"cell1.notification.us-ashburn-1.oci.oraclecloud.com", "cell1.notification.ap-seoul-1.oraclecloud.com",
		"notification.eu-frankfurt-1.oci.oraclecloud.com", "CELL1.notification.us-phoenix-1.oci.oraclecloud.com:443"} {
		if err := c.Confirm(context.Background(), sourcekit.Subscription{URL: ociURL(host), Provider: "oci"}); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	if got == nil || got.URL.Query().Get("protocol") != "CUSTOM_HTTPS" {
		t.Fatalf("the stub saw %v", got)
	}
	before := stub.requests.Load()
	hostile := []string{
		ociURL("cell1.notification.us-ashburn-1.oci.oraclecloud.com.evil.example"),
		ociURL("evil.oraclecloud.com"),
		ociURL("objectstorage.us-ashburn-1.oraclecloud.com"),
		ociURL("cell1.notification.s3.oci.oraclecloud.com"),
		ociURL("cell1.notification.us-gov-ashburn-1.oraclegovcloud.com"),
		ociURL("cell1.notification.us-ashburn-1.oci.oraclecloud.com:8443"),
		ociURL("169.254.169.254"),
		strings.Replace(ociURL("cell1.notification.us-ashburn-1.oci.oraclecloud.com"), "https://", "http://", 1),
		strings.Replace(ociURL("cell1.notification.us-ashburn-1.oci.oraclecloud.com"), "https://", "https://user:pw@", 1),
		strings.Replace(ociURL("cell1.notification.us-ashburn-1.oci.oraclecloud.com"), "/confirmation", "/unsubscription", 1),
		strings.Replace(ociURL("cell1.notification.us-ashburn-1.oci.oraclecloud.com"), "token=MDAw&", "", 1),
		strings.Replace(ociURL("cell1.notification.us-ashburn-1.oci.oraclecloud.com"), "CUSTOM_HTTPS", "EMAIL", 1),
		"https://cell1.notification.us-ashburn-1.oci.oraclecloud.com/20181201/topics/x",
	}
	for _, u := range hostile {
		if err := c.Confirm(context.Background(), sourcekit.Subscription{URL: u, Provider: "oci"}); !errors.Is(err, sns.ErrRefused) {
			t.Errorf("%s: %v, want a refusal", u, err)
		}
	}
	// SNS's rules do not confirm an OCI URL, nor OCI's an SNS one.
	if err := c.Confirm(context.Background(), sourcekit.Subscription{URL: ociURL("cell1.notification.us-ashburn-1.oci.oraclecloud.com")}); !errors.Is(err, sns.ErrRefused) {
		t.Errorf("an OCI URL under SNS rules: %v", err)
	}
	if n := stub.requests.Load(); n != before {
		t.Errorf("%d requests for refused URLs", n-before)
	}
}
