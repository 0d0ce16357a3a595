package plugin_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/plugin"
)

func TestDocumentDescribesThePlugin(t *testing.T) {
	opts, err := option.Parse(map[string]any{"source": "grafana", "severity_map": map[string]any{"P1": "CRITICAL"}})
	if err != nil {
		t.Fatal(err)
	}
	doc := plugin.Describe(plugin.Build{Version: "v1.2.3"}, opts).Document()

	if doc["name"] != "monhook" || doc["version"] != "v1.2.3" {
		t.Errorf("name, version = %v, %v", doc["name"], doc["version"])
	}
	var sources []any
	for _, s := range option.Sources() {
		sources = append(sources, string(s))
	}
	if !reflect.DeepEqual(doc["supported_sources"], sources) {
		t.Errorf("supported_sources = %v, want %v", doc["supported_sources"], sources)
	}
	if !reflect.DeepEqual(doc["options_schema"], option.Schema()) {
		t.Error("options_schema is not option.Schema()")
	}
	wantOpts := map[string]any{
		"source": "grafana", "load_json": []any{}, "convert_data": map[string]any{},
		"severity_map": map[string]any{"P1": "CRITICAL"}, "default_severity": "NOT_AVAILABLE", "event_key_fields": []any{},
		"sns_verify": "off", "sns_topic_arns": []any{},
	}
	if !reflect.DeepEqual(doc["options"], wantOpts) {
		t.Errorf("options = %#v\nwant %#v", doc["options"], wantOpts)
	}
}

func TestDocumentKeepsOptionalOptionsWhenSet(t *testing.T) {
	opts, err := option.Parse(map[string]any{"message_root": "message", "confirm_url": "SubscribeURL",
		"convert_data": map[string]any{"title": "{{ a }}", "resource": map[string]any{"name": "{{ h }}"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := plugin.Describe(plugin.Build{Version: "dev"}, opts).Document()["options"].(map[string]any)
	if got["message_root"] != "message" || got["confirm_url"] != "SubscribeURL" {
		t.Errorf("options = %v", got)
	}
	want := map[string]any{"title": "{{ a }}", "resource": map[string]any{"name": "{{ h }}"}}
	if !reflect.DeepEqual(got["convert_data"], want) {
		t.Errorf("convert_data = %v, want %v", got["convert_data"], want)
	}
}

// TestDocumentMasksTheBodySecret: init's metadata echoes the options, and a secret among them only as the mask.
func TestDocumentMasksTheBodySecret(t *testing.T) {
	const value = "correct-horse-battery-staple"
	opts, err := option.Parse(map[string]any{"body_secret": map[string]any{"path": "auth.token", "value": value}})
	if err != nil {
		t.Fatal(err)
	}
	doc := plugin.Describe(plugin.Build{Version: "dev"}, opts).Document()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), value) {
		t.Errorf("the metadata shows the secret: %s", b)
	}
	got := doc["options"].(map[string]any)["body_secret"]
	if want := map[string]any{"path": "auth.token", "value": option.SecretMask}; !reflect.DeepEqual(got, want) {
		t.Errorf("body_secret = %v, want %v", got, want)
	}
}
