package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"
	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"go.uber.org/fx/fxtest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/adapters/config"
	"github.com/monhook/monhook/domain/source/sourcetest"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// collector is an OTLP/gRPC trace collector that keeps every span it is sent.
type collector struct {
	collectorpb.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (c *collector) Export(_ context.Context, req *collectorpb.ExportTraceServiceRequest) (*collectorpb.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			c.spans = append(c.spans, ss.GetSpans()...)
		}
	}
	return &collectorpb.ExportTraceServiceResponse{}, nil
}

func (c *collector) all() []*tracepb.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*tracepb.Span(nil), c.spans...)
}

// syncBuffer collects log output written from server goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// addr is the "addr" of the first JSON log line with message msg.
func (s *syncBuffer) addr(t *testing.T, msg string) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range strings.Split(s.b.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg {
			return m["addr"].(string)
		}
	}
	t.Fatalf("no %q line in the log:\n%s", msg, s.b.String())
	return ""
}

// TestAppTracesAndCounts runs the whole app as serve wires it, with every listener on a free port and an OTLP
// endpoint configured: a parse call with Cloudforet's traceparent reaches the collector as its child span, and
// the admin listener's /metrics counts the call.
func TestAppTracesAndCounts(t *testing.T) {
	body := sourcetest.Get(t, "alertmanager/zulip-firing-two-alerts.json").Data(t)
	data, err := structpb.NewStruct(body)
	if err != nil {
		t.Fatal(err)
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	col := &collector{}
	colSrv := grpc.NewServer()
	collectorpb.RegisterTraceServiceServer(colSrv, col)
	go func() { _ = colSrv.Serve(lis) }()
	defer colSrv.Stop()

	t.Chdir(t.TempDir()) // no configs/monhook.yaml
	fs := pflag.NewFlagSet("monhook", pflag.ContinueOnError)
	config.RegisterFlags(fs)
	if err := fs.Parse([]string{"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--otlp-endpoint", "http://" + lis.Addr().String(), "--shutdown-grace", "5s"}); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.Load(fs, func() []string { return nil })
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	a := fxtest.New(t, app(cfg, 1<<30, slog.New(slog.NewJSONHandler(logs, nil))))
	a.RequireStart()
	stopped := false
	defer func() {
		if !stopped {
			a.RequireStop()
		}
	}()

	conn, err := grpc.NewClient(logs.addr(t, "serving"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	if _, err := pluginpb.NewEventClient(conn).Parse(ctx, &pluginpb.ParseRequest{Options: &structpb.Struct{}, Data: data}); err != nil {
		t.Fatal(err)
	}

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Get("http://" + logs.addr(t, "admin serving") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`grpc_server_handled_total{grpc_code="OK",grpc_method="parse",grpc_service="spaceone.api.monitoring.plugin.Event",grpc_type="unary"} 1`,
		`monhook_events_parsed_total{event_type="ALERT",source="alertmanager"} 2`,
		`monhook_source_detected_total{source="alertmanager"} 1`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	a.RequireStop() // drains the server, then flushes the tracer: every span has reached the collector
	stopped = true
	var parse *tracepb.Span
	for _, s := range col.all() {
		if s.GetName() == "spaceone.api.monitoring.plugin.Event/parse" {
			parse = s
		}
	}
	if parse == nil {
		t.Fatalf("the collector got no parse span: %v", col.all())
	}
	if got := hex.EncodeToString(parse.GetTraceId()); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("trace id = %s, want the caller's", got)
	}
	if got := hex.EncodeToString(parse.GetParentSpanId()); got != "00f067aa0ba902b7" {
		t.Errorf("parent span id = %s, want the caller's 00f067aa0ba902b7", got)
	}
	if parse.GetKind() != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("kind = %v, want server", parse.GetKind())
	}
	var source string
	for _, kv := range parse.GetAttributes() {
		if kv.GetKey() == "monhook.source" {
			source = kv.GetValue().GetStringValue()
		}
	}
	if source != "alertmanager" {
		t.Errorf("monhook.source = %q, want alertmanager", source)
	}
}

func TestMemoryLimitIsChosenInOrder(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "") // empty: the runtime applied no limit at start
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64) })
	noCgroup := func() (uint64, error) { return 0, errors.New("no cgroup") }
	cgroup := func(n uint64) func() (uint64, error) { return func() (uint64, error) { return n, nil } }
	noCap := func() (int64, bool) { return 0, false }
	capped := func(free int64) func() (int64, bool) { return func() (int64, bool) { return free, true } }
	tests := []struct {
		name       string
		configured int
		cgroup     func() (uint64, error)
		space      func() (int64, bool)
		want       int64
		from       string
	}{
		{"nothing set", 0, noCgroup, noCap, 1 << 30, "default"},
		{"a container", 0, cgroup(1000 << 20), noCap, 900 << 20, "container"},
		{"configured beats the container", 0 + 300<<20, cgroup(1000 << 20), noCap, 300 << 20, "memory_limit"},
		{"an address-space limit caps it", 0, noCgroup, capped(500 << 20), 300 << 20, "address space limit"},
		{"a roomy address space changes nothing", 0, noCgroup, capped(8 << 30), 1 << 30, "default"},
	}
	for _, tt := range tests {
		got, from := memoryLimit(tt.configured, tt.cgroup, tt.space)
		if got != tt.want || from != tt.from {
			t.Errorf("%s: %d (%s), want %d (%s)", tt.name, got, from, tt.want, tt.from)
		}
		if applied := debug.SetMemoryLimit(-1); applied != tt.want {
			t.Errorf("%s: the runtime's limit is %d, want %d", tt.name, applied, tt.want)
		}
	}
}
