package option_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
)

// acceptCases are valid documents and the options each must give.
var acceptCases = []struct {
	name string
	raw  map[string]any
	want func(*option.Options)
}{
	{"empty document", map[string]any{}, func(*option.Options) {}},
	{"every source", map[string]any{"source": "google_cloud_monitoring"}, func(o *option.Options) { o.Source = option.Source("google_cloud_monitoring") }},
	{"message_root", map[string]any{"message_root": "message"}, func(o *option.Options) { o.MessageRoot = "message" }},
	{"deep message_root", map[string]any{"message_root": "a.b-c.d_e.0"}, func(o *option.Options) { o.MessageRoot = "a.b-c.d_e.0" }},
	{"sixteen segments", map[string]any{"confirm_url": strings.Repeat("a.", 15) + "a"}, func(o *option.Options) { o.ConfirmURL = option.Path(strings.Repeat("a.", 15) + "a") }},
	{"load_json", map[string]any{"load_json": []any{"message", "detail.body"}}, func(o *option.Options) { o.LoadJSON = []option.Path{"message", "detail.body"} }},
	{"empty lists stay empty", map[string]any{"load_json": []any{}, "event_key_fields": []any{}}, func(*option.Options) {}},
	{"event_key_fields", map[string]any{"event_key_fields": []any{"labels.alertname", "labels.instance"}}, func(o *option.Options) {
		o.EventKeyFields = []option.Path{"labels.alertname", "labels.instance"}
	}},
	{"severity_map", map[string]any{"severity_map": map[string]any{"P1": "CRITICAL", "page": "ERROR", "low": "NONE"}}, func(o *option.Options) {
		o.SeverityMap = map[string]event.Severity{"P1": event.Critical, "page": event.Error, "low": event.None}
	}},
	{"default_severity", map[string]any{"default_severity": "WARNING"}, func(o *option.Options) { o.DefaultSeverity = event.Warning }},
	{"source_timezone", map[string]any{"source_timezone": "Europe/Berlin"}, func(o *option.Options) { o.SourceTimezone = "Europe/Berlin" }},
	{"source_timezone three levels", map[string]any{"source_timezone": "America/Argentina/Buenos_Aires"}, func(o *option.Options) { o.SourceTimezone = "America/Argentina/Buenos_Aires" }},
	{"source_timezone UTC", map[string]any{"source_timezone": "UTC"}, func(o *option.Options) { o.SourceTimezone = "UTC" }},
	{"templates", map[string]any{"convert_data": map[string]any{
		"title":       "{{ labels.alertname }} on {{labels.instance}}",
		"description": "plain text { with a brace } and }} closers",
		"event_key":   "{{\tid\n}}",
		"resource":    map[string]any{"name": "{{ host }}", "resource_type": "server"},
		"additional_info": map[string]any{
			"url": "https://x/{{ id }}", "last brace": "ends with {",
		},
	}}, func(o *option.Options) {
		o.ConvertData = option.ConvertData{
			Title:          "{{ labels.alertname }} on {{labels.instance}}",
			Description:    "plain text { with a brace } and }} closers",
			EventKey:       "{{\tid\n}}",
			Resource:       &option.ResourceTemplates{Name: "{{ host }}", ResourceType: "server"},
			AdditionalInfo: map[string]option.Template{"url": "https://x/{{ id }}", "last brace": "ends with {"},
		}
	}},
	{"longest template", map[string]any{"convert_data": map[string]any{"rule": strings.Repeat("é", 4096)}}, func(o *option.Options) {
		o.ConvertData.Rule = option.Template(strings.Repeat("é", 4096))
	}},
	{"sns_verify log", map[string]any{"sns_verify": "log"}, func(o *option.Options) { o.SNSVerify = option.VerifyLog }},
	{"sns_verify enforce", map[string]any{"sns_verify": "enforce"}, func(o *option.Options) { o.SNSVerify = option.VerifyEnforce }},
	{"sns_topic_arns", map[string]any{"sns_topic_arns": []any{
		"arn:aws:sns:us-east-1:123456789012:alerts", "arn:aws-cn:sns:cn-north-1:123456789012:orders.fifo",
		"arn:aws:sns:*:123456789012:prod-*", "arn:*:*:*:*:*", "arn:aws-us-gov:sns:us-gov-west-1:12345678901*:" + strings.Repeat("t", 256),
	}}, func(o *option.Options) {
		o.SNSTopicArns = []option.TopicPattern{"arn:aws:sns:us-east-1:123456789012:alerts", "arn:aws-cn:sns:cn-north-1:123456789012:orders.fifo",
			"arn:aws:sns:*:123456789012:prod-*", "arn:*:*:*:*:*", option.TopicPattern("arn:aws-us-gov:sns:us-gov-west-1:12345678901*:" + strings.Repeat("t", 256))}
	}},
	{"body_secret", map[string]any{"body_secret": map[string]any{"path": "auth.token", "value": "0123456789abcdef"}}, func(o *option.Options) {
		o.BodySecret = &option.BodySecret{Path: "auth.token", Value: "0123456789abcdef"}
	}},
}

func TestParseAcceptsAndFillsDefaults(t *testing.T) {

	for _, tt := range acceptCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := option.Parse(tt.raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := option.Defaults()
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func many(n int, f func(i int) string) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func bigMap() map[string]any {
	m := map[string]any{}
	for i := range 65 {
		m[strings.Repeat("k", i+1)] = "INFO"
	}
	return m
}

// rejectCases are invalid documents and the one violation each must give.
var rejectCases = []struct {
	name   string
	raw    map[string]any
	kind   option.Kind
	key    string
	want   option.Type
	reason string // a part of the reason
}{
	{"absent", nil, option.Required, "options", "", ""},
	{"unknown key", map[string]any{"foo": 1.0}, option.NotSupported, "options.foo", "", ""},
	{"unknown convert_data key", map[string]any{"convert_data": map[string]any{"titel": "x"}}, option.NotSupported, "options.convert_data.titel", "", ""},
	{"unknown resource key", map[string]any{"convert_data": map[string]any{"resource": map[string]any{"id": "x"}}}, option.NotSupported, "options.convert_data.resource.id", "", ""},
	{"source not a string", map[string]any{"source": 3.0}, option.InvalidType, "options.source", option.TypeStr, ""},
	{"source null", map[string]any{"source": nil}, option.InvalidType, "options.source", option.TypeStr, ""},
	{"load_json not a list", map[string]any{"load_json": "message"}, option.InvalidType, "options.load_json", option.TypeList, ""},
	{"load_json item not a string", map[string]any{"load_json": []any{"a", true}}, option.InvalidType, "options.load_json[1]", option.TypeStr, ""},
	{"convert_data not a dict", map[string]any{"convert_data": []any{}}, option.InvalidType, "options.convert_data", option.TypeDict, ""},
	{"template not a string", map[string]any{"convert_data": map[string]any{"title": 1.0}}, option.InvalidType, "options.convert_data.title", option.TypeStr, ""},
	{"resource not a dict", map[string]any{"convert_data": map[string]any{"resource": "x"}}, option.InvalidType, "options.convert_data.resource", option.TypeDict, ""},
	{"additional_info not a dict", map[string]any{"convert_data": map[string]any{"additional_info": "x"}}, option.InvalidType, "options.convert_data.additional_info", option.TypeDict, ""},
	{"additional_info value not a string", map[string]any{"convert_data": map[string]any{"additional_info": map[string]any{"a": 1.0}}}, option.InvalidType, "options.convert_data.additional_info.a", option.TypeStr, ""},
	{"severity_map not a dict", map[string]any{"severity_map": []any{"P1"}}, option.InvalidType, "options.severity_map", option.TypeDict, ""},
	{"severity_map value not a string", map[string]any{"severity_map": map[string]any{"P1": 1.0}}, option.InvalidType, "options.severity_map.P1", option.TypeStr, ""},
	{"default_severity not a string", map[string]any{"default_severity": map[string]any{}}, option.InvalidType, "options.default_severity", option.TypeStr, ""},
	{"event_key_fields not a list", map[string]any{"event_key_fields": map[string]any{}}, option.InvalidType, "options.event_key_fields", option.TypeList, ""},
	{"message_root not a string", map[string]any{"message_root": []any{"a"}}, option.InvalidType, "options.message_root", option.TypeStr, ""},
	{"confirm_url not a string", map[string]any{"confirm_url": false}, option.InvalidType, "options.confirm_url", option.TypeStr, ""},
	{"unknown source", map[string]any{"source": "nagios"}, option.Invalid, "options.source", "", `"nagios" is not a source; use one of auto, aws_sns, azure_monitor`},
	{"source in another case", map[string]any{"source": "Grafana"}, option.Invalid, "options.source", "", "is not a source"},
	{"empty source", map[string]any{"source": ""}, option.Invalid, "options.source", "", "is not a source"},
	{"empty message_root", map[string]any{"message_root": ""}, option.Invalid, "options.message_root", "", "path is empty"},
	{"double dot", map[string]any{"message_root": "a..b"}, option.Invalid, "options.message_root", "", "segment 2 is empty"},
	{"leading dot", map[string]any{"confirm_url": ".a"}, option.Invalid, "options.confirm_url", "", "segment 1 is empty"},
	{"trailing dot", map[string]any{"confirm_url": "a."}, option.Invalid, "options.confirm_url", "", "segment 2 is empty"},
	{"bad path character", map[string]any{"message_root": "a.b c"}, option.Invalid, "options.message_root", "", "' ' at offset 3"},
	{"jsonpath", map[string]any{"message_root": "$.message"}, option.Invalid, "options.message_root", "", "'$' at offset 0"},
	{"seventeen segments", map[string]any{"message_root": strings.Repeat("a.", 16) + "a"}, option.Invalid, "options.message_root", "", "17 segments; at most 16"},
	{"bad load_json path", map[string]any{"load_json": []any{"ok", "a..b"}}, option.Invalid, "options.load_json[1]", "", "segment 2 is empty"},
	{"too many load_json", map[string]any{"load_json": many(33, func(i int) string { return strings.Repeat("a", i+1) })}, option.Invalid, "options.load_json", "", "at most 32 entries"},
	{"repeated load_json", map[string]any{"load_json": []any{"a", "b", "a"}}, option.Invalid, "options.load_json", "", "must not repeat"},
	{"too many event_key_fields", map[string]any{"event_key_fields": many(17, func(i int) string { return strings.Repeat("a", i+1) })}, option.Invalid, "options.event_key_fields", "", "at most 16 entries"},
	{"repeated event_key_fields", map[string]any{"event_key_fields": []any{"id", "id"}}, option.Invalid, "options.event_key_fields", "", "must not repeat"},
	{"bad event_key_fields path", map[string]any{"event_key_fields": []any{"labels[0]"}}, option.Invalid, "options.event_key_fields[0]", "", "'[' at offset 6"},
	{"unknown severity", map[string]any{"default_severity": "LOUD"}, option.Invalid, "options.default_severity", "", `"LOUD" is not a severity; use one of CRITICAL, ERROR, WARNING, INFO, NOT_AVAILABLE, NONE`},
	{"lower-case severity", map[string]any{"default_severity": "critical"}, option.Invalid, "options.default_severity", "", "is not a severity"},
	{"severity_map value", map[string]any{"severity_map": map[string]any{"P1": "HIGH"}}, option.Invalid, "options.severity_map.P1", "", `"HIGH" is not a severity`},
	{"severity_map empty key", map[string]any{"severity_map": map[string]any{"": "INFO"}}, option.Invalid, "options.severity_map.", "", "keys must not be empty"},
	{"severity_map keys differ in case only", map[string]any{"severity_map": map[string]any{"High": "ERROR", "high": "CRITICAL"}}, option.Invalid, "options.severity_map.high", "", `"high" repeats "High"`},
	{"severity_map too big", map[string]any{"severity_map": bigMap()}, option.Invalid, "options.severity_map", "", "at most 64 keys"},
	{"jinja filter", map[string]any{"convert_data": map[string]any{"title": "{{ a | upper }}"}}, option.Invalid, "options.convert_data.title", "", "is not a {{ path }} placeholder"},
	{"jinja call", map[string]any{"convert_data": map[string]any{"title": "x {{ a.b() }}"}}, option.Invalid, "options.convert_data.title", "", "at offset 2"},
	{"jinja statement", map[string]any{"convert_data": map[string]any{"description": "{% if a %}x{% endif %}"}}, option.Invalid, "options.convert_data.description", "", "statements and comments are not supported"},
	{"jinja comment", map[string]any{"convert_data": map[string]any{"description": "{# note #}"}}, option.Invalid, "options.convert_data.description", "", "statements and comments are not supported"},
	{"unclosed placeholder", map[string]any{"convert_data": map[string]any{"rule": "{{ a "}}, option.Invalid, "options.convert_data.rule", "", "never closed"},
	{"empty placeholder", map[string]any{"convert_data": map[string]any{"rule": "{{ }}"}}, option.Invalid, "options.convert_data.rule", "", "path is empty"},
	{"triple brace", map[string]any{"convert_data": map[string]any{"rule": "{{{ a }}}"}}, option.Invalid, "options.convert_data.rule", "", "not a {{ path }} placeholder"},
	{"whitespace control", map[string]any{"convert_data": map[string]any{"rule": "{{- a -}}"}}, option.Invalid, "options.convert_data.rule", "", "not a {{ path }} placeholder"},
	{"too long template", map[string]any{"convert_data": map[string]any{"title": strings.Repeat("x", 4097)}}, option.Invalid, "options.convert_data.title", "", "at most 4096 characters"},
	{"unknown sns_verify", map[string]any{"sns_verify": "strict"}, option.Invalid, "options.sns_verify", "", `"strict" is not one of off, log, enforce`},
	{"sns_verify not a string", map[string]any{"sns_verify": true}, option.InvalidType, "options.sns_verify", option.TypeStr, ""},
	{"sns_topic_arns not a list", map[string]any{"sns_topic_arns": "arn:aws:sns:us-east-1:123456789012:a"}, option.InvalidType, "options.sns_topic_arns", option.TypeList, ""},
	{"topic of another service", map[string]any{"sns_topic_arns": []any{"arn:aws:sqs:us-east-1:123456789012:a"}}, option.Invalid, "options.sns_topic_arns[0]", "", "is not an SNS topic ARN"},
	{"topic with five segments", map[string]any{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:a"}}, option.Invalid, "options.sns_topic_arns[0]", "", "is not an SNS topic ARN"},
	{"topic with a short account", map[string]any{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:1234:a"}}, option.Invalid, "options.sns_topic_arns[0]", "", "is not an SNS topic ARN"},
	{"topic with a region that is none", map[string]any{"sns_topic_arns": []any{"arn:aws:sns:s3:123456789012:a"}}, option.Invalid, "options.sns_topic_arns[0]", "", "is not an SNS topic ARN"},
	{"topic name too long", map[string]any{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:" + strings.Repeat("t", 257)}}, option.Invalid, "options.sns_topic_arns[0]", "", "is not an SNS topic ARN"},
	{"topic pattern too long", map[string]any{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:*" + strings.Repeat("t", 500)}}, option.Invalid, "options.sns_topic_arns[0]", "", "at most 512 characters"},
	{"repeated topic", map[string]any{"sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:a", "arn:aws:sns:us-east-1:123456789012:a"}}, option.Invalid, "options.sns_topic_arns", "", "must not repeat"},
	{"too many topics", map[string]any{"sns_topic_arns": many(65, func(i int) string { return "arn:aws:sns:us-east-1:123456789012:" + strings.Repeat("t", i+1) })}, option.Invalid, "options.sns_topic_arns", "", "at most 64 entries"},
	{"body_secret not a dict", map[string]any{"body_secret": "s3cr3t-s3cr3t-s3cr3t"}, option.InvalidType, "options.body_secret", option.TypeDict, ""},
	{"body_secret without value", map[string]any{"body_secret": map[string]any{"path": "token"}}, option.Required, "options.body_secret.value", "", ""},
	{"body_secret without path", map[string]any{"body_secret": map[string]any{"value": "0123456789abcdef"}}, option.Required, "options.body_secret.path", "", ""},
	{"body_secret too short", map[string]any{"body_secret": map[string]any{"path": "token", "value": "0123456789abcde"}}, option.Invalid, "options.body_secret.value", "", "at least 16 characters"},
	{"body_secret too long", map[string]any{"body_secret": map[string]any{"path": "token", "value": strings.Repeat("s", 257)}}, option.Invalid, "options.body_secret.value", "", "at most 256 characters"},
	{"body_secret empty path", map[string]any{"body_secret": map[string]any{"path": "", "value": "0123456789abcdef"}}, option.Invalid, "options.body_secret.path", "", "must not be empty"},
	{"body_secret bad path", map[string]any{"body_secret": map[string]any{"path": "a b", "value": "0123456789abcdef"}}, option.Invalid, "options.body_secret.path", "", "' ' at offset 1"},
	{"body_secret the mask", map[string]any{"body_secret": map[string]any{"path": "token", "value": option.SecretMask}}, option.Invalid, "options.body_secret.value", "", "the mask init's metadata shows in place of a secret"},
	{"body_secret value not a string", map[string]any{"body_secret": map[string]any{"path": "token", "value": 1234567890123456.0}}, option.InvalidType, "options.body_secret.value", option.TypeStr, ""},
	{"body_secret unknown key", map[string]any{"body_secret": map[string]any{"path": "token", "value": "0123456789abcdef", "header": "x"}}, option.NotSupported, "options.body_secret.header", "", ""},
	{"bad resource template", map[string]any{"convert_data": map[string]any{"resource": map[string]any{"resource_id": "{{ a b }}"}}}, option.Invalid, "options.convert_data.resource.resource_id", "", "not a {{ path }} placeholder"},
	{"bad additional_info template", map[string]any{"convert_data": map[string]any{"additional_info": map[string]any{"url": "{{ x.1.$ }}"}}}, option.Invalid, "options.convert_data.additional_info.url", "", "'$'"},
	{"dotted additional_info key", map[string]any{"convert_data": map[string]any{"additional_info": map[string]any{"u.r.l": "x"}}}, option.Invalid, "options.convert_data.additional_info.u.r.l", "", `"u.r.l" holds '.'`},
	{"$ additional_info key", map[string]any{"convert_data": map[string]any{"additional_info": map[string]any{"$where": "x"}}}, option.Invalid, "options.convert_data.additional_info.$where", "", `"$where" starts with '$'`},
	{"NUL in an additional_info key", map[string]any{"convert_data": map[string]any{"additional_info": map[string]any{"a\x00b": "x"}}}, option.Invalid, "options.convert_data.additional_info.a\x00b", "", "NUL"},
	{"dotted severity_map key", map[string]any{"severity_map": map[string]any{"sev.high": "ERROR"}}, option.Invalid, "options.severity_map.sev.high", "", `"sev.high" holds '.'`},
	{"$ severity_map key", map[string]any{"severity_map": map[string]any{"$gt": "ERROR"}}, option.Invalid, "options.severity_map.$gt", "", `"$gt" starts with '$'`},
	{"empty additional_info key", map[string]any{"convert_data": map[string]any{"additional_info": map[string]any{"": "x"}}}, option.Invalid, "options.convert_data.additional_info.", "", "keys must not be empty"},
}

func TestParseRejects(t *testing.T) {

	for _, tt := range rejectCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := option.Parse(tt.raw)
			var oe *option.Error
			if !errors.As(err, &oe) {
				t.Fatalf("Parse error = %v (%T), want *option.Error", err, err)
			}
			if len(oe.Violations) != 1 {
				t.Fatalf("violations = %+v, want exactly one", oe.Violations)
			}
			v := oe.Violations[0]
			if v.Kind != tt.kind || v.Key != tt.key || v.Want != tt.want || !strings.Contains(v.Reason, tt.reason) {
				t.Errorf("violation = %+v, want kind %d key %q type %q reason containing %q", v, tt.kind, tt.key, tt.want, tt.reason)
			}
			if tt.kind != option.Invalid && v.Reason != "" {
				t.Errorf("reason %q on a %d violation", v.Reason, v.Kind)
			}
		})
	}
}

func TestParseReportsEveryViolationInKeyOrder(t *testing.T) {
	raw := map[string]any{
		"zzz":              1.0,
		"source":           "x",
		"default_severity": "LOUD",
		"load_json":        "a",
		"convert_data":     map[string]any{"title": "{{ a | b }}", "resource": map[string]any{"name": 2.0}},
		"severity_map":     map[string]any{"P1": "BAD", "P2": 1.0},
	}
	_, err := option.Parse(raw)
	var oe *option.Error
	if !errors.As(err, &oe) {
		t.Fatalf("Parse error = %v, want *option.Error", err)
	}
	var keys []string
	for _, v := range oe.Violations {
		keys = append(keys, v.Key)
	}
	want := []string{
		"options.convert_data.resource.name", "options.convert_data.title", "options.default_severity",
		"options.load_json", "options.severity_map.P1", "options.severity_map.P2", "options.source", "options.zzz",
	}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys = %q\nwant %q", keys, want)
	}
	// The order is a property of the document, not of map iteration.
	for range 20 {
		_, again := option.Parse(raw)
		if !reflect.DeepEqual(again, err) {
			t.Fatalf("second Parse gave %v, first %v", again, err)
		}
	}
}

func TestTemplateParts(t *testing.T) {
	tests := []struct {
		in   option.Template
		want []option.Part
	}{
		{"", nil},
		{"plain", []option.Part{{Text: "plain"}}},
		{"{{a}}", []option.Part{{Path: "a"}}},
		{"[{{ labels.severity }}] {{alertname}}!", []option.Part{{Text: "["}, {Path: "labels.severity"}, {Text: "] "}, {Path: "alertname"}, {Text: "!"}}},
		{"{a} {", []option.Part{{Text: "{a} {"}}},
		{"é{{ x }}é", []option.Part{{Text: "é"}, {Path: "x"}, {Text: "é"}}},
	}
	for _, tt := range tests {
		got, err := tt.in.Parts()
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parts(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestErrorNeverEchoesLongValues(t *testing.T) {
	long := "{{ " + strings.Repeat("x", 300) + " y }}"
	_, err := option.Parse(map[string]any{"convert_data": map[string]any{"title": long}})
	var oe *option.Error
	if !errors.As(err, &oe) || len(oe.Violations) != 1 {
		t.Fatalf("Parse error = %v, want one violation", err)
	}
	if r := oe.Violations[0].Reason; len(r) > 200 {
		t.Errorf("reason is %d bytes long: %q", len(r), r)
	}
}

// TestSourceTimezoneIsAZoneOfTheDatabase covers the one part of source_timezone the schema cannot state (its
// pattern accepts any name of the right shape): the name must be in the IANA database, and Local is refused.
func TestSourceTimezoneIsAZoneOfTheDatabase(t *testing.T) {
	for _, bad := range []string{"Mars/Olympus_Mons", "Local", "europe/berlin", "Europe/Berlin/Mitte", strings.Repeat("A", 65)} {
		_, err := option.Parse(map[string]any{"source_timezone": bad})
		var oe *option.Error
		if !errors.As(err, &oe) || oe.Violations[0].Key != "options.source_timezone" {
			t.Errorf("source_timezone %.20q: %v, want a violation of options.source_timezone", bad, err)
		}
	}
	o, err := option.Parse(map[string]any{"source_timezone": "Asia/Seoul"})
	if err != nil || o.Location().String() != "Asia/Seoul" {
		t.Errorf("Asia/Seoul: %v, %v", o.Location(), err)
	}
	if d := option.Defaults(); d.Location() != time.UTC {
		t.Errorf("default location %v, want UTC", d.Location())
	}
}
