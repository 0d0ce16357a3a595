package grpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/adapters/telemetry"
	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/plugin"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/trust"
)

// Protocol is the plugin protocol a process serves, chosen at start: its services, each with its implementation.
// A process serves one: Cloudforet's client binds every listed service by its short name (Webhook, Event), so a
// second protocol's services would take the first's place for every caller.
type Protocol struct {
	Services []Service
}

// Package is the protobuf package of p's services, such as spaceone.api.monitoring.plugin.
func (p Protocol) Package() string {
	if len(p.Services) == 0 {
		return ""
	}
	return string(protoreflect.FullName(p.Services[0].Desc.ServiceName).Parent())
}

// requests are the full names of the messages p's methods take, read from the descriptors of p's services: the
// plugin requests that admission and the deferred decoding apply to, each with its webhook body's field number
// (0 when it has none).
func (p Protocol) requests() (map[protoreflect.FullName]protowire.Number, error) {
	out := map[protoreflect.FullName]protowire.Number{}
	for _, s := range p.Services {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(s.Desc.ServiceName))
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", s.Desc.ServiceName, err)
		}
		sd, ok := d.(protoreflect.ServiceDescriptor)
		if !ok {
			return nil, fmt.Errorf("%s is no service", s.Desc.ServiceName)
		}
		for i := range sd.Methods().Len() {
			in := sd.Methods().Get(i).Input()
			out[in.FullName()] = documentField(in)
		}
	}
	return out, nil
}

// Service is one gRPC service of a protocol and what answers it.
type Service struct {
	Desc *grpc.ServiceDesc
	Impl any
}

// Plugin is what every protocol's services answer with: the use cases behind the options, the metadata and the
// events, reached through the request fields all protocols share (options and data as Structs), with the same
// limits, metrics, log fields and Cloudforet errors whichever protocol asked. A protocol's services read their
// request into it and write its answer in their own messages; an error comes back as the status to answer with.
type Plugin struct {
	init     *application.Init
	verify   *application.Verify
	parse    *application.Parse
	settings Settings
	log      *slog.Logger
	counters *telemetry.Counters // nil counts nothing
}

// NewPlugin answers with the use cases, holding requests to s's limits and counting Event.parse outcomes in
// o.Counters when set.
func NewPlugin(i *application.Init, v *application.Verify, p *application.Parse, s Settings, log *slog.Logger, o Observers) *Plugin {
	return &Plugin{init: i, verify: v, parse: p, settings: s, log: log, counters: o.Counters}
}

// Init validates options and returns the plugin's metadata, as Webhook.init answers it.
func (p *Plugin) Init(ctx context.Context, options *structpb.Struct) (*structpb.Struct, error) {
	nameSource(ctx, requestedSource(options))
	raw, err := asMap("options", options, p.settings.OptionsLimits)
	if err != nil {
		return nil, cloudforet.Status(p.log, err)
	}
	md, err := p.init.Handle(ctx, raw)
	if err != nil {
		return nil, cloudforet.Status(p.log, err)
	}
	doc, err := encodeMetadata(md)
	if err != nil {
		return nil, cloudforet.Status(p.log, err)
	}
	return doc, nil
}

// encodeMetadata writes md's document as a Struct for the wire. The options schema, most of its bytes, is written
// once per process and shared by every answer, when md carries the build's schema (option.Schema returns one
// immutable document): protobuf marshals a message nobody changes safely from many calls at once.
func encodeMetadata(md plugin.Metadata) (*structpb.Struct, error) {
	doc := md.Document()
	if !sameMap(md.OptionsSchema, option.Schema()) {
		return cloudforet.Struct(doc)
	}
	delete(doc, plugin.SchemaKey)
	s, err := cloudforet.Struct(doc)
	if err != nil {
		return nil, err
	}
	schema, err := schemaValue()
	if err != nil {
		return nil, err
	}
	s.Fields[plugin.SchemaKey] = schema
	return s, nil
}

// schemaValue is option.Schema as a Value, built on first use.
var schemaValue = sync.OnceValues(func() (*structpb.Value, error) {
	s, err := cloudforet.Struct(option.Schema())
	return structpb.NewStructValue(s), err
})

// sameMap reports whether a and b are one map, not two maps with the same entries.
func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// Verify validates options, as Webhook.verify answers it.
func (p *Plugin) Verify(ctx context.Context, options *structpb.Struct) error {
	nameSource(ctx, requestedSource(options))
	raw, err := asMap("options", options, p.settings.OptionsLimits)
	if err != nil {
		return cloudforet.Status(p.log, err)
	}
	if err := p.verify.Handle(ctx, raw); err != nil {
		return cloudforet.Status(p.log, err)
	}
	return nil
}

// Parse turns one webhook request into events, as Event.parse answers them, and counts the outcome.
func (p *Plugin) Parse(ctx context.Context, options, data *structpb.Struct) ([]event.Event, error) {
	want := requestedSource(options)
	res, err := p.handle(ctx, options, data)
	p.checked(ctx, res.Signature)
	if err != nil {
		st := cloudforet.Status(p.log, err)
		p.failed(ctx, want, err, st)
		return nil, st
	}
	p.parsed(ctx, want, res)
	if res.Notice != "" {
		// On the request's line, not a line of its own: one line per request at info.
		addLogFields(ctx, slog.String("notice", res.Notice))
	}
	return res.Events, nil
}

// handle reads the request's options and body and runs the use case. The body is the one the codec read directly
// into ctx when it could (document.go), and data, converted, otherwise.
func (p *Plugin) handle(ctx context.Context, options, data *structpb.Struct) (pipeline.Result, error) {
	opts, err := asMap("options", options, p.settings.OptionsLimits)
	if err != nil {
		return pipeline.Result{}, err
	}
	doc, read := decodedDocument(ctx)
	if !read {
		if doc, err = asMap("data", data, p.settings.DataLimits); err != nil {
			return pipeline.Result{}, err
		}
	}
	return p.parse.Handle(ctx, opts, doc)
}

// parsed counts the events of a successful call and the source auto-detection found, and names the source on
// the call's span and request line.
func (p *Plugin) parsed(ctx context.Context, want string, res pipeline.Result) {
	src := want
	if res.Source != "" { // "" when options.confirm_url matched before any source was read
		src = res.Source
		if want == string(option.Auto) {
			p.counters.Detected(src)
		}
	}
	nameSource(ctx, src)
	byType := map[event.Type]int{}
	for _, e := range res.Events {
		byType[e.Type]++
	}
	for t, n := range byType {
		p.counters.Parsed(src, string(t), n)
	}
}

// failed counts a failed call under the code the caller got (st), and the detection outcome when the failure
// came after auto-detection: a body of no known format, or one of a detected format that cannot be read.
func (p *Plugin) failed(ctx context.Context, want string, err, st error) {
	src := want
	var (
		ip *sourcekit.InvalidPayloadError
		up *pipeline.UnsupportedPayloadError
	)
	switch {
	case errors.As(err, &ip) && ip.Source != "":
		src = ip.Source
		if want == string(option.Auto) {
			p.counters.Detected(src)
		}
	case errors.As(err, &up):
		p.counters.Detected(noSource)
	}
	nameSource(ctx, src)
	p.counters.ParseFailed(src, cloudforet.Code(st))
}

// checked counts a signature check, names its outcome on the request line, and logs why one did not verify.
func (p *Plugin) checked(ctx context.Context, c trust.Check) {
	if c.Mode == "" {
		return
	}
	p.counters.SignatureChecked(string(c.Mode), string(c.Outcome))
	addLogFields(ctx, slog.String("sns_signature", string(c.Outcome)))
	telemetry.WarnUnverified(ctx, p.log, c)
}

// nameSource puts the call's source on its span and on its request line.
func nameSource(ctx context.Context, src string) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() { // else the attribute would be built for nothing
		span.SetAttributes(telemetry.SourceKey.String(src))
	}
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
