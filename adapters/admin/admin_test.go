package admin

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// get fetches url without keep-alive, so no connection outlives the test.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Get(url)
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

// registry holds one counter, so /metrics has something of its own to show.
func registry(t *testing.T) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "admin_test_total", Help: "A test counter."})
	c.Add(3)
	reg.MustRegister(c)
	return reg
}

// TestModuleServesMetricsAndProbesOnRealTCP starts the module on port 0 and reads every route over HTTP:
// /readyz follows the gRPC health server's overall status.
func TestModuleServesMetricsAndProbesOnRealTCP(t *testing.T) {
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	var r *runner
	app := fxtest.New(t,
		fx.Supply(Settings{Listen: "127.0.0.1:0"}, registry(t), hs, quiet()),
		Module, fx.Populate(&r))
	app.RequireStart()
	base := "http://" + r.addr().String()

	if code, body := get(t, base+"/metrics"); code != http.StatusOK || !strings.Contains(body, "admin_test_total 3") {
		t.Errorf("/metrics = %d\n%s", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", code)
	}
	if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable || strings.TrimSpace(body) != "NOT_SERVING" {
		t.Errorf("/readyz before serving = %d %q, want 503 NOT_SERVING", code, body)
	}
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	if code, body := get(t, base+"/readyz"); code != http.StatusOK || strings.TrimSpace(body) != "SERVING" {
		t.Errorf("/readyz while serving = %d %q, want 200 SERVING", code, body)
	}
	hs.Shutdown()
	if code, _ := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz after Shutdown = %d, want 503", code)
	}
	if code, _ := get(t, base+"/nothing"); code != http.StatusNotFound {
		t.Errorf("/nothing = %d, want 404", code)
	}
	app.RequireStop()
	if _, err := net.Dial("tcp", r.addr().String()); err == nil {
		t.Error("the admin listener still accepts connections after stop")
	}
}

func TestEmptyListenStartsNothing(t *testing.T) {
	var r *runner
	app := fxtest.New(t,
		fx.Supply(Settings{Listen: ""}, prometheus.NewRegistry(), health.NewServer(), quiet()),
		Module, fx.Populate(&r))
	app.RequireStart()
	if r.addr() != nil {
		t.Errorf("admin listener off, but listening on %v", r.addr())
	}
	app.RequireStop()
}

func TestModuleFailsToStartOnATakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	app := fx.New(fx.NopLogger,
		fx.Supply(Settings{Listen: taken.Addr().String()}, prometheus.NewRegistry(), health.NewServer(), quiet()),
		Module)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := app.Start(ctx); err == nil || !strings.Contains(err.Error(), "admin listen on") {
		t.Errorf("start on a taken port = %v, want a listen error", err)
		_ = app.Stop(ctx)
	}
}
