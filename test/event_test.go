package e2e_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/monhook/monhook/domain/source"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

// receivedInGolden is the time of receipt the golden files were made with; the binary uses the real clock.
const receivedInGolden = "2026-01-02T03:04:05Z"

// goldenOf reads the golden answer beside f.
func goldenOf(t *testing.T, f sourcetest.Fixture) map[string]any {
	t.Helper()
	var golden map[string]any
	b, err := os.ReadFile(f.Golden)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	return golden
}

// TestParseAnswersEveryFixtureAsTheGoldenFile sends every real body through the reflection-only client, as
// Cloudforet does, with default options, and compares the answer with the golden file a reviewer reads.
func TestParseAnswersEveryFixtureAsTheGoldenFile(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	for _, f := range sourcetest.Fixtures(t) {
		if f.Name() == "aws_sns/subscription-confirmation.json" {
			continue // it would be confirmed at AWS; the confirmer's own tests cover it on loopback
		}
		t.Run(f.Name(), func(t *testing.T) {
			body := f.Body
			golden := goldenOf(t, f)
			req := `{"options": {}, "data": ` + string(body) + `}`
			if want, refused := golden["error"].(string); refused {
				e := c.mustFail(t, "Event.parse", req)
				if e.code != codes.InvalidArgument || e.errorCode != "ERROR_INVALID_PAYLOAD" || e.message != want {
					t.Errorf("got %v %s %q, want ERROR_INVALID_PAYLOAD %q", e.code, e.errorCode, e.message, want)
				}
				return
			}
			before := time.Now().UTC().Add(-time.Second)
			got := c.mustCall(t, "Event.parse", req)
			after := time.Now().UTC().Add(time.Second)
			results, _ := got["results"].([]any)
			wantResults, _ := golden["results"].([]any)
			if len(results) != len(wantResults) {
				t.Fatalf("%d events, golden has %d:\n%s", len(results), len(wantResults), show(got))
			}
			for i := range results {
				g, w := results[i].(map[string]any), wantResults[i].(map[string]any)
				if w["occurred_at"] == receivedInGolden { // the body has no time: the server's clock gives it
					at, err := time.Parse(time.RFC3339Nano, g["occurred_at"].(string))
					if err != nil || at.Before(before) || at.After(after) || !strings.HasSuffix(g["occurred_at"].(string), "Z") {
						t.Errorf("event %d occurred_at %v is not the time of receipt in UTC", i, g["occurred_at"])
					}
					g["occurred_at"] = receivedInGolden
				}
				if !sameJSON(g, w) {
					t.Errorf("event %d\n got %s\nwant %s", i, show(g), show(w))
				}
			}
		})
	}
}

func TestParseErrorsReachCloudforetAsWritten(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	tests := []struct {
		req, code, prefix string
	}{
		{`{"options": {}}`, "ERROR_REQUIRED_PARAMETER", "Required parameter. (key = data)"},
		{`{"data": {"a": 1}}`, "ERROR_REQUIRED_PARAMETER", "Required parameter. (key = options)"},
		{`{"options": {"source": "nagios"}, "data": {}}`, "ERROR_INVALID_PARAMETER", "Parameter is invalid. (key = options.source, reason = "},
		{`{"options": {}, "data": {"hello": "world"}}`, "ERROR_UNSUPPORTED_PAYLOAD", "The payload matches none of the supported sources (tried " + strings.Join(source.Names(), ", ") + ")."},
		{`{"options": {"source": "alertmanager"}, "data": {"alerts": [{"labels": ["x"]}]}}`, "ERROR_INVALID_PAYLOAD", `The alertmanager payload cannot be read: alerts[0].labels is not an object.`},
	}
	for _, tt := range tests {
		e := c.mustFail(t, "Event.parse", tt.req)
		if e.code != codes.InvalidArgument || e.errorCode != tt.code || !strings.HasPrefix(e.message, tt.prefix) {
			t.Errorf("%s: got %v %s %q, want %s %q…", tt.req, e.code, e.errorCode, e.message, tt.code, tt.prefix)
		}
	}
	// The server still answers.
	c.mustCall(t, "Webhook.verify", `{"options": {}}`)
}

// TestHostileSubscribeURLIsNeverRequested sends SNS handshakes naming a listener on loopback, in the body and
// through options.confirm_url: the server must refuse them without a single connection to it.
func TestHostileSubscribeURLIsNeverRequested(t *testing.T) {
	addr, connections := trap(t)
	srv := startServer(t)
	c := dial(t, srv.addr)
	topic := "arn:aws:sns:us-east-1:123456789012:alerts"
	for _, u := range []string{
		"http://" + addr + "/?Action=ConfirmSubscription&TopicArn=" + topic,
		"https://" + addr + "/?Action=ConfirmSubscription&TopicArn=" + topic,
		"https://169.254.169.254/latest/meta-data/?Action=ConfirmSubscription&TopicArn=" + topic,
	} {
		body, _ := json.Marshal(map[string]any{"Type": "SubscriptionConfirmation", "MessageId": "m", "TopicArn": topic, "SubscribeURL": u})
		e := c.mustFail(t, "Event.parse", `{"options": {}, "data": `+string(body)+`}`)
		if e.code != codes.FailedPrecondition || e.errorCode != "ERROR_SUBSCRIPTION_NOT_CONFIRMED" {
			t.Errorf("%s: got %v %s %q", u, e.code, e.errorCode, e.message)
		}
		viaOption, _ := json.Marshal(map[string]any{"confirm": map[string]any{"url": u}})
		e = c.mustFail(t, "Event.parse", `{"options": {"confirm_url": "confirm.url"}, "data": `+string(viaOption)+`}`)
		if e.errorCode != "ERROR_SUBSCRIPTION_NOT_CONFIRMED" {
			t.Errorf("confirm_url %s: got %v %s %q", u, e.code, e.errorCode, e.message)
		}
	}
	if n := connections.Load(); n != 0 {
		t.Errorf("%d connections reached the trap", n)
	}
}
