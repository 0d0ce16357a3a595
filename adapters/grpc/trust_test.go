package grpc

import (
	"encoding/json"
	"log/slog"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/monhook/monhook/adapters/admin"
	"github.com/monhook/monhook/adapters/sns"
	"github.com/monhook/monhook/adapters/sns/snstest"
	"github.com/monhook/monhook/adapters/telemetry"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/trust/trusttest"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

const snsCertPath = "/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem"

// trustBench is the production server over bufconn with the real certificate fetcher, pointed at a loopback
// stand-in for SNS's certificate host and for Amazon Trust Services' issuer host, under a CA made here.
type trustBench struct {
	*testServer
	sns, issuers *snstest.Host
	confirmer    *recordingConfirmer
	web          *httptest.Server // the admin listener: /metrics
}

func newTrustBench(t *testing.T) *trustBench {
	t.Helper()
	ca := snstest.NewCA(t, "Test Amazon")
	b := &trustBench{sns: snstest.NewHost(t), issuers: snstest.NewPlainHost(t), confirmer: &recordingConfirmer{}}
	b.issuers.Serve("/r2m02.cer", ca.Intermediate.Raw)
	b.sns.Serve(snsCertPath, snstest.PEM(ca.Issue(t, snstest.Leaf{Key: &trusttest.Key(t).PublicKey, IssuerURL: b.issuers.URL + "/r2m02.cer"})))
	reg, err := telemetry.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	counters, err := telemetry.NewCounters(reg)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(&strings.Builder{}, nil))
	certs := sns.NewCertificatesWith(b.sns.Settings(ca.Roots, b.issuers), log)
	b.testServer = serveParts(t, slog.LevelInfo, b.confirmer, certs, Observers{Counters: counters})
	b.web = httptest.NewServer(admin.NewHandler(reg, b.run.health))
	t.Cleanup(b.web.Close)
	return b
}

func (b *trustBench) certURL() string { return b.sns.URL + snsCertPath }

// parse calls Event.parse with options and body, answering the events as Cloudforet reads them, or the status.
func (b *trustBench) parse(t *testing.T, options, body map[string]any) ([]map[string]any, *status.Status) {
	t.Helper()
	got, err := pluginpb.NewEventClient(b.conn).Parse(callCtx(t), &pluginpb.ParseRequest{Options: mustStruct(t, options), Data: mustStruct(t, body)})
	if err != nil {
		return nil, status.Convert(err)
	}
	raw, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Results, nil
}

// signatureCount reads monhook_sns_signatures_total{mode, outcome} from /metrics.
func (b *trustBench) signatureCount(t *testing.T, mode, outcome string) float64 {
	t.Helper()
	_, text := get(t, b.web.URL, "/metrics")
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := sample(families, "monhook_sns_signatures_total", map[string]string{"mode": mode, "outcome": outcome})
	return v
}

func alarmNotification(certURL string) map[string]any {
	return trusttest.Notification(certURL, `{"AlarmName": "cpu", "NewStateValue": "ALARM", "AWSAccountId": "123456789012",`+
		`"AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu", "StateChangeTime": "2026-01-02T03:04:05.000+0000"}`)
}

// TestSignedSNSMessagesOverGRPC sends signed, tampered and unsigned bodies through the real server, certificate
// fetcher and CA checks, under enforce and log.
func TestSignedSNSMessagesOverGRPC(t *testing.T) {
	b := newTrustBench(t)
	key := trusttest.Key(t)
	enforce := map[string]any{"sns_verify": "enforce"}
	for _, version := range []string{"1", "2"} {
		signed := trusttest.Sign(t, key, alarmNotification(b.certURL()), version)
		events, st := b.parse(t, enforce, signed)
		if st != nil || len(events) != 1 || events[0]["event_key"] != "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu" {
			t.Fatalf("v%s signed: %v, %v", version, st, events)
		}
		tampered := maps.Clone(signed)
		tampered["Message"] = strings.Replace(signed["Message"].(string), `"ALARM"`, `"OK"`, 1)
		_, st = b.parse(t, enforce, tampered)
		want := "ERROR_SIGNATURE_NOT_VERIFIED: The AWS SNS message signature was not verified: its Signature does not match its signed fields (SignatureVersion " +
			version + ", " + map[string]string{"1": "SHA1withRSA", "2": "SHA256withRSA"}[version] + ")."
		if st.Code() != codes.InvalidArgument || st.Message() != want {
			t.Errorf("v%s tampered: %v %q\n want %q", version, st.Code(), st.Message(), want)
		}
		// log: the tampered body is still read.
		if events, st := b.parse(t, map[string]any{"sns_verify": "log"}, tampered); st != nil || len(events) != 1 || events[0]["event_type"] != "RECOVERY" {
			t.Errorf("v%s tampered under log: %v, %v", version, st, events)
		}
	}
	// Unsigned bodies of any kind are refused under enforce and read under log.
	for name, body := range map[string]map[string]any{
		"unsigned envelope": alarmNotification(b.certURL()),
		"generic":           {"event_key": "k", "title": "t"},
		"raw alarm":         {"AlarmName": "cpu", "NewStateValue": "ALARM"},
	} {
		_, st := b.parse(t, enforce, body)
		if st.Message() != "ERROR_SIGNATURE_NOT_VERIFIED: The body is not a signed AWS SNS message, and options.sns_verify is enforce: it has no Signature." {
			t.Errorf("%s under enforce: %q", name, st.Message())
		}
		if events, st := b.parse(t, map[string]any{"sns_verify": "log"}, body); st != nil || len(events) != 1 {
			t.Errorf("%s under log: %v, %v", name, st, events)
		}
	}
	// One certificate request and one issuer request served every call.
	if n, m := b.sns.Requests.Load(), b.issuers.Requests.Load(); n != 1 || m != 1 {
		t.Errorf("%d certificate and %d issuer requests, want one each (cached)", n, m)
	}
	for _, c := range []struct {
		mode, outcome string
		want          float64
	}{{"enforce", "verified", 2}, {"enforce", "failed", 2}, {"enforce", "unsigned", 3}, {"log", "failed", 2}, {"log", "unsigned", 3}} {
		if got := b.signatureCount(t, c.mode, c.outcome); got != c.want {
			t.Errorf("monhook_sns_signatures_total{mode=%q,outcome=%q} = %v, want %v", c.mode, c.outcome, got, c.want)
		}
	}
	// Every failure was logged with its reason, every check named on its request line.
	var warned, named int
	for _, l := range b.log.lines(t) {
		if l["msg"] == "sns signature not verified" && l["reason"] != "" {
			warned++
		}
		if l["msg"] == "finished call" && l["sns_signature"] != nil {
			named++
		}
	}
	if warned != 10 || named != 12 {
		t.Errorf("%d warnings and %d request lines with sns_signature, want 10 and 12:\n%s", warned, named, b.log.String())
	}
}

// TestSubscriptionsAreConfirmedOnlyWhenSigned: a signed SubscriptionConfirmation is confirmed under enforce; a
// tampered one is not, under enforce or log.
func TestSubscriptionsAreConfirmedOnlyWhenSigned(t *testing.T) {
	b := newTrustBench(t)
	subscribe := "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + trusttest.Topic + "&Token=k"
	signed := trusttest.Sign(t, trusttest.Key(t), trusttest.Confirmation(b.certURL(), subscribe), "2")
	if events, st := b.parse(t, map[string]any{"sns_verify": "enforce"}, signed); st != nil || len(events) != 0 {
		t.Fatalf("signed: %v, %v", st, events)
	}
	tampered := maps.Clone(signed)
	tampered["SubscribeURL"] = subscribe + "&evil=1"
	_, st := b.parse(t, map[string]any{"sns_verify": "enforce"}, tampered)
	if st.Code() != codes.InvalidArgument || !strings.HasPrefix(st.Message(), "ERROR_SIGNATURE_NOT_VERIFIED: ") {
		t.Errorf("tampered under enforce: %v %q", st.Code(), st.Message())
	}
	_, st = b.parse(t, map[string]any{"sns_verify": "log"}, tampered)
	if st.Code() != codes.FailedPrecondition || !strings.HasPrefix(st.Message(), "ERROR_SUBSCRIPTION_NOT_CONFIRMED: The subscription was not confirmed: its message's AWS SNS signature was not verified: ") {
		t.Errorf("tampered under log: %v %q", st.Code(), st.Message())
	}
	b.confirmer.mu.Lock()
	defer b.confirmer.mu.Unlock()
	if len(b.confirmer.urls) != 1 || b.confirmer.urls[0] != subscribe {
		t.Errorf("confirmed %v, want the signed one only", b.confirmer.urls)
	}
}

// TestHostileCertURLsCauseNoRequest: whatever a body names as its certificate, outside the topic's SNS host no
// request is made, and the body is refused.
func TestHostileCertURLsCauseNoRequest(t *testing.T) {
	b := newTrustBench(t)
	for _, u := range []string{
		"https://169.254.169.254/latest/meta-data/x.pem",
		"http://" + b.sns.HostPort() + snsCertPath,
		b.issuers.URL + snsCertPath,
		"https://evil.example.com" + snsCertPath,
		b.certURL() + "?x=1",
		strings.TrimSuffix(b.certURL(), ".pem") + ".txt",
	} {
		body := trusttest.Sign(t, trusttest.Key(t), alarmNotification(u), "2")
		_, st := b.parse(t, map[string]any{"sns_verify": "enforce"}, body)
		if st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "so it was not requested") {
			t.Errorf("%s: %v %q", u, st.Code(), st.Message())
		}
	}
	if n := b.sns.Requests.Load() + b.issuers.Requests.Load(); n != 0 {
		t.Errorf("%d requests reached a server", n)
	}
}

// TestTopicAllowlistAndBodySecretOverGRPC: refusals with their codes, before any request; the secret stays out of
// the answer and the log.
func TestTopicAllowlistAndBodySecretOverGRPC(t *testing.T) {
	b := newTrustBench(t)
	other := alarmNotification(b.certURL())
	other["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:other"
	other = trusttest.Sign(t, trusttest.Key(t), other, "2")
	_, st := b.parse(t, map[string]any{"sns_verify": "enforce", "sns_topic_arns": []any{"arn:aws:sns:*:123456789012:alerts"}}, other)
	if st.Code() != codes.InvalidArgument || st.Message() != "ERROR_TOPIC_NOT_ALLOWED: The SNS topic arn:aws:sns:us-east-1:123456789012:other is not one of options.sns_topic_arns." {
		t.Errorf("another topic: %v %q", st.Code(), st.Message())
	}
	if b.sns.Requests.Load() != 0 {
		t.Error("a body from another topic caused a certificate request")
	}

	const secret = "marker-0123456789-secret"
	opts := map[string]any{"body_secret": map[string]any{"path": "auth.token", "value": secret}}
	body := map[string]any{"event_key": "k", "title": "disk full", "additional_info": map[string]any{"host": "web-1"},
		"auth": map[string]any{"token": secret}}
	events, st := b.parse(t, opts, body)
	if st != nil || len(events) != 1 {
		t.Fatalf("with the secret: %v, %v", st, events)
	}
	answer, _ := json.Marshal(events)
	if strings.Contains(string(answer), secret) {
		t.Errorf("the answer holds the secret: %s", answer)
	}
	for name, bad := range map[string]map[string]any{
		"wrong":   {"event_key": "k", "title": "t", "auth": map[string]any{"token": "marker-0123456789-secreT"}},
		"missing": {"event_key": "k", "title": "t"},
	} {
		_, st := b.parse(t, opts, bad)
		want := map[string]string{"wrong": "does not match options.body_secret.value.", "missing": "is missing or is not text."}[name]
		if st.Code() != codes.InvalidArgument || st.Message() != "ERROR_BODY_SECRET_MISMATCH: The body's secret at auth.token (options.body_secret.path) "+want {
			t.Errorf("%s: %v %q", name, st.Code(), st.Message())
		}
	}
	md, err := pluginpb.NewWebhookClient(b.conn).Init(callCtx(t), &pluginpb.WebhookInitRequest{Options: mustStruct(t, opts)})
	if err != nil {
		t.Fatal(err)
	}
	shown := md.GetMetadata().GetFields()["options"].GetStructValue().GetFields()["body_secret"].GetStructValue().GetFields()["value"].GetStringValue()
	if shown != option.SecretMask {
		t.Errorf("init's metadata shows body_secret.value as %q", shown)
	}
	if strings.Contains(b.log.String(), secret) || strings.Contains(md.String(), secret) {
		t.Error("the secret reached the log or init's metadata")
	}
	// Options copied back from that metadata would make the public mask the secret: init and parse refuse them.
	echoed := md.GetMetadata().GetFields()["options"].GetStructValue()
	const want = "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options.body_secret.value, reason = is <secret, not shown>, " +
		"the mask init's metadata shows in place of a secret, not the secret: send the secret itself)"
	_, err = pluginpb.NewWebhookClient(b.conn).Init(callCtx(t), &pluginpb.WebhookInitRequest{Options: echoed})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || st.Message() != want {
		t.Errorf("init with its own metadata's options: %v %q", st.Code(), st.Message())
	}
	masked := map[string]any{"event_key": "k", "title": "t", "auth": map[string]any{"token": option.SecretMask}}
	if _, st := b.parse(t, echoed.AsMap(), masked); st.Code() != codes.InvalidArgument || st.Message() != want {
		t.Errorf("parse with the mask as the secret: %v %q", st.Code(), st.Message())
	}
}
