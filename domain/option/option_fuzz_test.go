package option_test

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/monhook/monhook/domain/option"
)

// fuzzDocuments seed FuzzParse: documents from the tests above, valid and invalid, as a caller writes them.
var fuzzDocuments = []string{
	`{}`,
	`{"source": "google_cloud_monitoring"}`,
	`{"source": "nagios"}`,
	`{"source": 3}`,
	`{"source": null}`,
	`{"message_root": "message", "load_json": ["message", "detail.body"]}`,
	`{"message_root": "a.b-c.d_e.0", "confirm_url": "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a"}`,
	`{"confirm_url": "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a"}`,
	`{"load_json": [], "event_key_fields": []}`,
	`{"load_json": ["a", true]}`,
	`{"load_json": ["a", "a"]}`,
	`{"event_key_fields": ["labels.alertname", "labels.instance"]}`,
	`{"event_key_fields": {}}`,
	`{"severity_map": {"P1": "CRITICAL", "page": "ERROR", "low": "NONE"}}`,
	`{"severity_map": {"p1": "CRITICAL", "P1": "ERROR"}}`,
	`{"severity_map": {"": "CRITICAL"}}`,
	`{"severity_map": {"P1": 1}}`,
	`{"default_severity": "WARNING"}`,
	`{"default_severity": "warning"}`,
	`{"convert_data": {"title": "{{ labels.alertname }} on {{ labels.instance }}", "event_type": "{{status}}",
	  "resource": {"name": "{{ host }}", "resource_type": "server"},
	  "additional_info": {"url": "https://x/{{ id }}", "last brace": "ends with {"}}}`,
	`{"convert_data": {"title": "{% if x %}"}}`,
	`{"convert_data": {"title": "{{ a..b }}"}}`,
	`{"convert_data": {"title": "{{ unclosed"}}`,
	`{"convert_data": {"titel": "x"}}`,
	`{"convert_data": {"resource": {"id": "x"}}}`,
	`{"convert_data": {"additional_info": {"a": 1}}}`,
	`{"convert_data": {"additional_info": {"": "x"}}}`,
	`{"convert_data": []}`,
	`{"foo": 1}`,
	`{"sns_verify": "enforce", "sns_topic_arns": ["arn:aws:sns:us-east-1:123456789012:alerts", "arn:aws:sns:*:123456789012:prod-*"]}`,
	`{"sns_verify": "on", "sns_topic_arns": ["arn:aws:sns:us-east-1:1:a"]}`,
	`{"body_secret": {"path": "auth.token", "value": "0123456789abcdef"}}`,
	`{"body_secret": {"path": "auth.token"}}`,
}

// FuzzParse decodes random JSON objects as options. Parse must never panic; it either refuses with one *Error
// whose violations are sorted and named, or returns options whose Document parses to the same Document.
func FuzzParse(f *testing.F) {
	for _, d := range fuzzDocuments {
		f.Add([]byte(d))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var raw map[string]any
		if json.Unmarshal(b, &raw) != nil || raw == nil {
			return // not an object: the transport never hands one to Parse
		}
		opts, err := option.Parse(raw)
		if err != nil {
			var oe *option.Error
			if !errors.As(err, &oe) {
				t.Fatalf("Parse(%s) = %T %v, want *option.Error", b, err, err)
			}
			if len(oe.Violations) == 0 {
				t.Fatalf("Parse(%s) = an *option.Error without violations", b)
			}
			for _, v := range oe.Violations {
				if v.Kind == 0 || !strings.HasPrefix(v.Key, "options") {
					t.Fatalf("Parse(%s): violation %+v has no kind or a key outside options", b, v)
				}
			}
			if !slices.IsSortedFunc(oe.Violations, func(a, b option.Violation) int {
				if c := strings.Compare(a.Key, b.Key); c != 0 {
					return c
				}
				return int(a.Kind) - int(b.Kind)
			}) {
				t.Fatalf("Parse(%s): violations not sorted by key then kind: %+v", b, oe.Violations)
			}
			return
		}
		// An empty map and an absent one mean the same, so the round trip compares documents, not structs. A
		// document masks body_secret.value, and the mask is refused as a value: the round trip sends the secret.
		doc := opts.Document()
		sent := doc
		if opts.BodySecret != nil {
			sent = maps.Clone(doc)
			sent["body_secret"] = map[string]any{"path": string(opts.BodySecret.Path), "value": opts.BodySecret.Value.Reveal()}
		}
		again, err := option.Parse(sent)
		if err != nil {
			t.Fatalf("Parse(%s) succeeded, but its own Document %v is refused: %v", b, doc, err)
		}
		if !reflect.DeepEqual(again.Document(), doc) {
			t.Fatalf("Parse(%s) has Document %v, but that parses to Document %v", b, doc, again.Document())
		}
	})
}

// schemaPatterns returns the published patterns of a path (message_root) and of a template (convert_data.title).
func schemaPatterns(t testing.TB) (path, template *regexp.Regexp) {
	t.Helper()
	props := option.Schema()["properties"].(map[string]any)
	p := props["message_root"].(map[string]any)["pattern"].(string)
	cd := props["convert_data"].(map[string]any)["properties"].(map[string]any)
	tp := cd["title"].(map[string]any)["pattern"].(string)
	return regexp.MustCompile(p), regexp.MustCompile(tp)
}

// FuzzPathSegments checks that Path.Segments accepts exactly what the schema's pattern matches, and that the
// segments it returns join back to the path.
func FuzzPathSegments(f *testing.F) {
	for _, s := range []string{"", "a", "alerts.0.labels.severity", "a.b-c.d_e.0", "a..b", ".a", "a.", "a b", "é",
		strings.Repeat("a.", 15) + "a", strings.Repeat("a.", 16) + "a", "{{ x }}"} {
		f.Add(s)
	}
	pattern, _ := schemaPatterns(f)
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // a path arrives in a protobuf string, which is valid UTF-8
		}
		segs, err := option.Path(s).Segments()
		if matched := pattern.MatchString(s); matched != (err == nil) {
			t.Fatalf("Path(%q).Segments() error %v, but the schema pattern matches: %v", s, err, matched)
		}
		if err != nil {
			return
		}
		if len(segs) == 0 || len(segs) > option.MaxPathSegments || strings.Join(segs, ".") != s {
			t.Fatalf("Path(%q).Segments() = %q", s, segs)
		}
	})
}

// FuzzTemplateParts checks that Template.Parts accepts exactly what the schema's pattern matches, and that what
// it returns is well formed: merged text, valid placeholder paths, text that holds every non-placeholder byte.
func FuzzTemplateParts(f *testing.F) {
	for _, s := range []string{"", "plain", "{{ labels.alertname }} on {{labels.instance}}", "ends with {", "{",
		"{ x }", "{{", "}}", "{{ }}", "{{ a..b }}", "{% if x %}", "{# c #}", "{{ a }}{{ b }}", "{{{ a }}}",
		"{{\ta\n}}", "x{{ a }}y{", "https://x/{{ id }}", "{{ a b }}", "{{ a }"} {
		f.Add(s)
	}
	_, pattern := schemaPatterns(f)
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // a template arrives in a protobuf string, which is valid UTF-8
		}
		parts, err := option.Template(s).Parts()
		if matched := pattern.MatchString(s); matched != (err == nil) {
			t.Fatalf("Template(%q).Parts() error %v, but the schema pattern matches: %v", s, err, matched)
		}
		if err != nil {
			return
		}
		var text strings.Builder
		for i, p := range parts {
			switch {
			case p.Path != "" && p.Text != "":
				t.Fatalf("Template(%q) part %d is both text and placeholder: %+v", s, i, p)
			case p.Path != "":
				if _, err := p.Path.Segments(); err != nil {
					t.Fatalf("Template(%q) part %d has an invalid path: %v", s, i, err)
				}
			case i > 0 && parts[i-1].Path == "":
				t.Fatalf("Template(%q) parts %d and %d are adjacent text: %+v", s, i-1, i, parts)
			}
			text.WriteString(p.Text)
		}
		if text.Len() > len(s) {
			t.Fatalf("Template(%q) text parts hold %d bytes, more than the template", s, text.Len())
		}
	})
}

// TestEmptyAdditionalInfoSurvivesTheDocumentRoundTrip keeps FuzzParse's first finding
// (testdata/fuzz/FuzzParse/c2a2baec1994b910): an empty additional_info parses to an empty map, which Document
// leaves out and Parse then reads as nil. Both mean "no templates", so the documents, not the structs, must agree.
func TestEmptyAdditionalInfoSurvivesTheDocumentRoundTrip(t *testing.T) {
	opts, err := option.Parse(map[string]any{"convert_data": map[string]any{"additional_info": map[string]any{}}})
	if err != nil {
		t.Fatal(err)
	}
	again, err := option.Parse(opts.Document())
	if err != nil {
		t.Fatalf("Parse(%v) = %v", opts.Document(), err)
	}
	if !reflect.DeepEqual(again.Document(), opts.Document()) || len(again.ConvertData.AdditionalInfo) != 0 {
		t.Errorf("round trip: %v, then %v", opts.Document(), again.Document())
	}
}
