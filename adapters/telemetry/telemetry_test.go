package telemetry_test

import (
	"log/slog"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"
	"google.golang.org/grpc/stats"

	"github.com/monhook/monhook/adapters/telemetry"
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
