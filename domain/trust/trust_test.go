package trust_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/trust"
)

const secret = "0123456789abcdef-s3cr3t"

func bodySecret(path string) *option.BodySecret {
	return &option.BodySecret{Path: option.Path(path), Value: secret}
}

func TestCheckSecretComparesAndRemovesTheField(t *testing.T) {
	body := map[string]any{
		"title": "disk full", "auth": map[string]any{"token": secret, "user": "dd"},
		"alerts": []any{map[string]any{"k": secret}, "x"},
	}
	original := deepCopy(body)
	got, err := trust.CheckSecret(bodySecret("auth.token"), body)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"title": "disk full", "auth": map[string]any{"user": "dd"}, "alerts": body["alerts"]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CheckSecret = %v, want %v", got, want)
	}
	if !reflect.DeepEqual(body, original) {
		t.Errorf("the caller's body changed: %v", body)
	}
	// Inside a list element's object, and at the top.
	got, err = trust.CheckSecret(bodySecret("alerts.0.k"), body)
	if err != nil || len(got["alerts"].([]any)[0].(map[string]any)) != 0 || !reflect.DeepEqual(body, original) {
		t.Errorf("alerts.0.k: %v, %v; body %v", got, err, body)
	}
	top := map[string]any{"secret": secret, "event_key": "k"}
	if got, err := trust.CheckSecret(bodySecret("secret"), top); err != nil || !reflect.DeepEqual(got, map[string]any{"event_key": "k"}) {
		t.Errorf("top level: %v, %v", got, err)
	}
	// No secret set: the body as it is.
	if got, err := trust.CheckSecret(nil, body); err != nil || !reflect.DeepEqual(got, body) {
		t.Errorf("no body_secret: %v, %v", got, err)
	}
}

func TestCheckSecretRefusesMissingAndWrongSecrets(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		body    map[string]any
		missing bool
	}{
		{"absent", "auth.token", map[string]any{"auth": map[string]any{}}, true},
		{"no parent", "auth.token", map[string]any{"title": "x"}, true},
		{"null", "auth.token", map[string]any{"auth": map[string]any{"token": nil}}, true},
		{"a number", "token", map[string]any{"token": 1234567890123456.0}, true},
		{"an object", "token", map[string]any{"token": map[string]any{"v": secret}}, true},
		{"a list element", "tokens.0", map[string]any{"tokens": []any{secret}}, true},
		{"wrong", "token", map[string]any{"token": "0123456789abcdef-s3cr3T"}, false},
		{"a prefix", "token", map[string]any{"token": secret[:len(secret)-1]}, false},
		{"longer", "token", map[string]any{"token": secret + "x"}, false},
		{"empty", "token", map[string]any{"token": ""}, false},
		{"very long", "token", map[string]any{"token": strings.Repeat(secret, 10000)}, false},
		{"another case", "token", map[string]any{"token": strings.ToUpper(secret)}, false},
	}
	for _, tt := range tests {
		_, err := trust.CheckSecret(bodySecret(tt.path), tt.body)
		var se *trust.SecretError
		if !errors.As(err, &se) || se.Missing != tt.missing || string(se.Path) != tt.path {
			t.Errorf("%s: %v, want a SecretError (missing %v) at %s", tt.name, err, tt.missing, tt.path)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "s3cr3") {
			t.Errorf("%s: the error shows a secret: %v", tt.name, err)
		}
	}
}

func TestCheckTopicBeforeAnythingElse(t *testing.T) {
	opts := option.Defaults()
	body := map[string]any{"TopicArn": "arn:aws:sns:us-east-1:123456789012:other"}
	if err := trust.CheckTopic(opts, body); err != nil {
		t.Errorf("no allowlist: %v", err)
	}
	opts.SNSTopicArns = []option.TopicPattern{"arn:aws:sns:us-east-1:123456789012:alerts"}
	var te *trust.TopicError
	if err := trust.CheckTopic(opts, body); !errors.As(err, &te) || te.Topic != "arn:aws:sns:us-east-1:123456789012:other" ||
		!strings.Contains(err.Error(), "The SNS topic arn:aws:sns:us-east-1:123456789012:other is not one of options.sns_topic_arns") {
		t.Errorf("another topic: %v", err)
	}
	for name, b := range map[string]map[string]any{"no TopicArn": {"AlarmName": "cpu"}, "a number": {"TopicArn": 1.0}} {
		if err := trust.CheckTopic(opts, b); !errors.As(err, &te) || te.Topic != "" || !strings.Contains(err.Error(), "names no SNS topic") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := trust.CheckTopic(opts, map[string]any{"TopicArn": "arn:aws:sns:us-east-1:123456789012:alerts"}); err != nil {
		t.Errorf("the listed topic: %v", err)
	}
	long := map[string]any{"TopicArn": strings.Repeat("arn:", 100000)}
	if err := trust.CheckTopic(opts, long); err == nil || len(err.Error()) > 300 {
		t.Errorf("a long topic: the error is %d bytes", len(err.Error()))
	}
}

func TestResultNamesTheOutcome(t *testing.T) {
	body := map[string]any{"TopicArn": "arn:aws:sns:us-east-1:123456789012:alerts"}
	tests := []struct {
		err  error
		want trust.Check
	}{
		{nil, trust.Check{Mode: option.VerifyLog, Outcome: trust.Verified, Topic: "arn:aws:sns:us-east-1:123456789012:alerts"}},
		{&trust.SignatureError{Unsigned: true, Reason: "it has no Signature"}, trust.Check{Mode: option.VerifyLog, Outcome: trust.Unsigned, Reason: "it has no Signature", Topic: "arn:aws:sns:us-east-1:123456789012:alerts"}},
		{&trust.SignatureError{Reason: "x"}, trust.Check{Mode: option.VerifyLog, Outcome: trust.Failed, Reason: "x", Topic: "arn:aws:sns:us-east-1:123456789012:alerts"}},
		{errors.New("other"), trust.Check{Mode: option.VerifyLog, Outcome: trust.Failed, Reason: "other", Topic: "arn:aws:sns:us-east-1:123456789012:alerts"}},
	}
	for _, tt := range tests {
		if got := trust.Result(option.VerifyLog, body, tt.err); got != tt.want {
			t.Errorf("Result(%v) = %+v, want %+v", tt.err, got, tt.want)
		}
	}
}

func deepCopy(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			out[k] = deepCopy(x)
		case []any:
			l := make([]any, len(x))
			for i, e := range x {
				if em, ok := e.(map[string]any); ok {
					l[i] = deepCopy(em)
				} else {
					l[i] = e
				}
			}
			out[k] = l
		default:
			out[k] = v
		}
	}
	return out
}
