package grpc

import (
	"context"
	"log/slog"
	"reflect"
	"sync"

	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/plugin"
	corepb "github.com/monhook/monhook/proto/spaceone/api/core/v1"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// webhookServer answers spaceone.api.monitoring.plugin.Webhook by calling one use case per method.
type webhookServer struct {
	pluginpb.UnimplementedWebhookServer
	init   *application.Init
	verify *application.Verify
	limits Limits
	log    *slog.Logger
}

func newWebhookServer(i *application.Init, v *application.Verify, s Settings, log *slog.Logger) *webhookServer {
	return &webhookServer{init: i, verify: v, limits: s.OptionsLimits, log: log}
}

// Init answers Webhook.init with the plugin's metadata.
func (s *webhookServer) Init(ctx context.Context, req *pluginpb.WebhookInitRequest) (*pluginpb.WebhookPluginInfo, error) {
	nameSource(ctx, requestedSource(req.GetOptions()))
	raw, err := asMap("options", req.GetOptions(), s.limits)
	if err != nil {
		return nil, cloudforet.Status(s.log, err)
	}
	md, err := s.init.Handle(ctx, raw)
	if err != nil {
		return nil, cloudforet.Status(s.log, err)
	}
	doc, err := encodeMetadata(md)
	if err != nil {
		return nil, cloudforet.Status(s.log, err)
	}
	return &pluginpb.WebhookPluginInfo{Metadata: doc}, nil
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

// Verify answers Webhook.verify: Empty when the options are valid.
func (s *webhookServer) Verify(ctx context.Context, req *pluginpb.WebhookPluginVerifyRequest) (*emptypb.Empty, error) {
	nameSource(ctx, requestedSource(req.GetOptions()))
	raw, err := asMap("options", req.GetOptions(), s.limits)
	if err != nil {
		return nil, cloudforet.Status(s.log, err)
	}
	if err := s.verify.Handle(ctx, raw); err != nil {
		return nil, cloudforet.Status(s.log, err)
	}
	return &emptypb.Empty{}, nil
}

// serverInfoServer answers spaceone.api.core.v1.ServerInfo, which every Cloudforet server serves.
type serverInfoServer struct {
	corepb.UnimplementedServerInfoServer
	version string
}

// GetVersion answers ServerInfo.get_version with the build's version.
func (s *serverInfoServer) GetVersion(context.Context, *emptypb.Empty) (*corepb.VersionInfo, error) {
	return &corepb.VersionInfo{Version: s.version}, nil
}
