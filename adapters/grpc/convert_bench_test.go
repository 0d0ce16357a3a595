package grpc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/adapters/telemetry"
	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/plugin"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// benchSettings are the production defaults that matter here: the size and depth limits.
var benchSettings = Settings{
	OptionsLimits: Limits{MaxDepth: 32, MaxSize: 1 << 20},
	DataLimits:    Limits{MaxDepth: 32, MaxSize: 32 << 20},
}

// alertmanagerBody is the 1-alert Alertmanager fixture with its alert repeated n times, each with its own
// instance label and fingerprint, as the load driver (test/bench/load) builds it.
func alertmanagerBody(b *testing.B, n int) map[string]any {
	b.Helper()
	body := sourcetest.Get(b, "alertmanager/zulip-resolved-single-alert.json").Data(b)
	first, _ := json.Marshal(body["alerts"].([]any)[0])
	alerts := make([]any, n)
	for i := range alerts {
		var a map[string]any
		if err := json.Unmarshal(first, &a); err != nil {
			b.Fatal(err)
		}
		a["labels"].(map[string]any)["instance"] = fmt.Sprintf("host-%03d:9100", i)
		a["fingerprint"] = fmt.Sprintf("%016x", i+1)
		alerts[i] = a
	}
	body["alerts"] = alerts
	return body
}

func benchStruct(b *testing.B, m map[string]any) *structpb.Struct {
	b.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkAsMap is the Struct → domain conversion of a request field, limits checked.
func BenchmarkAsMap(b *testing.B) {
	for _, c := range []struct {
		name string
		doc  map[string]any
		l    Limits
	}{
		{"options={}", map[string]any{}, benchSettings.OptionsLimits},
		{"data=1-alert", alertmanagerBody(b, 1), benchSettings.DataLimits},
		{"data=100-alerts", alertmanagerBody(b, 100), benchSettings.DataLimits},
	} {
		s := benchStruct(b, c.doc)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := asMap("data", s, c.l); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeRequest is a parse request's bytes to the body the use case takes, both ways: protobuf's
// decoding into Structs and asMap, as before and still for bodies not plainly encoded, and the codec's direct
// reading of the body (document.go).
func BenchmarkDecodeRequest(b *testing.B) {
	for _, n := range []int{1, 100} {
		wire, err := proto.Marshal(&pluginpb.ParseRequest{Options: &structpb.Struct{}, Data: benchStruct(b, alertmanagerBody(b, n))})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("protobuf+asMap/alerts=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var req pluginpb.ParseRequest
				if err := proto.Unmarshal(wire, &req); err != nil {
					b.Fatal(err)
				}
				if _, err := asMap("data", req.GetData(), benchSettings.DataLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
		c := newCodec(newAdmission(1<<30, 0), 32, benchSettings.DataLimits, nil)
		b.Run(fmt.Sprintf("direct/alerts=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var req pluginpb.ParseRequest
				if _, ok := c.readDirectly(wire, 2, &req); !ok {
					b.Fatal("not read directly")
				}
			}
		})
	}
}

// BenchmarkEventsInfo is the domain → wire conversion of parsed events, in each protocol's EventsInfo.
func BenchmarkEventsInfo(b *testing.B) {
	opts, err := option.Parse(map[string]any{})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 100} {
		res, err := pipeline.Normalize(context.Background(), opts, alertmanagerBody(b, n), time.Now(), sourcekit.DefaultBudget)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = cloudforet.EventsInfo(res.Events)
			}
		})
		b.Run(fmt.Sprintf("alert_manager/events=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = cloudforet.AlertManagerEventsInfo(res.Events)
			}
		})
	}
}

type benchClock struct{}

func (benchClock) Now() time.Time { return time.Unix(1700000000, 0) }

type benchConfirmer struct{}

func (benchConfirmer) Confirm(context.Context, sourcekit.Subscription) error { return nil }

// BenchmarkHandlers calls each RPC handler as grpc-go would after decoding the request: everything monhook
// itself does per call except the interceptors and the wire.
func BenchmarkHandlers(b *testing.B) {
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p := NewPlugin(application.NewInit(plugin.Build{Version: "v1"}), application.NewVerify(),
		application.NewParse(benchConfirmer{}, noCertificates{}, benchClock{}, sourcekit.DefaultBudget), benchSettings, log, Observers{})
	wh, ev := newWebhookServer(p), newEventServer(p)
	ctx := context.Background()
	empty := &structpb.Struct{}
	b.Run("init", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := wh.Init(ctx, &pluginpb.WebhookInitRequest{Options: empty}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// What grpc-go does next with an init answer: marshal it. The options schema is most of its bytes.
	b.Run("init+marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			info, err := wh.Init(ctx, &pluginpb.WebhookInitRequest{Options: empty})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := proto.Marshal(info); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := wh.Verify(ctx, &pluginpb.WebhookPluginVerifyRequest{Options: empty}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, n := range []int{1, 100} {
		req := &pluginpb.ParseRequest{Options: empty, Data: benchStruct(b, alertmanagerBody(b, n))}
		b.Run(fmt.Sprintf("parse/alerts=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ev.Parse(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkServer makes each call through the whole server as the app wires it (interceptors, codec, metrics,
// logging at warn) over bufconn, one caller at a time: what a call costs beyond BenchmarkHandlers, in time and
// allocations, without a network.
func BenchmarkServer(b *testing.B) {
	reg := prometheus.NewRegistry()
	metrics, err := telemetry.NewServerMetrics(reg)
	if err != nil {
		b.Fatal(err)
	}
	counters, err := telemetry.NewCounters(reg)
	if err != nil {
		b.Fatal(err)
	}
	ts := serveAt(b, slog.LevelWarn, benchConfirmer{}, Observers{Metrics: metrics, Counters: counters})
	wh, ev := pluginpb.NewWebhookClient(ts.conn), pluginpb.NewEventClient(ts.conn)
	ctx := context.Background()
	empty := &structpb.Struct{}
	calls := []struct {
		name string
		call func() error
	}{
		{"init", func() error { _, err := wh.Init(ctx, &pluginpb.WebhookInitRequest{Options: empty}); return err }},
		{"verify", func() error {
			_, err := wh.Verify(ctx, &pluginpb.WebhookPluginVerifyRequest{Options: empty})
			return err
		}},
	}
	for _, n := range []int{1, 100} {
		req := &pluginpb.ParseRequest{Options: empty, Data: benchStruct(b, alertmanagerBody(b, n))}
		calls = append(calls, struct {
			name string
			call func() error
		}{fmt.Sprintf("parse/alerts=%d", n), func() error { _, err := ev.Parse(ctx, req); return err }})
	}
	for _, c := range calls {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.call(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
