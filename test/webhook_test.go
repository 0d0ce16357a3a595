package e2e_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/monhook/monhook/domain/source"
)

// supportedSources is the plugin's source list, in the order Webhook.init reports it: the registry's.
var supportedSources = source.Names()

// defaultOptions is metadata.options for empty options: every option that has a default, with it.
const defaultOptions = `{"source": "auto", "load_json": [], "convert_data": {}, "severity_map": {},
	"default_severity": "NOT_AVAILABLE", "event_key_fields": [], "sns_verify": "off", "sns_topic_arns": []}`

func TestInitDescribesThePlugin(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dial(t, s.addr)

	got := c.mustCall(t, "Webhook.init", `{"options": {}}`)
	if keys := sortedKeys(got); !slices.Equal(keys, []string{"metadata"}) {
		t.Fatalf("init answered with keys %v, want [metadata]: %s", keys, show(got))
	}
	md := object(t, got, "metadata")
	for _, key := range []string{"name", "version", "supported_sources", "options_schema", "options"} {
		if _, ok := md[key]; !ok {
			t.Errorf("metadata lacks %q: %s", key, show(md))
		}
	}
	if md["name"] != "monhook" {
		t.Errorf("metadata.name = %v, want monhook", md["name"])
	}
	if v, _ := md["version"].(string); v == "" {
		t.Errorf("metadata.version = %v, want a non-empty string", md["version"])
	}
	if !sameJSON(md["supported_sources"], supportedSources) {
		t.Errorf("metadata.supported_sources = %s, want %s", show(md["supported_sources"]), show(supportedSources))
	}
	if !sameJSON(md["options"], parse(t, defaultOptions)) {
		t.Errorf("metadata.options = %s, want %s", show(md["options"]), defaultOptions)
	}
}

func TestInitReportsADraft07SchemaOfTheOptions(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dial(t, s.addr)

	md := object(t, c.mustCall(t, "Webhook.init", `{"options": {}}`), "metadata")
	schema := object(t, md, "options_schema")
	if _, ok := schema["$schema"]; ok {
		t.Errorf("options_schema names $schema, a key Cloudforet's database refuses")
	}
	for key, want := range map[string]any{
		"type":                 "object",
		"additionalProperties": false,
	} {
		if !sameJSON(schema[key], want) {
			t.Errorf("options_schema[%q] = %s, want %s", key, show(schema[key]), show(want))
		}
	}
	props := object(t, schema, "properties")
	// Every option the server fills in, and message_root, which has no default, must be described.
	for _, key := range append(sortedKeys(parse(t, defaultOptions).(map[string]any)), "message_root") {
		if _, ok := props[key].(map[string]any); !ok {
			t.Errorf("options_schema.properties lacks an object for %q: %s", key, show(props))
		}
	}
	// The schema must accept exactly the sources init accepts: "auto" and every supported source.
	want := append([]string{"auto"}, supportedSources...)
	if got := object(t, props, "source")["enum"]; !sameJSON(got, want) {
		t.Errorf("options_schema.properties.source.enum = %s, want %s", show(got), show(want))
	}
}

func TestInitEchoesGivenOptionsWithDefaults(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dial(t, s.addr)

	md := object(t, c.mustCall(t, "Webhook.init",
		`{"options": {"source": "grafana", "message_root": "message", "severity_map": {"P1": "CRITICAL"}}}`), "metadata")
	want := parse(t, `{"source": "grafana", "message_root": "message", "severity_map": {"P1": "CRITICAL"},
		"load_json": [], "convert_data": {}, "default_severity": "NOT_AVAILABLE", "event_key_fields": [],
		"sns_verify": "off", "sns_topic_arns": []}`)
	if !sameJSON(md["options"], want) {
		t.Errorf("metadata.options = %s, want %s", show(md["options"]), show(want))
	}
}

func TestVerifyAcceptsValidOptions(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dial(t, s.addr)

	for _, req := range []string{
		`{"options": {}}`,
		`{"options": {"convert_data": {"title": "{{ alert.name }}", "resource": {"name": "{{host}}"}},
			"load_json": ["message"], "event_key_fields": ["a.b", "c"]}}`,
	} {
		if got := c.mustCall(t, "Webhook.verify", req); len(got) != 0 {
			t.Errorf("verify %s = %s, want {}", req, show(got))
		}
	}
}

func TestGetVersionMatchesInit(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dial(t, s.addr)

	got := c.mustCall(t, "ServerInfo.get_version", `{}`)
	if keys := sortedKeys(got); !slices.Equal(keys, []string{"version"}) {
		t.Fatalf("get_version = %s, want only a version", show(got))
	}
	md := object(t, c.mustCall(t, "Webhook.init", `{"options": {}}`), "metadata")
	if got["version"] != md["version"] {
		t.Errorf("get_version says %v, init's metadata.version says %v", got["version"], md["version"])
	}
	if got["version"] != stampedVersion {
		t.Errorf("get_version = %v, want the version stamped at build time, %s", got["version"], stampedVersion)
	}
}

// rejection is how one bad request must fail: always INVALID_ARGUMENT, with details that Cloudforet splits into
// errorCode and the rest.
type rejection struct {
	name      string
	request   string
	errorCode string
	details   string   // the exact details, when the message is fully specified
	prefix    string   // else what the details start with; a non-empty reason must follow
	suffix    string   // and, when set, what they end with
	fields    []string // the fields of the google.rpc.BadRequest detail, in any order
}

// rejections are the bad option documents both init and verify must refuse identically.
var rejections = []rejection{
	{
		name: "no options", request: `{}`, errorCode: "ERROR_REQUIRED_PARAMETER",
		details: "ERROR_REQUIRED_PARAMETER: Required parameter. (key = options)", fields: []string{"options"},
	},
	{
		name: "unknown option", request: `{"options": {"foo": 1}}`, errorCode: "ERROR_NOT_SUPPORTED_OPTION",
		details: "ERROR_NOT_SUPPORTED_OPTION: Not supported option. (key = options.foo)", fields: []string{"options.foo"},
	},
	{
		name: "string for a list", request: `{"options": {"load_json": "message"}}`, errorCode: "ERROR_INVALID_PARAMETER_TYPE",
		details: "ERROR_INVALID_PARAMETER_TYPE: Parameter type is invalid. (key = options.load_json, type = list)",
		fields:  []string{"options.load_json"},
	},
	{
		name: "number for a string", request: `{"options": {"source": 3}}`, errorCode: "ERROR_INVALID_PARAMETER_TYPE",
		details: "ERROR_INVALID_PARAMETER_TYPE: Parameter type is invalid. (key = options.source, type = str)",
		fields:  []string{"options.source"},
	},
	{
		name: "list for a dict", request: `{"options": {"convert_data": []}}`, errorCode: "ERROR_INVALID_PARAMETER_TYPE",
		details: "ERROR_INVALID_PARAMETER_TYPE: Parameter type is invalid. (key = options.convert_data, type = dict)",
		fields:  []string{"options.convert_data"},
	},
	{
		name: "unknown source", request: `{"options": {"source": "nagios"}}`, errorCode: "ERROR_INVALID_PARAMETER",
		prefix: "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options.source, reason = ", suffix: ")",
		fields: []string{"options.source"},
	},
	{
		name: "template filter", request: `{"options": {"convert_data": {"title": "{{ a | upper }}"}}}`,
		errorCode: "ERROR_INVALID_PARAMETER",
		prefix:    "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options.convert_data.title, reason = ",
		fields:    []string{"options.convert_data.title"},
	},
	{
		name: "empty path segment", request: `{"options": {"load_json": ["a..b"]}}`, errorCode: "ERROR_INVALID_PARAMETER",
		prefix: "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options.load_json[0], reason = ",
		fields: []string{"options.load_json[0]"},
	},
	{
		// Violations are reported sorted by key, so the details always name the same one.
		name: "several violations", request: `{"options": {"zzz": 1, "source": "x", "default_severity": "LOUD"}}`,
		errorCode: "ERROR_INVALID_PARAMETER",
		prefix:    "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options.default_severity, reason = ",
		fields:    []string{"options.default_severity", "options.source", "options.zzz"},
	},
}

func TestInvalidOptionsAreRejectedLikeCloudforet(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dial(t, s.addr)

	for _, method := range []string{"Webhook.init", "Webhook.verify"} {
		for _, tc := range rejections {
			t.Run(method+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				checkRejection(t, c.mustFail(t, method, tc.request), tc)
			})
		}
	}
}

// checkRejection compares one failed call with what tc says it must be.
func checkRejection(t *testing.T, e *callError, tc rejection) {
	t.Helper()
	if e.code != codes.InvalidArgument {
		t.Errorf("%s: status %s, want InvalidArgument", tc.request, e.code)
	}
	switch {
	case tc.details != "" && e.details != tc.details:
		t.Errorf("%s: details %q, want %q", tc.request, e.details, tc.details)
	case tc.details == "" && (!strings.HasPrefix(e.details, tc.prefix) || !strings.HasSuffix(e.details, tc.suffix) ||
		len(e.details) <= len(tc.prefix)+len(")")):
		t.Errorf("%s: details %q, want %q<reason>%s", tc.request, e.details, tc.prefix, tc.suffix)
	}
	if e.errorCode != tc.errorCode {
		t.Errorf("%s: Cloudforet reads error code %q, want %q", tc.request, e.errorCode, tc.errorCode)
	}
	if tc.fields != nil {
		got := e.badRequestFields()
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tc.fields))
		if !slices.Equal(got, want) {
			t.Errorf("%s: BadRequest fields %q, want %q", tc.request, got, want)
		}
	}
}

func TestOversizedOptionsAreRejected(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dial(t, s.addr)

	// 33 dicts nested under convert_data.additional_info.x: options nested well past the 32-level limit.
	deep := strings.Repeat(`{"x": `, 33) + `{}` + strings.Repeat(`}`, 33)
	// A 2 MiB string: the options are over the 1 MiB limit, though the request is far under the message limit.
	big := strings.Repeat("a", 2<<20)
	for _, tc := range []struct {
		name, request, prefix string
	}{
		{
			name:    "too deep",
			request: `{"options": {"convert_data": {"additional_info": {"x": ` + deep + `}}}}`,
			prefix:  "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options",
		},
		{
			name:    "too big",
			request: `{"options": {"convert_data": {"additional_info": {"blob": "` + big + `"}}}}`,
			prefix:  "ERROR_INVALID_PARAMETER",
		},
	} {
		for _, method := range []string{"Webhook.init", "Webhook.verify"} {
			e := c.mustFail(t, method, tc.request)
			if e.code != codes.InvalidArgument || !strings.HasPrefix(e.details, tc.prefix) {
				t.Errorf("%s, %s: %s, want InvalidArgument %q...", tc.name, method, e, tc.prefix)
			}
		}
	}
	// Refusing them must not have cost the server anything.
	if got := c.mustCall(t, "Webhook.init", `{"options": {}}`); object(t, got, "metadata")["name"] != "monhook" {
		t.Errorf("init after the oversized requests = %s", show(got))
	}
}

func TestLogNamesTheTraceButNoOptionValue(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dial(t, s.addr)

	// Two calls, each with its own trace: one succeeds and one fails, and both carry a value the log must not show.
	const failingParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	c.mustCall(t, "Webhook.init", `{"options": {"convert_data": {"title": "{{ secret_marker_123 }}"}}}`,
		callOpts{traceparent: traceparent})
	_ = c.mustFail(t, "Webhook.verify", `{"options": {"source": "secret_marker_456"}}`,
		callOpts{traceparent: failingParent})

	for _, call := range []struct{ traceID, method string }{
		{traceID, "init"},
		{"0af7651916cd43dd8448eb211c80319c", "verify"},
	} {
		line := s.waitLog(t, "with trace id "+call.traceID, func(l map[string]any) bool { return mentions(l, call.traceID) })
		if !namesMethod(line, call.method) {
			t.Errorf("the log line of the %s call does not name the method: %s", call.method, show(line))
		}
	}
	// Both lines are in the buffer now, so a leaked value would be too; the failed test prints the whole log.
	if strings.Contains(s.stderr.String(), "secret_marker") {
		t.Errorf("the log shows an option value (secret_marker_...)")
	}
}

// mentions reports whether any string in v, at any depth, contains s.
func mentions(v any, s string) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, s)
	case map[string]any:
		for _, e := range v {
			if mentions(e, s) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if mentions(e, s) {
				return true
			}
		}
	}
	return false
}

// namesMethod reports whether a log line has a value that is the RPC method name or a path ending in it.
func namesMethod(line map[string]any, method string) bool {
	for _, v := range line {
		if s, ok := v.(string); ok && (s == method || strings.HasSuffix(s, "/"+method)) {
			return true
		}
	}
	return false
}

// object returns m[key] as a JSON object, failing the test if it is anything else.
func object(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	o, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("%q is %s, want an object", key, show(m[key]))
	}
	return o
}

// parse decodes a JSON literal of the test.
func parse(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

// sameJSON reports whether a and b encode the same JSON value; []string and []any of the same strings are equal.
func sameJSON(a, b any) bool {
	return reflect.DeepEqual(normalize(a), normalize(b))
}

func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return err.Error()
	}
	return out
}

// show renders v as compact JSON for failure messages.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return abbreviate(string(b))
}

// sortedKeys lists m's keys in order.
func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
