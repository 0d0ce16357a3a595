package telemetry_test

import (
	"log/slog"
	"runtime"
	"strings"
	"testing"

	"github.com/google/uuid"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"
	"google.golang.org/grpc/stats"

	"github.com/monhook/monhook/adapters/telemetry"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/plugin"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// run starts and stops the module with s and returns the stats handler it provided.
func run(t *testing.T, s telemetry.Settings) stats.Handler {
	t.Helper()
	var h stats.Handler
	app := fxtest.New(t,
		fx.Supply(s, plugin.Build{Version: "v"}, slog.New(slog.DiscardHandler)),
		telemetry.Module, fx.Populate(&h))
	app.RequireStart()
	app.RequireStop() // flushes and closes the exporter: goleak checks nothing is left running
	return h
}

func TestTracingIsOffWithoutAnEndpoint(t *testing.T) {
	if h := run(t, telemetry.Settings{}); h != nil {
		t.Errorf("stats handler = %T, want none: tracing off must cost nothing", h)
	}
}

func TestTracingIsOnWithAnEndpoint(t *testing.T) {
	// Nothing listens there: the exporter does not dial at start, so a collector that is down never stops the app.
	if h := run(t, telemetry.Settings{OTLPEndpoint: "http://127.0.0.1:1"}); h == nil {
		t.Error("no stats handler with an OTLP endpoint configured")
	}
}

// TestCountersAndRegistry registers everything in one private registry: names do not collide, and two
// registries (two apps, two tests) are independent.
func TestCountersAndRegistry(t *testing.T) {
	for range 2 {
		reg, err := telemetry.NewRegistry()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := telemetry.NewServerMetrics(reg); err != nil {
			t.Fatal(err)
		}
		c, err := telemetry.NewCounters(reg)
		if err != nil {
			t.Fatal(err)
		}
		c.Parsed("grafana", "ALERT", 2)
		c.Parsed("grafana", "ALERT", 0) // no series for nothing
		c.ParseFailed("auto", "ERROR_UNSUPPORTED_PAYLOAD")
		c.Detected("none")
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				if m.GetCounter() != nil && strings.HasPrefix(f.GetName(), "monhook_") {
					got[f.GetName()] += m.GetCounter().GetValue()
				}
			}
		}
		want := map[string]float64{"monhook_events_parsed_total": 2, "monhook_parse_failures_total": 1, "monhook_source_detected_total": 1}
		for name, v := range want {
			if got[name] != v {
				t.Errorf("%s = %v, want %v (all: %v)", name, got[name], v, got)
			}
		}
	}
}

// TestSeriesExistFromTheStart: before any call, every monhook_* series of a known label value is there at zero,
// and monhook_build_info names the build.
func TestSeriesExistFromTheStart(t *testing.T) {
	reg, err := telemetry.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := telemetry.NewCounters(reg); err != nil {
		t.Fatal(err)
	}
	if err := telemetry.NewBuildInfo(reg, plugin.Build{Version: "v1.2.3", Revision: "abc"}); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]map[string]bool{} // family -> label values joined
	var build []*dto.LabelPair
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var vals []string
			for _, l := range m.GetLabel() {
				vals = append(vals, l.GetName()+"="+l.GetValue())
			}
			if series[f.GetName()] == nil {
				series[f.GetName()] = map[string]bool{}
			}
			series[f.GetName()][strings.Join(vals, ",")] = true
			if f.GetName() == "monhook_build_info" {
				build = m.GetLabel()
				if m.GetGauge().GetValue() != 1 {
					t.Errorf("monhook_build_info = %v, want 1", m.GetGauge().GetValue())
				}
			}
		}
	}
	for _, s := range option.Sources() {
		for _, want := range []struct{ family, labels string }{
			{"monhook_events_parsed_total", "event_type=ALERT,source=" + string(s)},
			{"monhook_events_parsed_total", "event_type=RECOVERY,source=" + string(s)},
			{"monhook_source_detected_total", "source=" + string(s)},
			{"monhook_parse_failures_total", "error_code=ERROR_INVALID_PAYLOAD,source=" + string(s)},
			{"monhook_parse_failures_total", "error_code=ERROR_UNSUPPORTED_PAYLOAD,source=auto"},
			{"monhook_source_detected_total", "source=none"},
		} {
			if !series[want.family][want.labels] {
				t.Errorf("%s{%s} is not listed at start", want.family, want.labels)
			}
		}
	}
	got := map[string]string{}
	for _, l := range build {
		got[l.GetName()] = l.GetValue()
	}
	if got["version"] != "v1.2.3" || got["revision"] != "abc" || got["goversion"] != runtime.Version() {
		t.Errorf("monhook_build_info labels = %v", got)
	}
}

// TestResourceFollowsOpenTelemetryVariables: service.name and the instance id come from OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES when set, else monhook and a random UUID per process.
func TestResourceFollowsOpenTelemetryVariables(t *testing.T) {
	attrs := func() map[string]string {
		res, err := telemetry.Resource(plugin.Build{Version: "v9"})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, kv := range res.Attributes() {
			out[string(kv.Key)] = kv.Value.String()
		}
		return out
	}
	t.Setenv("OTEL_SERVICE_NAME", "")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
	def := attrs()
	if def["service.name"] != "monhook" || def["service.version"] != "v9" {
		t.Errorf("defaults = %v", def)
	}
	if _, err := uuid.Parse(def["service.instance.id"]); err != nil {
		t.Errorf("service.instance.id %q is not a UUID", def["service.instance.id"])
	}
	t.Setenv("OTEL_SERVICE_NAME", "alerts-webhook")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=pod-7,deployment.environment.name=prod")
	env := attrs()
	if env["service.name"] != "alerts-webhook" || env["service.instance.id"] != "pod-7" || env["deployment.environment.name"] != "prod" {
		t.Errorf("with the variables set = %v", env)
	}
}
