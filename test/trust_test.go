package e2e_test

import (
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/monhook/monhook/domain/trust/trusttest"
)

// trap is a listener on loopback that counts the connections made to it and closes each at once.
func trap(t *testing.T) (addr string, connections *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	connections = &atomic.Int32{}
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			connections.Add(1)
			_ = conn.Close()
		}
	}()
	t.Cleanup(func() { _ = l.Close() })
	return l.Addr().String(), connections
}

// startWithAdmin starts the server, with more flags if given, and its admin listener on a free loopback port, and
// returns that port's URL.
func startWithAdmin(t *testing.T, flags ...string) (*server, string) {
	t.Helper()
	var admin string
	srv := startOn(t, func(port int) (launchSpec, string) {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		admin = net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
		return launchSpec{args: append([]string{"serve", "--listen", addr, "--admin-listen", admin}, flags...)}, addr
	})
	return srv, "http://" + admin
}

// metric returns the value of the series of name whose labels are exactly labels, in the text of /metrics.
func metric(t *testing.T, adminURL, name string, labels ...string) float64 {
	t.Helper()
	res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Get(adminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	var series []string
	for i := 0; i+1 < len(labels); i += 2 {
		series = append(series, labels[i]+`="`+labels[i+1]+`"`)
	}
	slices.Sort(series) // the exposition writes label pairs in the order of their names
	prefix := name + "{" + strings.Join(series, ",") + "} "
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	return 0
}

func parseRequest(t *testing.T, options, data map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"options": options, "data": data})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSNSSignaturesThroughTheBinary sends signed, tampered and unsigned SNS bodies, and bodies naming hostile
// SigningCertURLs, to the built binary as Cloudforet does. None of them may cause a connection (every URL here
// fails the checks made before any request); enforce refuses each, log reads each, and the default reads each as
// before, so upgrading changes nothing for a webhook that sets no option.
func TestSNSSignaturesThroughTheBinary(t *testing.T) {
	addr, connections := trap(t)
	srv, admin := startWithAdmin(t)
	c := dial(t, srv.addr)
	key := trusttest.Key(t)
	alarm := `{"AlarmName": "cpu", "NewStateValue": "ALARM", "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu"}`
	signed := func(certURL, version string) map[string]any {
		return trusttest.Sign(t, key, trusttest.Notification(certURL, alarm), version)
	}
	hostile := []map[string]any{
		signed("https://"+addr+"/SimpleNotificationService-1.pem", "2"),
		signed("http://"+addr+"/SimpleNotificationService-1.pem", "1"),
		signed("https://169.254.169.254/latest/meta-data/x.pem", "2"),
		signed("https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem", "2"), // not the topic's region
		signed("https://sns.us-east-1.amazonaws.com:"+addr[strings.LastIndex(addr, ":")+1:]+"/x.pem", "2"),
		signed("https://user@sns.us-east-1.amazonaws.com/x.pem", "1"),
		signed("https://sns.us-east-1.amazonaws.com/x.pem?redirect=http://"+addr, "2"),
	}
	for i, body := range hostile {
		e := c.mustFail(t, "Event.parse", parseRequest(t, map[string]any{"sns_verify": "enforce"}, body))
		if e.code != codes.InvalidArgument || e.errorCode != "ERROR_SIGNATURE_NOT_VERIFIED" ||
			!strings.Contains(e.message, "its signing certificate was not accepted: the SigningCertURL is not SNS's certificate URL for the topic, so it was not requested") {
			t.Errorf("hostile %d under enforce: %v %s %q", i, e.code, e.errorCode, e.message)
		}
		got := c.mustCall(t, "Event.parse", parseRequest(t, map[string]any{"sns_verify": "log"}, body))
		if results, _ := got["results"].([]any); len(results) != 1 {
			t.Errorf("hostile %d under log: %s", i, show(got))
		}
	}
	unsigned := []map[string]any{
		trusttest.Notification("https://sns.us-east-1.amazonaws.com/x.pem", alarm),
		{"AlarmName": "cpu", "NewStateValue": "ALARM", "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu"},
		{"event_key": "k", "title": "t", "event_type": "RECOVERY"},
	}
	for i, body := range unsigned {
		e := c.mustFail(t, "Event.parse", parseRequest(t, map[string]any{"sns_verify": "enforce"}, body))
		if e.errorCode != "ERROR_SIGNATURE_NOT_VERIFIED" || e.message != "The body is not a signed AWS SNS message, and options.sns_verify is enforce: it has no Signature." {
			t.Errorf("unsigned %d under enforce: %s %q", i, e.errorCode, e.message)
		}
		for _, opts := range []map[string]any{{"sns_verify": "log"}, {}} {
			got := c.mustCall(t, "Event.parse", parseRequest(t, opts, body))
			if results, _ := got["results"].([]any); len(results) != 1 {
				t.Errorf("unsigned %d with %v: %s", i, opts, show(got))
			}
		}
	}
	// The default reads a tampered body as before: nothing is checked unless asked for.
	tampered := signed("https://sns.us-east-1.amazonaws.com/x.pem", "2")
	tampered["Message"] = strings.Replace(alarm, "ALARM", "OK", 1)
	got := c.mustCall(t, "Event.parse", parseRequest(t, map[string]any{}, tampered))
	if results, _ := got["results"].([]any); len(results) != 1 || results[0].(map[string]any)["event_type"] != "RECOVERY" {
		t.Errorf("default options: %s", show(got))
	}
	if n := connections.Load(); n != 0 {
		t.Errorf("%d connections reached the trap", n)
	}
	for _, m := range []struct {
		mode, outcome string
		want          float64
	}{{"enforce", "failed", 7}, {"enforce", "unsigned", 3}, {"log", "failed", 7}, {"log", "unsigned", 3}} {
		if got := metric(t, admin, "monhook_sns_signatures_total", "mode", m.mode, "outcome", m.outcome); got != m.want {
			t.Errorf("monhook_sns_signatures_total{mode=%q,outcome=%q} = %v, want %v", m.mode, m.outcome, got, m.want)
		}
	}
	if got := metric(t, admin, "monhook_parse_failures_total", "source", "auto", "error_code", "ERROR_SIGNATURE_NOT_VERIFIED"); got != 10 {
		t.Errorf("monhook_parse_failures_total{error_code=ERROR_SIGNATURE_NOT_VERIFIED} = %v, want 10", got)
	}
}

// TestTopicAllowlistAndBodySecretThroughTheBinary: refusals with their codes, the secret never in an answer, the
// log or init's metadata.
func TestTopicAllowlistAndBodySecretThroughTheBinary(t *testing.T) {
	addr, connections := trap(t)
	srv := startServer(t)
	c := dial(t, srv.addr)
	other := trusttest.Notification("https://"+addr+"/x.pem", "hello")
	other["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:other"
	for _, mode := range []string{"off", "log", "enforce"} {
		e := c.mustFail(t, "Event.parse", parseRequest(t, map[string]any{"sns_verify": mode, "sns_topic_arns": []any{trusttest.Topic}}, other))
		if e.code != codes.InvalidArgument || e.errorCode != "ERROR_TOPIC_NOT_ALLOWED" ||
			e.message != "The SNS topic arn:aws:sns:us-east-1:123456789012:other is not one of options.sns_topic_arns." {
			t.Errorf("%s: %v %s %q", mode, e.code, e.errorCode, e.message)
		}
	}
	if connections.Load() != 0 {
		t.Error("a body from another topic caused a connection")
	}

	const secret = "marker-7f3a9c-correct-horse-battery" //nolint:gosec // G101: a made-up secret the test looks for in answers and logs
	opts := map[string]any{"body_secret": map[string]any{"path": "monhook_secret", "value": secret}}
	initReq, _ := json.Marshal(map[string]any{"options": opts})
	md := c.mustCall(t, "Webhook.init", string(initReq))
	echoed := md["metadata"].(map[string]any)["options"].(map[string]any)["body_secret"]
	if strings.Contains(full(t, md), secret) || !reflect.DeepEqual(echoed, map[string]any{"path": "monhook_secret", "value": "<secret, not shown>"}) {
		t.Errorf("init's metadata echoes body_secret as %v", echoed)
	}
	// A New Relic body keeps every key it does not know in additional_info: the secret's field is gone first.
	body := map[string]any{"id": "42", "issueUrl": "https://one.newrelic.com/accounts/1/issues/42", "state": "ACTIVATED",
		"title": "disk full", "priority": "HIGH", "monhook_secret": secret}
	got := c.mustCall(t, "Event.parse", parseRequest(t, opts, body))
	if results, _ := got["results"].([]any); len(results) != 1 || strings.Contains(full(t, got), secret) || strings.Contains(full(t, got), "monhook_secret") {
		t.Errorf("with the secret: %s", show(got))
	}
	for name, v := range map[string]any{"wrong": secret + "x", "missing": nil, "a number": 12345678901234567.0} {
		bad := maps.Clone(body)
		if v == nil {
			delete(bad, "monhook_secret")
		} else {
			bad["monhook_secret"] = v
		}
		e := c.mustFail(t, "Event.parse", parseRequest(t, opts, bad))
		if e.code != codes.InvalidArgument || e.errorCode != "ERROR_BODY_SECRET_MISMATCH" || !strings.HasPrefix(e.message, "The body's secret at monhook_secret (options.body_secret.path) ") {
			t.Errorf("%s: %v %s %q", name, e.code, e.errorCode, e.message)
		}
	}
	if strings.Contains(srv.stderr.String(), secret) {
		t.Error("the secret reached the log")
	}
}

// full is v as JSON, whole (show abbreviates).
func full(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
