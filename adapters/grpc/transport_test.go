package grpc

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding/gzip"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// rawBytes sends and receives protobuf bytes as they are, so a test can put any bytes on the wire.
type rawBytes struct{}

func (rawBytes) Name() string { return "proto" }
func (rawBytes) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}
func (rawBytes) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func TestUndecodableRequestsAreInvalidArgumentNotInternal(t *testing.T) {
	ts := serve(t)
	for name, body := range map[string][]byte{
		"garbage":       []byte("\xff\xff\xff\xff garbage"),
		"invalid UTF-8": {0x12, 0x07, 0x0a, 0x05, 0x0a, 0x03, 0xff, 0xfe, 0xfd},
	} {
		var out []byte
		err := ts.conn.Invoke(callCtx(t), "/spaceone.api.monitoring.plugin.Event/parse", &body, &out, grpc.ForceCodecV2(rawBytes{}))
		st := status.Convert(err)
		want := "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = request, reason = it is not a valid spaceone.api.monitoring.plugin.ParseRequest message"
		if st.Code() != codes.InvalidArgument || !strings.HasPrefix(st.Message(), want) {
			t.Errorf("%s: %v %q, want InvalidArgument %q…", name, st.Code(), st.Message(), want)
		}
	}
}

func TestCompressedRequestsAreRefusedWhileCompressionIsOff(t *testing.T) {
	ts := serve(t) // testSettings leave compression off
	_, err := pluginpb.NewWebhookClient(ts.conn).Verify(callCtx(t), &pluginpb.WebhookPluginVerifyRequest{Options: mustStruct(t, map[string]any{})},
		grpc.UseCompressor(gzip.Name))
	if st := status.Convert(err); !strings.Contains(st.Message(), "ERROR_COMPRESSION_NOT_ACCEPTED") {
		t.Errorf("gzip while off: %v %q", st.Code(), st.Message())
	}
}

func TestAdmissionRefusesWhatTheBudgetCannotHold(t *testing.T) {
	a := newAdmission(100*Expansion, 50*time.Millisecond)
	first, err := a.admit(60) // 60 of the 100 wire bytes the budget holds
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.admit(60); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("a second request past the budget: %v, want RESOURCE_EXHAUSTED", err)
	}
	first.release()
	first.release() // idempotent
	again, err := a.admit(60)
	if err != nil {
		t.Fatalf("after the first released: %v", err)
	}
	again.release()
	// A request the whole budget cannot hold is refused at once, even when nothing else runs.
	start := time.Now()
	if _, err := a.admit(101); status.Code(err) != codes.ResourceExhausted || time.Since(start) > 40*time.Millisecond {
		t.Errorf("a request over the whole budget: %v after %s, want RESOURCE_EXHAUSTED without waiting", err, time.Since(start))
	}
}

// TestExpansionIsBounded measures what Expansion stands for: the heap a request takes once decoded, for the worst
// body found, empty objects, both ways a body is decoded: the Struct protobuf decodes and then the plain map the
// use case reads, and the codec's direct reading into that map.
func TestExpansionIsBounded(t *testing.T) {
	items := make([]any, 200000)
	for i := range items {
		items[i] = map[string]any{}
	}
	data, err := structpb.NewStruct(map[string]any{"a": items})
	if err != nil {
		t.Fatal(err)
	}
	wire, err := proto.Marshal(&pluginpb.ParseRequest{Options: &structpb.Struct{}, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	c := newCodec(newAdmission(1<<40, 0), 32, Limits{MaxDepth: 32, MaxSize: len(wire)}, nil)
	for name, decode := range map[string]func(*pluginpb.ParseRequest) map[string]any{
		"protobuf and AsMap": func(req *pluginpb.ParseRequest) map[string]any {
			if err := proto.Unmarshal(wire, req); err != nil {
				t.Fatal(err)
			}
			return req.GetData().AsMap()
		},
		"direct": func(req *pluginpb.ParseRequest) map[string]any {
			doc, ok := c.readDirectly(wire, 2, req)
			if !ok {
				t.Fatal("not read directly")
			}
			return doc
		},
	} {
		before := heap()
		var req pluginpb.ParseRequest
		m := decode(&req)
		grown := heap() - before
		runtime.KeepAlive(m)
		runtime.KeepAlive(&req)
		if factor := float64(grown) / float64(len(wire)); factor > Expansion {
			t.Errorf("%s: a request of %d bytes took %d bytes decoded: %.1f times, more than Expansion (%d)", name, len(wire), grown, factor, Expansion)
		} else {
			t.Logf("%s: expansion %.1f (Expansion %d)", name, factor, Expansion)
		}
	}
}

func TestOversizedHeadersAreRefused(t *testing.T) {
	ts := serve(t)
	ctx := metadata.AppendToOutgoingContext(callCtx(t), "x-big", strings.Repeat("a", int(testSettings.MaxHeaderListSize)))
	_, err := pluginpb.NewWebhookClient(ts.conn).Verify(ctx, &pluginpb.WebhookPluginVerifyRequest{Options: mustStruct(t, map[string]any{})})
	if err == nil {
		t.Fatal("a header list over max_header_list_size was accepted")
	}
	// The connection survives for calls within the limit.
	if _, err := pluginpb.NewWebhookClient(ts.conn).Verify(callCtx(t), &pluginpb.WebhookPluginVerifyRequest{Options: mustStruct(t, map[string]any{})}); err != nil {
		t.Errorf("a normal call after: %v", err)
	}
}

func TestHealthWatchEndsWhenDrainBegins(t *testing.T) {
	ts := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := healthpb.NewHealthClient(ts.conn).Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Recv(); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	start := time.Now()
	go func() { ts.run.stop(); close(stopped) }()
	var last healthpb.HealthCheckResponse_ServingStatus
	for {
		res, err := w.Recv()
		if err != nil {
			break
		}
		last = res.GetStatus()
	}
	if last != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("the watch's last status %v, want NOT_SERVING before it ended", last)
	}
	select {
	case <-stopped:
	case <-time.After(3 * time.Second):
		t.Fatal("the drain did not finish within 3 s of a watch open; it waited for the watch")
	}
	t.Logf("drained with a watch open in %s", time.Since(start).Round(time.Millisecond))
}

func TestStatusesOfManyViolationsStaySmall(t *testing.T) {
	ts := serve(t)
	opts := map[string]any{}
	for i := range 500 {
		opts[strings.Repeat("k", 1000)+string(rune('a'+i%26))+strings.Repeat("x", i)] = 1.0
	}
	_, err := pluginpb.NewWebhookClient(ts.conn).Verify(callCtx(t), &pluginpb.WebhookPluginVerifyRequest{Options: mustStruct(t, opts)})
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("%v %q", st.Code(), st.Message())
	}
	if n := proto.Size(st.Proto()); n > 4096 {
		t.Errorf("the status of 500 long unknown keys is %d bytes; clients cap trailers at 8 KiB", n)
	}
}

// TestCallDeadlineKeepsTheSoonerOne: a call gets call_timeout unless its caller's deadline ends first, which grpc-go
// enforces already; health and reflection streams get none.
func TestCallDeadlineKeepsTheSoonerOne(t *testing.T) {
	tapFn := callDeadline(time.Minute)
	parse := &tap.Info{FullMethodName: pluginpb.Event_Parse_FullMethodName}
	deadline := func(ctx context.Context) time.Duration {
		d, ok := ctx.Deadline()
		if !ok {
			return 0
		}
		return time.Until(d).Round(time.Second)
	}
	for _, tt := range []struct {
		name   string
		caller time.Duration // 0: no deadline
		want   time.Duration
	}{
		{"no caller deadline", 0, time.Minute},
		{"a later caller deadline", time.Hour, time.Minute},
		{"a sooner caller deadline", 10 * time.Second, 10 * time.Second},
	} {
		ctx := context.Background()
		if tt.caller > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, tt.caller)
			defer cancel()
		}
		got, err := tapFn(ctx, parse)
		if err != nil {
			t.Fatal(err)
		}
		if d := deadline(got); d != tt.want {
			t.Errorf("%s: deadline in %v, want %v", tt.name, d, tt.want)
		}
		if cancel, ok := got.Value(deadlineKey{}).(context.CancelFunc); ok {
			cancel()
		}
	}
	got, err := tapFn(context.Background(), &tap.Info{FullMethodName: "/grpc.health.v1.Health/Watch"})
	if err != nil || deadline(got) != 0 {
		t.Errorf("health watch got a deadline: %v, %v", deadline(got), err)
	}
}
