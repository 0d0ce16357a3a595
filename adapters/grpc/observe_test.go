package grpc

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/monhook/monhook/adapters/admin"
	"github.com/monhook/monhook/adapters/telemetry"
	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/plugin"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// serveObserved is serve with the server reporting to o, as the app wires it.
func serveObserved(t *testing.T, o Observers) *testServer {
	t.Helper()
	return serveWith(t, &recordingConfirmer{}, o)
}

// get fetches path from the admin handler over real HTTP, without keep-alive so no connection outlives the test.
func get(t *testing.T, base, path string) (int, string) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// nonzero counts the series of f whose counter is not zero.
func nonzero(f *dto.MetricFamily) int {
	n := 0
	for _, m := range f.GetMetric() {
		if m.GetCounter().GetValue() != 0 {
			n++
		}
	}
	return n
}

// sample is the value of the series of family name with exactly labels, and whether it exists.
func sample(families map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				match = false
			}
		}
		if match {
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

// TestMetricsAfterRealCalls makes real calls (successes, failures, an auto-detection miss), then scrapes the
// admin listener's /metrics over HTTP and reads the gRPC and monhook counters, and probes /healthz and /readyz.
func TestMetricsAfterRealCalls(t *testing.T) {
	reg, err := telemetry.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	sm, err := telemetry.NewServerMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	counters, err := telemetry.NewCounters(reg)
	if err != nil {
		t.Fatal(err)
	}
	ts := serveObserved(t, Observers{Metrics: sm, Counters: counters})
	web := httptest.NewServer(admin.NewHandler(reg, ts.run.health))
	defer web.Close()

	events := pluginpb.NewEventClient(ts.conn)
	empty := mustStruct(t, map[string]any{})
	// Auto-detected Alertmanager: two ALERT events.
	if _, err := events.Parse(callCtx(t), &pluginpb.ParseRequest{Options: empty, Data: fixture(t, "alertmanager/zulip-firing-two-alerts.json")}); err != nil {
		t.Fatal(err)
	}
	// Configured Grafana: one ALERT and two RECOVERY events, and no detection.
	grafana := mustStruct(t, map[string]any{"source": "grafana"})
	if _, err := events.Parse(callCtx(t), &pluginpb.ParseRequest{Options: grafana, Data: fixture(t, "grafana/zulip-v9-mixed-firing-and-resolved.json")}); err != nil {
		t.Fatal(err)
	}
	failures := []struct {
		req  *pluginpb.ParseRequest
		code string
	}{
		// Auto-detection finds nothing.
		{&pluginpb.ParseRequest{Options: empty, Data: mustStruct(t, map[string]any{"hello": "world"})}, "ERROR_UNSUPPORTED_PAYLOAD"},
		// A configured source that cannot read the body.
		{&pluginpb.ParseRequest{Options: mustStruct(t, map[string]any{"source": "alertmanager"}), Data: mustStruct(t, map[string]any{"alerts": "x"})}, "ERROR_INVALID_PAYLOAD"},
		// A source no one knows: its text must not become a label.
		{&pluginpb.ParseRequest{Options: mustStruct(t, map[string]any{"source": "secret_marker"}), Data: empty}, "ERROR_INVALID_PARAMETER"},
	}
	for _, f := range failures {
		if _, err := events.Parse(callCtx(t), f.req); status.Code(err) != codes.InvalidArgument {
			t.Fatalf("parse = %v, want %s", err, f.code)
		}
	}
	if _, err := pluginpb.NewWebhookClient(ts.conn).Verify(callCtx(t), &pluginpb.WebhookPluginVerifyRequest{Options: empty}); err != nil {
		t.Fatal(err)
	}

	// The request lines name each call's source: the detected, configured or fallback label.
	var sources []string
	for _, l := range ts.log.lines(t) {
		if l["msg"] == "finished call" {
			src, _ := l["source"].(string)
			sources = append(sources, src)
		} else if l["msg"] != "serving" {
			t.Errorf("a line besides the one per request: %v", l)
		}
	}
	if want := []string{"alertmanager", "grafana", "auto", "alertmanager", "none", "auto"}; !slices.Equal(sources, want) {
		t.Errorf("request lines' sources = %q, want %q", sources, want)
	}

	code, body := get(t, web.URL, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not the text format: %v", err)
	}
	// Prometheus' own conventions (promtool check metrics): help texts, counter suffixes, base units.
	problems, err := promlint.New(strings.NewReader(body)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("/metrics: %s: %s", p.Metric, p.Text)
	}
	want := []struct {
		name   string
		labels map[string]string
		value  float64
	}{
		{"grpc_server_handled_total", map[string]string{"grpc_type": "unary", "grpc_service": "spaceone.api.monitoring.plugin.Event", "grpc_method": "parse", "grpc_code": "OK"}, 2},
		{"grpc_server_handled_total", map[string]string{"grpc_type": "unary", "grpc_service": "spaceone.api.monitoring.plugin.Event", "grpc_method": "parse", "grpc_code": "InvalidArgument"}, 3},
		{"grpc_server_handled_total", map[string]string{"grpc_type": "unary", "grpc_service": "spaceone.api.monitoring.plugin.Webhook", "grpc_method": "verify", "grpc_code": "OK"}, 1},
		// Listed at zero before its first call, by initializeMetrics.
		{"grpc_server_handled_total", map[string]string{"grpc_type": "unary", "grpc_service": "spaceone.api.monitoring.plugin.Webhook", "grpc_method": "init", "grpc_code": "OK"}, 0},
		{"grpc_server_handling_seconds", map[string]string{"grpc_type": "unary", "grpc_service": "spaceone.api.monitoring.plugin.Event", "grpc_method": "parse"}, 5},
		{"monhook_events_parsed_total", map[string]string{"source": "alertmanager", "event_type": "ALERT"}, 2},
		{"monhook_events_parsed_total", map[string]string{"source": "grafana", "event_type": "ALERT"}, 1},
		{"monhook_events_parsed_total", map[string]string{"source": "grafana", "event_type": "RECOVERY"}, 2},
		{"monhook_source_detected_total", map[string]string{"source": "alertmanager"}, 1},
		{"monhook_source_detected_total", map[string]string{"source": "none"}, 1},
		{"monhook_parse_failures_total", map[string]string{"source": "auto", "error_code": "ERROR_UNSUPPORTED_PAYLOAD"}, 1},
		{"monhook_parse_failures_total", map[string]string{"source": "alertmanager", "error_code": "ERROR_INVALID_PAYLOAD"}, 1},
		{"monhook_parse_failures_total", map[string]string{"source": "none", "error_code": "ERROR_INVALID_PARAMETER"}, 1},
	}
	for _, w := range want {
		if got, ok := sample(families, w.name, w.labels); !ok || got != w.value {
			t.Errorf("%s%v = %v (present %v), want %v", w.name, w.labels, got, ok, w.value)
		}
	}
	// Calls of a fraction of a millisecond fall in buckets of their own, not all in the first.
	var subMillisecond int
	if ms := families["grpc_server_handling_seconds"].GetMetric(); len(ms) > 0 {
		for _, b := range ms[0].GetHistogram().GetBucket() {
			if b.GetUpperBound() <= 0.001 {
				subMillisecond++
			}
		}
	}
	if subMillisecond < 3 {
		t.Errorf("grpc_server_handling_seconds has %d buckets up to 1 ms, want several", subMillisecond)
	}
	// Every known series is listed from the start, at zero until it happens: only the calls above counted.
	if got, ok := sample(families, "monhook_source_detected_total", map[string]string{"source": "grafana"}); !ok || got != 0 {
		t.Errorf("a configured source: detected %v (present %v), want listed at 0", got, ok)
	}
	if nonzero(families["monhook_source_detected_total"]) != 2 || nonzero(families["monhook_parse_failures_total"]) != 3 {
		t.Errorf("unexpected counts:\n%v\n%v", families["monhook_source_detected_total"], families["monhook_parse_failures_total"])
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := families[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	if code, _ := get(t, web.URL, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", code)
	}
	if code, body := get(t, web.URL, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz while serving = %d %q, want 200", code, body)
	}
	ts.run.health.Shutdown() // what stop does first: probes must see the drain
	if code, body := get(t, web.URL, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz after health Shutdown = %d %q, want 503", code, body)
	}
	if code, _ := get(t, web.URL, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while draining = %d, want 200: the process still runs", code)
	}
}

// TestTracingContinuesTheCallersTraceparent shows a server span per call that continues the caller's W3C
// traceparent, named for the method, with the source on parse; the request line carries the trace id.
func TestTracingContinuesTheCallersTraceparent(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	ts := serveObserved(t, Observers{Tracing: telemetry.NewStatsHandler(tp)})

	const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	ctx := metadata.AppendToOutgoingContext(callCtx(t), "traceparent", traceparent)
	opts := mustStruct(t, map[string]any{})
	if _, err := pluginpb.NewEventClient(ts.conn).Parse(ctx, &pluginpb.ParseRequest{Options: opts, Data: fixture(t, "alertmanager/zulip-firing-two-alerts.json")}); err != nil {
		t.Fatal(err)
	}
	grafana := mustStruct(t, map[string]any{"source": "grafana"})
	if _, err := pluginpb.NewWebhookClient(ts.conn).Verify(ctx, &pluginpb.WebhookPluginVerifyRequest{Options: grafana}); err != nil {
		t.Fatal(err)
	}
	// No traceparent: the server starts a trace, and the request line still names it.
	if _, err := pluginpb.NewWebhookClient(ts.conn).Init(callCtx(t), &pluginpb.WebhookInitRequest{Options: opts}); err != nil {
		t.Fatal(err)
	}
	// The server ends a span after the answer is sent; a graceful stop waits for every handler, so all are ended.
	ts.run.stop()

	spans := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		spans[s.Name] = s
	}
	if len(spans) != 3 {
		t.Fatalf("spans = %v, want one per call (no health or reflection)", exp.GetSpans())
	}
	for name, wantSource := range map[string]string{
		"spaceone.api.monitoring.plugin.Event/parse":    "alertmanager", // detected
		"spaceone.api.monitoring.plugin.Webhook/verify": "grafana",      // configured
	} {
		s, ok := spans[name]
		if !ok {
			t.Errorf("no span %s in %v", name, spans)
			continue
		}
		if s.SpanKind != trace.SpanKindServer {
			t.Errorf("%s kind = %v, want server", name, s.SpanKind)
		}
		if got := s.SpanContext.TraceID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
			t.Errorf("%s trace id = %s, want the caller's", name, got)
		}
		if got := s.Parent.SpanID().String(); got != "00f067aa0ba902b7" || !s.Parent.IsRemote() {
			t.Errorf("%s parent = %s (remote %v), want the caller's span 00f067aa0ba902b7", name, got, s.Parent.IsRemote())
		}
		var source string
		for _, a := range s.Attributes {
			if a.Key == telemetry.SourceKey {
				source = a.Value.AsString()
			}
		}
		if source != wantSource {
			t.Errorf("%s %s = %q, want %q", name, telemetry.SourceKey, source, wantSource)
		}
	}
	root := spans["spaceone.api.monitoring.plugin.Webhook/init"]
	if root.Parent.IsValid() {
		t.Errorf("init without a traceparent has parent %v, want a new trace", root.Parent)
	}

	lines := map[string]string{} // method -> trace_id on its request line
	for _, l := range ts.log.lines(t) {
		if l["msg"] == "finished call" {
			id, _ := l["trace_id"].(string)
			lines[l["grpc.method"].(string)] = id
		}
	}
	if lines["parse"] != "4bf92f3577b34da6a3ce929d0e0e4736" || lines["verify"] != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("request lines' trace ids = %v, want the caller's", lines)
	}
	if want := root.SpanContext.TraceID().String(); lines["init"] != want {
		t.Errorf("init's request line trace_id = %q, want the new trace %s", lines["init"], want)
	}
}

// TestHealthIsNotServingUntilTheRunnerListens: /readyz, which reads this server, must not say ready before the
// gRPC port is open.
func TestHealthIsNotServingUntilTheRunnerListens(t *testing.T) {
	hs := newHealth()
	check := func() healthpb.HealthCheckResponse_ServingStatus {
		res, err := hs.Check(context.Background(), &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetStatus()
	}
	if st := check(); st != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("before listening: %v, want NOT_SERVING", st)
	}
	log := slog.New(slog.DiscardHandler)
	p := NewPlugin(application.NewInit(plugin.Build{}), application.NewVerify(), nil, testSettings, log, Observers{})
	proto := monitoring(newWebhookServer(p), newEventServer(p))
	srv, err := newServer(testSettings, log, Observers{}, proto)
	if err != nil {
		t.Fatal(err)
	}
	r := newRunner(runnerDeps{Server: srv, Health: hs, Drain: newDrain(), Settings: testSettings, Log: log, Protocol: proto})
	r.serveOn(bufconn.Listen(1 << 10))
	defer r.stop()
	if st := check(); st != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("while serving: %v, want SERVING", st)
	}
}
