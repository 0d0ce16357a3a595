package option_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/monhook/monhook/domain/option"
)

// compiledSchema compiles the published schema with an independent validator, as a UI or a client would.
func compiledSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	// Round-trip through JSON text: that is the form in which the schema is published.
	b, err := json.Marshal(option.Schema())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	if err := c.AddResource("options.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("options.json")
	if err != nil {
		t.Fatalf("the published schema does not compile: %v", err)
	}
	return s
}

// TestSchemaIsDraft07 checks the schema's shape. It names no "$schema" (nor any other '$' keyword): Cloudforet
// stores it in MongoDB, which refuses '$' keys; compiledSchema reads it as draft-07.
func TestSchemaIsDraft07(t *testing.T) {
	s := option.Schema()
	if _, ok := s["$schema"]; ok {
		t.Errorf("$schema = %v; Cloudforet cannot store a '$' key", s["$schema"])
	}
	if s["type"] != "object" || s["additionalProperties"] != false {
		t.Errorf("top level = %v / %v, want a closed object", s["type"], s["additionalProperties"])
	}
	props := s["properties"].(map[string]any)
	names := []string{"source", "message_root", "load_json", "convert_data", "confirm_url", "severity_map", "default_severity",
		"event_key_fields", "source_timezone", "sns_verify", "sns_topic_arns", "body_secret"}
	for _, name := range names {
		p, ok := props[name].(map[string]any)
		if !ok {
			t.Errorf("no property %q", name)
			continue
		}
		if d, _ := p["description"].(string); d == "" {
			t.Errorf("property %q has no description", name)
		}
	}
	if len(props) != len(names) {
		t.Errorf("%d properties, want %d", len(props), len(names))
	}
	enum := props["source"].(map[string]any)["enum"].([]any)
	want := append([]option.Source{option.Auto}, option.Sources()...)
	if len(enum) != len(want) {
		t.Fatalf("source enum %v, want %v", enum, want)
	}
	for i, s := range want {
		if enum[i] != string(s) {
			t.Errorf("source enum[%d] = %v, want %v", i, enum[i], s)
		}
	}
	if got := props["default_severity"].(map[string]any)["default"]; got != "NOT_AVAILABLE" {
		t.Errorf("default_severity default = %v", got)
	}
}

// TestSchemaAgreesWithParse checks, document by document, that the published schema accepts exactly what Parse
// accepts. The one rule JSON Schema cannot state, severity_map keys that differ only in case, is left out and
// named in the schema's description instead.
func TestSchemaAgreesWithParse(t *testing.T) {
	s := compiledSchema(t)
	var docs []map[string]any
	for _, c := range acceptCases {
		docs = append(docs, c.raw)
	}
	for _, c := range rejectCases {
		if c.raw != nil && !strings.Contains(c.name, "differ in case") {
			docs = append(docs, c.raw)
		}
	}
	docs = append(docs, agreementExtras...)
	for _, doc := range docs {
		_, perr := option.Parse(doc)
		serr := s.Validate(asJSON(t, doc))
		if (perr == nil) != (serr == nil) {
			t.Errorf("disagree on %v:\n  Parse: %v\n  schema: %v", doc, perr, serr)
		}
	}
}

// agreementExtras probe the edges of the patterns: braces, white space and lengths.
var agreementExtras = []map[string]any{
	{"convert_data": map[string]any{"title": "{"}},
	{"convert_data": map[string]any{"title": "{}"}},
	{"convert_data": map[string]any{"title": "a{"}},
	{"convert_data": map[string]any{"title": "{{"}},
	{"convert_data": map[string]any{"title": "}}{{a}}}}"}},
	{"convert_data": map[string]any{"title": "{{a}}{{b}}"}},
	{"convert_data": map[string]any{"title": "{{ a }"}},
	{"convert_data": map[string]any{"title": "{{ a } }}"}},
	{"convert_data": map[string]any{"title": "{a{{ b }}"}},
	{"convert_data": map[string]any{"title": "{{\u00a0a }}"}},
	{"convert_data": map[string]any{"title": "{{\va }}"}},
	{"convert_data": map[string]any{"title": "{\n{ a }}"}},
	{"convert_data": map[string]any{"title": "{%"}},
	{"convert_data": map[string]any{"title": "{ %"}},
	{"convert_data": map[string]any{"title": "{{ " + strings.Repeat("a.", 15) + "a }}"}},
	{"convert_data": map[string]any{"title": "{{ " + strings.Repeat("a.", 16) + "a }}"}},
	{"convert_data": map[string]any{"title": strings.Repeat("日", 4096)}},
	{"convert_data": map[string]any{"title": strings.Repeat("日", 4097)}},
	{"message_root": "é"},
	{"message_root": "a.\n"},
	{"message_root": "-._"},
	{"load_json": []any{strings.Repeat("a", 500)}},
	{"event_key_fields": many(16, func(i int) string { return strings.Repeat("k", i+1) })},
	{"load_json": many(32, func(i int) string { return strings.Repeat("k", i+1) })},
	{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:a.fifo"}},
	{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:a.b"}},
	{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:*.b"}},
	{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:a:b"}},
	{"sns_topic_arns": []any{"arn:aws:sns:US-EAST-1:123456789012:a"}},
	{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:1234567890123:a"}},
	{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:"}},
	{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:a\n"}},
	{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:é"}},
	{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:" + strings.Repeat("*", 475)}},
	{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:" + strings.Repeat("*", 476)}},
	{"sns_verify": "Enforce"},
	{"body_secret": map[string]any{"path": "a", "value": strings.Repeat("日", 16)}},
	{"body_secret": map[string]any{"path": "a", "value": strings.Repeat("日", 15)}},
	{"body_secret": map[string]any{"path": "a", "value": strings.Repeat("日", 256)}},
	{"body_secret": map[string]any{"path": "a", "value": strings.Repeat("日", 257)}},
	{"body_secret": map[string]any{}},
	{"body_secret": nil},
}

func asJSON(t *testing.T, doc map[string]any) any {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
