package option_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/option"
)

func TestTopicPatternsMatchSegmentBySegment(t *testing.T) {
	const topic = "arn:aws:sns:us-east-1:123456789012:prod-alerts"
	tests := []struct {
		pattern option.TopicPattern
		arn     string
		want    bool
	}{
		{"arn:aws:sns:us-east-1:123456789012:prod-alerts", topic, true},
		{"arn:aws:sns:us-east-1:123456789012:prod-alert", topic, false},
		{"arn:aws:sns:us-east-1:123456789012:prod-alertsx", topic, false},
		{"arn:aws:sns:*:123456789012:prod-alerts", topic, true},
		{"arn:aws:sns:us-east-1:*:*", topic, true},
		{"arn:*:*:*:*:*", topic, true},
		{"arn:aws:sns:us-*-1:123456789012:prod-*", topic, true},
		{"arn:aws:sns:us-east-1:123456789012:*-alerts", topic, true},
		{"arn:aws:sns:us-east-1:123456789012:p*d*s", topic, true},
		{"arn:aws:sns:us-east-1:123456789012:p*x*s", topic, false},
		{"arn:aws:sns:eu-*:123456789012:prod-alerts", topic, false},
		{"arn:aws:sns:us-east-1:999999999999:prod-alerts", topic, false},
		// A star never reaches into the next segment: the topic "a:b" has seven segments and no topic has them.
		{"arn:aws:sns:us-east-1:123456789012:*", "arn:aws:sns:us-east-1:123456789012:a:b", false},
		{"arn:aws:sns:*:123456789012:prod-alerts", "arn:aws:sns:us-east-1:x:123456789012:prod-alerts", false},
		{"arn:aws:sns:us-east-1:123456789012:*", "", false},
		{"arn:aws:sns:us-east-1:123456789012:*", "arn:aws:sns:us-east-1:123456789012:" + strings.Repeat("a", 600), false},
		{"arn:aws-cn:sns:cn-north-1:123456789012:orders.fifo", "arn:aws-cn:sns:cn-north-1:123456789012:orders.fifo", true},
	}
	for _, tt := range tests {
		if got := tt.pattern.Matches(tt.arn); got != tt.want {
			t.Errorf("%q.Matches(%.60q) = %v, want %v", tt.pattern, tt.arn, got, tt.want)
		}
	}
}

// TestManyStarsCostLittle: the matcher backtracks only to the last star, so a pattern of many stars against a long
// topic name that does not match stays quick (a naive recursive matcher would take exponential time here).
func TestManyStarsCostLittle(t *testing.T) {
	p := option.TopicPattern("arn:aws:sns:us-east-1:123456789012:" + strings.Repeat("a*", 200) + "b")
	arn := "arn:aws:sns:us-east-1:123456789012:" + strings.Repeat("a", 256)
	if !p.Valid() {
		t.Fatal("the pattern is not valid")
	}
	if p.Matches(arn) {
		t.Error("matched a name without b")
	}
}

func TestTopicAllowedByAnEmptyListOrAnEntry(t *testing.T) {
	o := option.Defaults()
	if !o.TopicAllowed("anything") {
		t.Error("an empty sns_topic_arns refused a topic")
	}
	o.SNSTopicArns = []option.TopicPattern{"arn:aws:sns:us-east-1:123456789012:a", "arn:aws:sns:eu-west-1:123456789012:*"}
	for arn, want := range map[string]bool{
		"arn:aws:sns:us-east-1:123456789012:a": true,
		"arn:aws:sns:eu-west-1:123456789012:b": true,
		"arn:aws:sns:us-east-1:123456789012:b": false,
		"":                                     false,
	} {
		if got := o.TopicAllowed(arn); got != want {
			t.Errorf("TopicAllowed(%q) = %v", arn, got)
		}
	}
}

// TestSecretsAreNeverShown: body_secret.value renders as the mask in the options document (init's metadata echoes
// it), in JSON and through fmt, which slog's text handler uses; only Reveal reads it.
func TestSecretsAreNeverShown(t *testing.T) {
	const value = "correct-horse-battery-staple"
	opts, err := option.Parse(map[string]any{"body_secret": map[string]any{"path": "auth.token", "value": value}})
	if err != nil {
		t.Fatal(err)
	}
	if opts.BodySecret.Value.Reveal() != value {
		t.Fatalf("Reveal = %q", opts.BodySecret.Value.Reveal())
	}
	doc := opts.Document()
	b, _ := json.Marshal(doc)
	rendered := []string{string(b), fmt.Sprint(opts), fmt.Sprintf("%+v", opts), fmt.Sprintf("%#v", opts), fmt.Sprintf("%v", *opts.BodySecret)}
	for _, r := range rendered {
		if strings.Contains(r, value) {
			t.Errorf("the secret is shown in %s", r)
		}
	}
	got := doc["body_secret"].(map[string]any)
	if got["path"] != "auth.token" || got["value"] != option.SecretMask {
		t.Errorf("document body_secret = %v, want the path and the mask", got)
	}
	// The masked document, sent back as it is, is refused: the public mask must never become the secret.
	var oe *option.Error
	if _, err := option.Parse(doc); !errors.As(err, &oe) || oe.Violations[0].Key != "options.body_secret.value" {
		t.Errorf("the masked document: %v, want it refused naming options.body_secret.value", err)
	}
	// A refused secret is never echoed either.
	_, err = option.Parse(map[string]any{"body_secret": map[string]any{"path": "a", "value": "short-secret"}})
	if err == nil || strings.Contains(err.Error(), "short-secret") {
		t.Errorf("a short secret: %v", err)
	}
}

// TestSchemaMarksTheSecretWriteOnly: the published schema tells a UI not to show the value back, and requires both
// keys of body_secret.
func TestSchemaMarksTheSecretWriteOnly(t *testing.T) {
	bs := option.Schema()["properties"].(map[string]any)["body_secret"].(map[string]any)
	if bs["writeOnly"] != nil {
		t.Errorf("body_secret itself is writeOnly: %v", bs)
	}
	value := bs["properties"].(map[string]any)["value"].(map[string]any)
	if value["writeOnly"] != true || value["minLength"] != 16.0 {
		t.Errorf("value schema = %v", value)
	}
	if req, _ := bs["required"].([]any); len(req) != 2 || req[0] != "path" || req[1] != "value" {
		t.Errorf("required = %v", bs["required"])
	}
}
