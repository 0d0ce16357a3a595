package grpc

import (
	"context"
	"errors"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/adapters/telemetry"
	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/trust"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// eventServer answers spaceone.api.monitoring.plugin.Event.
type eventServer struct {
	pluginpb.UnimplementedEventServer
	parse    *application.Parse
	settings Settings
	log      *slog.Logger
	counters *telemetry.Counters // nil counts nothing
}

// newEventServer answers Event.parse with p, counting outcomes in o.Counters when set.
func newEventServer(p *application.Parse, s Settings, log *slog.Logger, o Observers) *eventServer {
	return &eventServer{parse: p, settings: s, log: log, counters: o.Counters}
}

// Parse answers Event.parse with the events of one webhook request.
func (s *eventServer) Parse(ctx context.Context, req *pluginpb.ParseRequest) (*pluginpb.EventsInfo, error) {
	want := requestedSource(req.GetOptions())
	res, err := s.handle(ctx, req)
	s.checked(ctx, res.Signature)
	if err != nil {
		st := cloudforet.Status(s.log, err)
		s.failed(ctx, want, err, st)
		return nil, st
	}
	s.parsed(ctx, want, res)
	if res.Notice != "" {
		// On the request's line, not a line of its own: one line per request at info.
		addLogFields(ctx, slog.String("notice", res.Notice))
	}
	return cloudforet.EventsInfo(res.Events), nil
}

func (s *eventServer) handle(ctx context.Context, req *pluginpb.ParseRequest) (pipeline.Result, error) {
	opts, err := asMap("options", req.GetOptions(), s.settings.OptionsLimits)
	if err != nil {
		return pipeline.Result{}, err
	}
	data, err := asMap("data", req.GetData(), s.settings.DataLimits)
	if err != nil {
		return pipeline.Result{}, err
	}
	return s.parse.Handle(ctx, opts, data)
}

// parsed counts the events of a successful call and the source auto-detection found, and names the source on
// the call's span and request line.
func (s *eventServer) parsed(ctx context.Context, want string, res pipeline.Result) {
	src := want
	if res.Source != "" { // "" when options.confirm_url matched before any source was read
		src = res.Source
		if want == string(option.Auto) {
			s.counters.Detected(src)
		}
	}
	nameSource(ctx, src)
	byType := map[event.Type]int{}
	for _, e := range res.Events {
		byType[e.Type]++
	}
	for t, n := range byType {
		s.counters.Parsed(src, string(t), n)
	}
}

// failed counts a failed call under the code the caller got (st), and the detection outcome when the failure
// came after auto-detection: a body of no known format, or one of a detected format that cannot be read.
func (s *eventServer) failed(ctx context.Context, want string, err, st error) {
	src := want
	var (
		ip *sourcekit.InvalidPayloadError
		up *pipeline.UnsupportedPayloadError
	)
	switch {
	case errors.As(err, &ip) && ip.Source != "":
		src = ip.Source
		if want == string(option.Auto) {
			s.counters.Detected(src)
		}
	case errors.As(err, &up):
		s.counters.Detected(noSource)
	}
	nameSource(ctx, src)
	s.counters.ParseFailed(src, cloudforet.Code(st))
}

// checked counts a signature check, names its outcome on the request line, and logs why one did not verify (the
// reason names fields and hosts, never a value of the body).
func (s *eventServer) checked(ctx context.Context, c trust.Check) {
	if c.Mode == "" {
		return
	}
	s.counters.SignatureChecked(string(c.Mode), string(c.Outcome))
	addLogFields(ctx, slog.String("sns_signature", string(c.Outcome)))
	if c.Outcome != trust.Verified {
		s.log.WarnContext(ctx, "sns signature not verified", "mode", string(c.Mode), "outcome", string(c.Outcome),
			"reason", cloudforet.ClipN(c.Reason, 4*128), "topic", cloudforet.Clip(c.Topic))
	}
}

// nameSource puts the call's source on its span and on its request line.
func nameSource(ctx context.Context, src string) {
	trace.SpanFromContext(ctx).SetAttributes(telemetry.SourceKey.String(src))
	addLogFields(ctx, slog.String("source", src)) // the one call's own fields; a no-op when not logged
}

// noSource labels a source nobody named and nothing detected.
const noSource = "none"

// requestedSource is the source options ask for, as a metric label: a known source, "auto" when the key is
// absent, or "none" for anything else, which fails validation; a caller's text never becomes a label.
func requestedSource(opts *structpb.Struct) string {
	v, ok := opts.GetFields()["source"]
	if !ok {
		return string(option.Auto)
	}
	want := option.Source(v.GetStringValue())
	if want.Valid() {
		return string(want)
	}
	return noSource
}
