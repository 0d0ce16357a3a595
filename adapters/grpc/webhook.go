package grpc

import (
	"context"
	"log/slog"
	"slices"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

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
		return nil, ToStatus(s.log, err)
	}
	md, err := s.init.Handle(ctx, raw)
	if err != nil {
		return nil, ToStatus(s.log, err)
	}
	doc, err := encodeMetadata(md)
	if err != nil {
		return nil, ToStatus(s.log, err)
	}
	return &pluginpb.WebhookPluginInfo{Metadata: doc}, nil
}

// schemaEntry is the options schema encoded once as the wire bytes of one entry of a Struct's fields map. The
// schema never changes, and converting and marshalling it (a Struct of maps is the slow path of protobuf-go) was
// nearly all of an init call's cost. Each answer carries these bytes as its metadata's unknown fields, which
// protobuf writes verbatim: on the wire they are the "options_schema" entry, and every reader decodes them as
// such. The slice is clipped, so appending to one answer's unknown fields can never write into it.
var schemaEntry = sync.OnceValues(func() ([]byte, error) {
	v, err := structpb.NewValue(option.Schema())
	if err != nil {
		return nil, err
	}
	b, err := proto.Marshal(&structpb.Struct{Fields: map[string]*structpb.Value{plugin.SchemaKey: v}})
	return slices.Clip(b), err
})

// encodeMetadata writes md's document as a Struct for the wire, its options schema as the pre-encoded
// schemaEntry: Describe always sets it to option.Schema(). Only the wire form is complete, which is all an answer
// is for.
func encodeMetadata(md plugin.Metadata) (*structpb.Struct, error) {
	schema, err := schemaEntry()
	if err != nil {
		return nil, err
	}
	md.OptionsSchema = nil // sent as schemaEntry, not converted again
	doc := md.Document()
	delete(doc, plugin.SchemaKey)
	out, err := structpb.NewStruct(doc)
	if err != nil {
		return nil, err
	}
	out.ProtoReflect().SetUnknown(schema)
	return out, nil
}

// Verify answers Webhook.verify: Empty when the options are valid.
func (s *webhookServer) Verify(ctx context.Context, req *pluginpb.WebhookPluginVerifyRequest) (*emptypb.Empty, error) {
	nameSource(ctx, requestedSource(req.GetOptions()))
	raw, err := asMap("options", req.GetOptions(), s.limits)
	if err != nil {
		return nil, ToStatus(s.log, err)
	}
	if err := s.verify.Handle(ctx, raw); err != nil {
		return nil, ToStatus(s.log, err)
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
